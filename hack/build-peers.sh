#!/usr/bin/env bash
# Builds the tools the benchmark compares one-shot `kubeposture audit` with, from the Go module
# proxy at pinned versions, into $OUT (default bin/peers): popeye and polaris. Each is skipped
# when it is already built at its version ($OUT/NAME.version).
#
# popeye installs as a module. polaris's newest build served as a Go module is a pseudo-version
# (its release tags, v2 and later, lack the /vN suffix its module path would need, so none of
# them is a Go module version);
# it embeds its checks and default configuration with packr2, so its source is copied out of the
# module cache, packed with packr2 and then built.
set -euo pipefail

POPEYE_VERSION=${POPEYE_VERSION:-v0.22.1}
POLARIS_VERSION=${POLARIS_VERSION:-v0.0.0-20220512134546-92f0b6e551df}
PACKR_VERSION=${PACKR_VERSION:-v2.8.3}
OUT=${OUT:-$(pwd)/bin/peers}

mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)

log() { printf '[peers] %s\n' "$*" >&2; }

stamp_ok() { # binary version
  [ -x "$OUT/$1" ] && [ -f "$OUT/$1.version" ] && [ "$(cat "$OUT/$1.version")" = "$2" ]
}

# Builds run outside this repository, so that its go.mod is not consulted.
scratch() { mktemp -d "${TMPDIR:-/tmp}/kubeposture-peers-XXXXXX"; }

# module_source MODULE VERSION DIR copies the module's source at VERSION from the Go module proxy
# into DIR, writable. Each tool is then built as its own main module, with the dependency
# versions of its own go.mod (`go install MODULE@VERSION` would need the proxy's version list,
# which it does not always serve).
module_source() {
  local src
  src=$(cd "${TMPDIR:-/tmp}" && go mod download -json "$1@$2" | sed -n 's/.*"Dir": "\(.*\)".*/\1/p')
  if [ -z "$src" ]; then
    log "the Go module proxy did not serve $1 $2"
    exit 1
  fi
  cp -r "$src" "$3"
  chmod -R u+w "$3"
}

build_popeye() {
  if stamp_ok popeye "$POPEYE_VERSION"; then
    log "popeye $POPEYE_VERSION already built"
    return
  fi
  log "building popeye $POPEYE_VERSION"
  local dir
  dir=$(scratch)
  module_source github.com/derailed/popeye "$POPEYE_VERSION" "$dir/popeye"
  (cd "$dir/popeye" && GOFLAGS=-mod=mod go build -o "$OUT/popeye" .)
  rm -rf "$dir"
  echo "$POPEYE_VERSION" >"$OUT/popeye.version"
}

build_polaris() {
  if stamp_ok polaris "$POLARIS_VERSION"; then
    log "polaris $POLARIS_VERSION already built"
    return
  fi
  log "building polaris $POLARIS_VERSION (packr2 $PACKR_VERSION packs its files)"
  local dir
  dir=$(scratch)
  module_source github.com/gobuffalo/packr/v2 "$PACKR_VERSION" "$dir/packr"
  (cd "$dir/packr" && GOFLAGS=-mod=mod go build -o "$dir/bin/packr2" ./packr2)
  module_source github.com/fairwindsops/polaris "$POLARIS_VERSION" "$dir/polaris"
  (cd "$dir/polaris" && GOFLAGS=-mod=mod "$dir/bin/packr2" && GOFLAGS=-mod=mod go build -o "$OUT/polaris" .)
  rm -rf "$dir"
  echo "$POLARIS_VERSION" >"$OUT/polaris.version"
}

case "${1:-all}" in
  popeye) build_popeye ;;
  polaris) build_polaris ;;
  all) build_popeye; build_polaris ;;
  *) echo "usage: $0 [popeye|polaris|all]" >&2; exit 2 ;;
esac
