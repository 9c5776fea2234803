#!/usr/bin/env bash
# Builds kube-apiserver and etcd from the Go module proxy into $OUT (default bin/k8s) so that
# envtest and `make demo` have a real control plane on machines that cannot download release
# binaries. Each binary is skipped when it is already present at the pinned version.
#
# kube-apiserver: k8s.io/kubernetes replaces its k8s.io/* staging modules with local paths, so a
# small wrapper module requires it and points each staging module at the published module of the
# same number (v1.37.x -> v0.37.x). etcd's server module does the same with ../api etc.
set -euo pipefail

KUBE_VERSION=${KUBE_VERSION:-v1.37.2}
ETCD_VERSION=${ETCD_VERSION:-v3.6.16}
OUT=${OUT:-$(pwd)/bin/k8s}
WORK=${WORK:-$(pwd)/bin/.control-plane-build}

mkdir -p "$OUT" "$WORK"
OUT=$(cd "$OUT" && pwd)
STAGING_VERSION="v0.${KUBE_VERSION#v1.}"

log() { printf '[control-plane] %s\n' "$*" >&2; }

stamp_ok() { # binary version
  [ -x "$OUT/$1" ] && [ -f "$OUT/$1.version" ] && [ "$(cat "$OUT/$1.version")" = "$2" ]
}

build_apiserver() {
  if stamp_ok kube-apiserver "$KUBE_VERSION"; then
    log "kube-apiserver $KUBE_VERSION already built"
    return
  fi
  local dir="$WORK/kube-apiserver-$KUBE_VERSION"
  mkdir -p "$dir"
  log "building kube-apiserver $KUBE_VERSION from the Go module proxy (several minutes the first time)"
  local modfile
  modfile=$(mktemp)
  go mod download -json "k8s.io/kubernetes@$KUBE_VERSION" >"$modfile"
  local gomod
  gomod=$(sed -n 's/.*"GoMod": "\(.*\)".*/\1/p' "$modfile")
  rm -f "$modfile"
  {
    echo "module kubeposture.local/kube-apiserver"
    echo
    echo "go $(go env GOVERSION | sed 's/^go//; s/\.[0-9]*$//').0"
    echo
    echo "require k8s.io/kubernetes $KUBE_VERSION"
    echo
    echo "replace ("
    # Every staging module the kubernetes module maps to a local path gets its published twin.
    sed -n '/^replace (/,/^)/p' "$gomod" | awk '/=> \.\/staging/ {print $1}' | while read -r m; do
      case "$m" in
        k8s.io/sample-cli-plugin|k8s.io/sample-controller) continue ;;
      esac
      echo "	$m => $m $STAGING_VERSION"
    done
    echo ")"
  } >"$dir/go.mod"
  cat >"$dir/tools.go" <<'GO'
//go:build tools

package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kubectl"
)
GO
  (
    cd "$dir"
    GOFLAGS=-mod=mod go mod tidy -e >/dev/null 2>&1 || true
    GOFLAGS=-mod=mod go get "k8s.io/kubernetes/cmd/kube-apiserver@$KUBE_VERSION" >&2
    log "compiling kube-apiserver"
    CGO_ENABLED=0 GOFLAGS=-mod=mod go build -trimpath -ldflags "-s -w \
      -X k8s.io/component-base/version.gitVersion=$KUBE_VERSION \
      -X k8s.io/component-base/version.gitMajor=1 \
      -X k8s.io/component-base/version.gitMinor=$(echo "$KUBE_VERSION" | cut -d. -f2)" \
      -o "$OUT/kube-apiserver" k8s.io/kubernetes/cmd/kube-apiserver
  )
  echo "$KUBE_VERSION" >"$OUT/kube-apiserver.version"
  log "kube-apiserver $KUBE_VERSION ready in $OUT"
}

# kubectl is built from the same wrapper module; the demo uses it to show the result.
build_kubectl() {
  if stamp_ok kubectl "$KUBE_VERSION"; then
    log "kubectl $KUBE_VERSION already built"
    return
  fi
  build_apiserver
  log "compiling kubectl $KUBE_VERSION"
  (
    cd "$WORK/kube-apiserver-$KUBE_VERSION"
    CGO_ENABLED=0 GOFLAGS=-mod=mod go build -trimpath -ldflags "-s -w \
      -X k8s.io/client-go/pkg/version.gitVersion=$KUBE_VERSION \
      -X k8s.io/component-base/version.gitVersion=$KUBE_VERSION" \
      -o "$OUT/kubectl" k8s.io/kubernetes/cmd/kubectl
  )
  echo "$KUBE_VERSION" >"$OUT/kubectl.version"
  log "kubectl $KUBE_VERSION ready in $OUT"
}

build_etcd() {
  if stamp_ok etcd "$ETCD_VERSION"; then
    log "etcd $ETCD_VERSION already built"
    return
  fi
  local dir="$WORK/etcd-$ETCD_VERSION"
  mkdir -p "$dir"
  log "building etcd $ETCD_VERSION from the Go module proxy"
  cat >"$dir/go.mod" <<MOD
module kubeposture.local/etcd

go $(go env GOVERSION | sed 's/^go//; s/\.[0-9]*$//').0

require go.etcd.io/etcd/server/v3 $ETCD_VERSION

replace (
	go.etcd.io/etcd/api/v3 => go.etcd.io/etcd/api/v3 $ETCD_VERSION
	go.etcd.io/etcd/client/pkg/v3 => go.etcd.io/etcd/client/pkg/v3 $ETCD_VERSION
	go.etcd.io/etcd/client/v3 => go.etcd.io/etcd/client/v3 $ETCD_VERSION
	go.etcd.io/etcd/pkg/v3 => go.etcd.io/etcd/pkg/v3 $ETCD_VERSION
)
MOD
  cat >"$dir/main.go" <<'GO'
// Command etcd starts an etcd server; it exists only to build etcd from the module proxy.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
GO
  (
    cd "$dir"
    GOFLAGS=-mod=mod go mod tidy >&2
    log "compiling etcd"
    CGO_ENABLED=0 GOFLAGS=-mod=mod go build -trimpath -ldflags "-s -w" -o "$OUT/etcd" .
  )
  echo "$ETCD_VERSION" >"$OUT/etcd.version"
  log "etcd $ETCD_VERSION ready in $OUT"
}

case "${1:-all}" in
  etcd) build_etcd ;;
  kube-apiserver) build_apiserver ;;
  kubectl) build_kubectl ;;
  all) build_etcd; build_apiserver; build_kubectl ;;
  *) echo "usage: $0 [all|etcd|kube-apiserver|kubectl]" >&2; exit 2 ;;
esac
