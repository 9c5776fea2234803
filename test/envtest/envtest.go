// Package envtest starts a real kube-apiserver and etcd (controller-runtime's envtest) with the
// project's CRDs installed. The binaries are built from the Go module proxy by
// `make control-plane` into bin/k8s; KUBEBUILDER_ASSETS points elsewhere if set.
package envtest

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	securityv1alpha1 "github.com/kubeposture/kubeposture/api/v1alpha1"
)

// Scheme knows the built-in kinds and the SecurityProfile API.
var Scheme = newScheme()

func newScheme() *runtime.Scheme {
	s := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(s); err != nil {
		panic(err)
	}
	if err := securityv1alpha1.AddToScheme(s); err != nil {
		panic(err)
	}
	return s
}

// RepoRoot returns the directory holding go.mod, found upwards from the working directory.
func RepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("go.mod not found above the working directory")
		}
		dir = parent
	}
}

// Environment is a running control plane.
type Environment struct {
	Env    *envtest.Environment
	Config *rest.Config
}

// Start starts kube-apiserver and etcd and installs the CRDs of config/crd/bases, plus any
// extra CRD directories given. It fails, rather than skips, when the binaries are missing.
func Start(extraCRDDirs ...string) (*Environment, error) {
	root, err := RepoRoot()
	if err != nil {
		return nil, err
	}
	assets := os.Getenv("KUBEBUILDER_ASSETS")
	if assets == "" {
		assets = filepath.Join(root, "bin", "k8s")
	}
	for _, bin := range []string{"kube-apiserver", "etcd"} {
		if _, err := os.Stat(filepath.Join(assets, bin)); err != nil {
			return nil, fmt.Errorf("%s not found in %s: run `make control-plane` to build the local control plane", bin, assets)
		}
	}
	env := &envtest.Environment{
		CRDDirectoryPaths:     append([]string{filepath.Join(root, "config", "crd", "bases")}, extraCRDDirs...),
		ErrorIfCRDPathMissing: true,
		BinaryAssetsDirectory: assets,
		Scheme:                Scheme,
	}
	cfg, err := env.Start()
	if err != nil {
		// Start leaves the processes running when a later step (such as installing CRDs) fails.
		_ = env.Stop()
		return nil, fmt.Errorf("starting the local control plane from %s: %w", assets, err)
	}
	return &Environment{Env: env, Config: cfg}, nil
}

// Stop shuts the control plane down.
func (e *Environment) Stop() error { return e.Env.Stop() }

// WriteAdminKubeconfig writes a kubeconfig for a system:masters user named user into a new
// temporary directory and returns its path; remove the directory when done.
func (e *Environment) WriteAdminKubeconfig(user string) (string, error) {
	u, err := e.Env.AddUser(envtest.User{Name: user, Groups: []string{"system:masters"}}, nil)
	if err != nil {
		return "", err
	}
	data, err := u.KubeConfig()
	if err != nil {
		return "", err
	}
	dir, err := os.MkdirTemp("", "kubeposture-"+user+"-")
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, "kubeconfig")
	return path, os.WriteFile(path, data, 0o600)
}
