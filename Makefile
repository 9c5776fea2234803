# kubeposture — build, test and run the SecurityProfile operator.

# The image: `make image` builds it and pins its digest in config/manager and the chart.
# IMG=REPO:TAG makes `make deploy` and `make build-installer` use another image instead.
IMAGE_REPO ?= ghcr.io/kubeposture/kubeposture
VERSION ?= 0.1.0
IMG ?=

# Pinned versions. The local control plane is built from the Go module proxy (see
# hack/build-control-plane.sh), because release binaries cannot be downloaded everywhere.
KUBE_VERSION ?= v1.37.2
ETCD_VERSION ?= v3.6.16
CONTROLLER_TOOLS_VERSION ?= v0.23.0
# The peers `make bench-peers` compares with (hack/build-peers.sh).
POPEYE_VERSION ?= v0.22.1
POLARIS_VERSION ?= v0.0.0-20220512134546-92f0b6e551df
KUSTOMIZE_VERSION ?= v5.8.1

SHELL = /usr/bin/env bash -o pipefail
.SHELLFLAGS = -ec

LOCALBIN ?= $(shell pwd)/bin
K8S_BIN ?= $(LOCALBIN)/k8s
PEERS_BIN ?= $(LOCALBIN)/peers
CONTROLLER_GEN ?= $(LOCALBIN)/controller-gen
KUSTOMIZE ?= $(LOCALBIN)/kustomize
KUBECTL ?= $(K8S_BIN)/kubectl
# promtool comes from the distribution's prometheus package (Debian 12 ships 2.42), which the
# promtool target installs when it is absent; PROMTOOL=... uses another one.
PROMTOOL ?= $(shell command -v promtool 2>/dev/null || echo /usr/bin/promtool)

# envtest finds kube-apiserver and etcd here.
export KUBEBUILDER_ASSETS = $(K8S_BIN)

GO_TEST_FLAGS ?=

.PHONY: all
all: build

##@ General

.PHONY: help
help: ## Display this help.
	@awk 'BEGIN {FS = ":.*##"; printf "\nUsage:\n  make \033[36m<target>\033[0m\n"} /^[a-zA-Z_0-9-]+:.*?##/ { printf "  \033[36m%-18s\033[0m %s\n", $$1, $$2 } /^##@/ { printf "\n\033[1m%s\033[0m\n", substr($$0, 5) } ' $(MAKEFILE_LIST)

##@ Development

.PHONY: manifests
manifests: controller-gen ## Generate the CRD and RBAC manifests.
	$(CONTROLLER_GEN) rbac:roleName=audit crd paths="./api/..." paths="./controllers/..." paths="./internal/gather/..." output:crd:artifacts:config=config/crd/bases output:rbac:artifacts:config=config/rbac
	$(MAKE) --no-print-directory chart-files

.PHONY: generate
generate: controller-gen ## Generate DeepCopy methods.
	$(CONTROLLER_GEN) object:headerFile="hack/boilerplate.go.txt" paths="./api/..."

.PHONY: docs
docs: ## Generate docs/checks.md from the check registry and docs/parameters.md from the CRD.
	go run ./hack/gendocs > docs/checks.md.tmp && mv docs/checks.md.tmp docs/checks.md
	go run ./hack/gendocs parameters config/crd/bases/security.kubeposture.io_securityprofiles.yaml > docs/parameters.md.tmp && mv docs/parameters.md.tmp docs/parameters.md

.PHONY: fmt
fmt: ## Run go fmt.
	go fmt ./...

.PHONY: vet
vet: ## Run go vet.
	go vet ./...

.PHONY: verify
verify: manifests generate docs ## Fail when generated files (CRDs, RBAC, deepcopy, docs) are stale.
	@if [ -n "$$(git status --porcelain -- api config docs charts)" ]; then \
		echo "Generated files are stale; run 'make manifests generate docs' and commit:"; \
		git status --porcelain -- api config docs charts; git --no-pager diff --stat -- api config docs charts; exit 1; fi
	@echo "Generated files are current."

.PHONY: test
test: manifests generate fmt vet control-plane test-rules ## Run unit tests, the alerts' promtool tests, envtest integration tests and the fault suite against the built kube-apiserver.
	go test $$(go list ./... | grep -v /test/e2e) $(GO_TEST_FLAGS)
	go test -race -run '^TestTwoProfilesRemediateSharedNamespacesConcurrently$$' ./controllers/ $(GO_TEST_FLAGS)
	go test ./test/e2e/ -count=1 -v $(GO_TEST_FLAGS)

.PHONY: test-e2e
test-e2e: manifests control-plane ## Run the fault suite alone: the operator as its own process with only the shipped roles (also part of make test).
	go test ./test/e2e/ -count=1 -v $(GO_TEST_FLAGS)

FUZZTIME ?= 30s
.PHONY: fuzz
fuzz: ## Fuzz the manifest reader, Secret and ConfigMap facts, exemption matching and namespace selectors (FUZZTIME each; seeds run in make test).
	go test ./internal/manifest/ -run '^$$' -fuzz '^FuzzRead$$' -fuzztime $(FUZZTIME)
	for f in FuzzDeriveSecretFacts FuzzDeriveConfigMapFacts FuzzExemptionMatching FuzzScopeSelector; do \
		go test ./internal/benchmarks/ -run '^$$' -fuzz "^$$f\$$" -fuzztime $(FUZZTIME) || exit 1; done

.PHONY: test-rules
test-rules: promtool ## Run the unit tests of the Prometheus alerts (config/prometheus/rules_test.yaml).
	@echo "test-rules: promtool test rules config/prometheus/rules_test.yaml"
	cd config/prometheus && $(PROMTOOL) test rules rules_test.yaml

.PHONY: test-checks
test-checks: ## Run the check catalog's fixture tests (CHECK=WKL-001 focuses one check).
	CHECK=$(CHECK) go test ./internal/benchmarks/... $(GO_TEST_FLAGS)

.PHONY: bench
bench: control-plane ## Measure audit speed, detection latency and memory on the reference cluster, and manifest scans; writes docs/benchmarks.md.
	go run ./test/bench $(BENCH_FLAGS)
	$(MAKE) bench-scan

.PHONY: bench-remediation
bench-remediation: control-plane ## Measure only remediation at 1,000 namespaces (first apply, revert, DryRun plan and steady state); replaces its section of docs/benchmarks.md.
	go run ./test/bench -remediation-only $(BENCH_FLAGS)

.PHONY: bench-peers
bench-peers: control-plane peers ## Run one-shot kubeposture audit, popeye and polaris in interleaved rounds on the reference cluster (time, RSS, LIST requests); replaces its section of docs/benchmarks.md.
	go run ./test/bench -peers -peers-bin $(PEERS_BIN) $(BENCH_FLAGS)

.PHONY: bench-scale
bench-scale: control-plane ## Measure the operator and one-shot audit at 1k, 10k, 50k and 100k pods, with profiles (up to an hour); replaces the scaling section of docs/benchmarks.md.
	go run ./test/bench -scale $(BENCH_SCALE_FLAGS)

.PHONY: bench-scan
bench-scan: ## Measure kubeposture scan against kube-score (built from the Go module proxy) on 1,000 and 10,000 Deployments; writes its section of docs/benchmarks.md.
	go run ./test/bench/scan $(BENCH_SCAN_FLAGS)

.PHONY: demo
demo: control-plane ## Start a local control plane with a sample insecure cluster and show the operator's audit, remediation and a staged admission rollout (DEMO_KEEP=1 keeps it running).
	go run ./hack/demo

##@ Build

CHART_DIR ?= charts/kubeposture

.PHONY: chart-files
chart-files: ## Copy the generated CRDs and the roles of config/rbac and config/components into the Helm chart's files/.
	rm -rf $(CHART_DIR)/files/crds $(CHART_DIR)/files/rbac
	mkdir -p $(CHART_DIR)/files/crds $(CHART_DIR)/files/rbac/components
	cp config/crd/bases/*.yaml $(CHART_DIR)/files/crds/
	for f in config/rbac/*.yaml; do \
		case "$$(basename $$f)" in kustomization.yaml|service_account.yaml) continue;; esac; \
		cp "$$f" $(CHART_DIR)/files/rbac/; done
	cp config/rbac/events/role.yaml $(CHART_DIR)/files/rbac/events.yaml
	for d in config/components/*/; do cp "$$d/role.yaml" "$(CHART_DIR)/files/rbac/components/$$(basename $$d).yaml"; done
	mkdir -p $(CHART_DIR)/files/prometheus
	cp config/prometheus/rules.yaml $(CHART_DIR)/files/prometheus/rules.yaml

.PHONY: build
build: manifests generate fmt vet ## Build the manager, the kubeposture CLI and its kubectl plugin name (bin/kubectl-posture) into bin/.
	go build -o bin/manager ./cmd
	go build -buildvcs=auto -ldflags "-X github.com/kubeposture/kubeposture/internal/cli.revision=$$(git rev-parse HEAD 2>/dev/null)" -o bin/kubeposture ./cmd/kubeposture
	ln -f bin/kubeposture bin/kubectl-posture

.PHONY: run
run: manifests generate fmt vet ## Run the operator against the cluster of the current kubeconfig.
	go run ./cmd

.PHONY: docker-build
docker-build: ## Build the manager image with Docker (IMG=...).
	docker build -t $(IMG) .

# The image's revision label is the last commit of the Go sources, so that committing the pinned
# digest does not change the image.
IMAGE_REVISION = $(shell git log -1 --format=%H -- api cmd controllers internal go.mod go.sum)

.PHONY: image
image: kustomize ## Build the OCI image without a container daemon into dist/ (layout and tarball) and pin its digest in config/manager and the chart.
	@echo "image: building the static manager for linux/amd64"
	mkdir -p dist
	CGO_ENABLED=0 GOOS=linux GOARCH=amd64 go build -trimpath -buildvcs=false -ldflags="-s -w -buildid=" -o dist/manager-linux-amd64 ./cmd
	@echo "image: assembling the image (empty base, CA bundle, user 65532)"
	@digest=$$(go run ./hack/image -binary dist/manager-linux-amd64 -version $(VERSION) -revision $(IMAGE_REVISION) \
		-repository $(IMAGE_REPO) -layout dist/image -tarball dist/kubeposture-image.tar); \
	echo "image: $(IMAGE_REPO)@$$digest (dist/image, dist/kubeposture-image.tar)"; \
	(cd config/manager && $(KUSTOMIZE) edit set image controller=$(IMAGE_REPO)@$$digest); \
	sed -i -e "s|^  digest: .*|  digest: \"$$digest\"|" -e "s|^  tag: .*|  tag: \"$(VERSION)\"|" $(CHART_DIR)/values.yaml

# The platforms of the kubectl plugin's release archives.
PLUGIN_PLATFORMS ?= linux/amd64 linux/arm64 darwin/amd64 darwin/arm64 windows/amd64

.PHONY: plugin
plugin: ## Build the kubectl-posture release archives (PLUGIN_PLATFORMS) into dist/plugin and write their sha256 into the krew manifest plugins/posture.yaml.
	rm -rf dist/plugin && mkdir -p dist/plugin/bin
	for p in $(PLUGIN_PLATFORMS); do os=$${p%/*}; arch=$${p#*/}; ext=; if [ "$$os" = windows ]; then ext=.exe; fi; \
		echo "plugin: building kubectl-posture for $$os/$$arch"; \
		CGO_ENABLED=0 GOOS=$$os GOARCH=$$arch go build -trimpath -buildvcs=false \
			-ldflags "-s -w -buildid= -X github.com/kubeposture/kubeposture/internal/cli.revision=$(IMAGE_REVISION)" \
			-o dist/plugin/bin/kubectl-posture_$${os}_$${arch}$$ext ./cmd/kubeposture || exit 1; done
	go run ./hack/krew -version v$(VERSION) -manifest plugins/posture.yaml -out dist/plugin dist/plugin/bin/*

# Replaces the pinned image with $(IMG) when IMG is set.
IMAGE_OVERRIDE = $(if $(IMG),sed -e 's|image: $(IMAGE_REPO)@sha256:[0-9a-f]*|image: $(IMG)|',cat)

.PHONY: build-installer
build-installer: manifests generate kustomize ## Write dist/install.yaml with the CRDs and the deployment (the pinned image, or IMG=...).
	mkdir -p dist
	$(KUSTOMIZE) build config/default | $(IMAGE_OVERRIDE) > dist/install.yaml

##@ Deployment

ifndef ignore-not-found
  ignore-not-found = false
endif

.PHONY: install
install: manifests kustomize ## Install the CRDs into the cluster of the current kubeconfig.
	$(KUSTOMIZE) build config/crd | kubectl apply -f -

.PHONY: uninstall
uninstall: manifests kustomize ## Remove the CRDs from the cluster.
	$(KUSTOMIZE) build config/crd | kubectl delete --ignore-not-found=$(ignore-not-found) -f -

.PHONY: deploy
deploy: manifests kustomize ## Deploy the operator to the cluster (the pinned image, or IMG=...).
	$(KUSTOMIZE) build config/default | $(IMAGE_OVERRIDE) | kubectl apply -f -

.PHONY: undeploy
undeploy: kustomize ## Remove the operator from the cluster.
	$(KUSTOMIZE) build config/default | kubectl delete --ignore-not-found=$(ignore-not-found) -f -

##@ Dependencies

.PHONY: control-plane
control-plane: ## Build kube-apiserver, etcd and kubectl from the Go module proxy into bin/k8s (skipped when built).
	KUBE_VERSION=$(KUBE_VERSION) ETCD_VERSION=$(ETCD_VERSION) OUT=$(K8S_BIN) hack/build-control-plane.sh all

.PHONY: peers
peers: ## Build the benchmark's peers, popeye and polaris, at pinned versions from the Go module proxy into bin/peers (skipped when built).
	POPEYE_VERSION=$(POPEYE_VERSION) POLARIS_VERSION=$(POLARIS_VERSION) OUT=$(PEERS_BIN) hack/build-peers.sh all

.PHONY: controller-gen
controller-gen: $(CONTROLLER_GEN) ## Install controller-gen into bin/.
$(CONTROLLER_GEN):
	GOBIN=$(LOCALBIN) go install sigs.k8s.io/controller-tools/cmd/controller-gen@$(CONTROLLER_TOOLS_VERSION)

.PHONY: kustomize
kustomize: $(KUSTOMIZE) ## Install kustomize into bin/.
$(KUSTOMIZE):
	GOBIN=$(LOCALBIN) go install sigs.k8s.io/kustomize/kustomize/v5@$(KUSTOMIZE_VERSION)

.PHONY: promtool
promtool: ## Install promtool (Debian's prometheus package, without starting its service) when it is absent.
	@if [ -x "$(PROMTOOL)" ]; then exit 0; fi; \
	if ! command -v apt-get >/dev/null; then echo "promtool: not found; install Prometheus's promtool or set PROMTOOL=/path/to/promtool" >&2; exit 1; fi; \
	sudo=; if [ "$$(id -u)" != 0 ]; then sudo=sudo; fi; \
	echo "promtool: installing the prometheus package with apt-get"; \
	$$sudo apt-get update -qq && \
	$$sudo env DEBIAN_FRONTEND=noninteractive RUNLEVEL=1 apt-get install -y -qq --no-install-recommends prometheus >/dev/null || \
	  [ -x /usr/bin/promtool ]; \
	if [ -x /usr/bin/promtool ]; then /usr/bin/promtool --version | head -1; \
	else echo "promtool: the prometheus package did not provide /usr/bin/promtool" >&2; exit 1; fi
