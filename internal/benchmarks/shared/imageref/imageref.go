package imageref

import (
	"cmp"
	"fmt"
	"path"
	"strings"

	"github.com/distribution/reference"
	lru "github.com/hashicorp/golang-lru/v2"
	"github.com/opencontainers/go-digest"
)

// Ref is a parsed container image reference.
type Ref struct {
	// Registry is the registry host, docker.io for Docker Hub and unqualified names.
	Registry string
	// Repository is the path in the registry, with library/ for official Docker Hub images.
	Repository string
	Tag        string
	Digest     string
}

// Name is the fully qualified repository, such as docker.io/library/nginx.
func (r Ref) Name() string { return r.Registry + "/" + r.Repository }

// Key identifies the image content as precisely as the reference allows: by digest, else by tag
// (an untagged reference means latest).
func (r Ref) Key() string {
	if r.Digest != "" {
		return r.Name() + "@" + r.Digest
	}
	return r.Name() + ":" + cmp.Or(r.Tag, "latest")
}

// Forms are the spellings a policy pattern may be written against.
func (r Ref) Forms() []string {
	names := []string{r.Name()}
	if r.Registry == "docker.io" {
		names = append(names, "index.docker.io/"+r.Repository)
		if repo, ok := strings.CutPrefix(r.Repository, "library/"); ok {
			names = append(names, "docker.io/"+repo, repo)
		}
	}
	var out []string
	for _, n := range names {
		full := n
		if r.Tag != "" {
			full += ":" + r.Tag
		}
		if r.Digest != "" {
			out = append(out, full+"@"+r.Digest, n+"@"+r.Digest)
		}
		out = append(out, full, n)
	}
	return out
}

// Parse reads an image reference with the grammar of the container runtimes
// (github.com/distribution/reference): the first path component is a registry host only if it
// has a dot or a port or is localhost, repositories are lower case, and a digest must be valid
// for its algorithm (sha256: 64 lower-case hex digits).
//
// Results are kept in a bounded cache keyed by the reference: a cluster runs few distinct images
// in many pods, and every audit parses each container's image again.
func Parse(image string) (Ref, error) {
	if p, ok := parsed.Get(image); ok {
		return p.ref, p.err
	}
	ref, err := parse(image)
	parsed.Add(image, parseResult{ref, err})
	return ref, err
}

// parseResult is one cached outcome of Parse.
type parseResult struct {
	ref Ref
	err error
}

// parsedSize bounds the cache of parsed references; a cluster with more distinct images than
// this still gets the most recently used ones from it.
const parsedSize = 8192

var parsed = mustLRU(parsedSize)

func mustLRU(size int) *lru.Cache[string, parseResult] {
	c, err := lru.New[string, parseResult](size)
	if err != nil {
		panic(err) // only for a size below 1
	}
	return c
}

func parse(image string) (Ref, error) {
	var ref Ref
	name := strings.TrimSpace(image)
	if name == "" {
		return ref, fmt.Errorf("the image is empty")
	}
	named, err := reference.ParseNormalizedNamed(name)
	if err != nil {
		return ref, imgReferenceError(name, err)
	}
	ref.Registry = NormalizeHost(reference.Domain(named))
	ref.Repository = reference.Path(named)
	if t, ok := named.(reference.Tagged); ok {
		ref.Tag = t.Tag()
	}
	if d, ok := named.(reference.Digested); ok {
		ref.Digest = d.Digest().String()
	}
	return ref, nil
}

// imgReferenceError explains why a reference does not parse, naming the digest when it is the
// digest that is wrong.
func imgReferenceError(image string, err error) error {
	if _, dgst, ok := strings.Cut(image, "@"); ok {
		if _, derr := digest.Parse(dgst); derr != nil {
			return fmt.Errorf("digest %q is not a valid algorithm:hex digest: %w", dgst, derr)
		}
	}
	return err
}

// BaseName returns the last path element of an image's repository, without registry, tag
// or digest: "registry.k8s.io/autoscaling/cluster-autoscaler:v1.33.0" gives
// "cluster-autoscaler". It returns "" for a reference that does not parse.
func BaseName(image string) string {
	ref, err := Parse(image)
	if err != nil {
		return ""
	}
	return path.Base(ref.Repository)
}

// NormalizeHost lower-cases a registry host and folds Docker Hub's aliases into docker.io.
func NormalizeHost(host string) string {
	host = strings.ToLower(strings.TrimSpace(host))
	switch host {
	case "index.docker.io", "registry-1.docker.io", "registry.hub.docker.com":
		return "docker.io"
	}
	return host
}
