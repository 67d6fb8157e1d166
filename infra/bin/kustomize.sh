#!/usr/bin/env bash
# kustomize for infra/k8s, built from source with the Go toolchain on first use and cached in
# $JF_INFRA_DIR/bin (default <repo>/.infra/bin, git-ignored).
#
#   infra/bin/kustomize.sh build infra/k8s/overlays/dev    any kustomize command line
#   infra/bin/kustomize.sh --install                       install only; prints the binary's path
#
# KUSTOMIZE_VERSION overrides the pinned version. v5.8.1 is the newest v5 release whose go.mod
# asks for no more than Go 1.24 (v5.8.2 wants 1.26, v5.8.3 wants 1.27), so a wide range of
# installed toolchains builds it; GOTOOLCHAIN=local keeps `go` from fetching another toolchain.
set -euo pipefail
# shellcheck source=infra/bin/_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/_lib.sh"

KUSTOMIZE_VERSION="${KUSTOMIZE_VERSION:-v5.8.1}"
KUSTOMIZE_MIN_GO="1.24"
KUSTOMIZE_BIN="$JF_INFRA_DIR/bin/kustomize"

installed_version() {
  # `kustomize version` prints e.g. "v5.8.1" for a binary built by `go install …@v5.8.1`.
  [[ -x "$KUSTOMIZE_BIN" ]] && "$KUSTOMIZE_BIN" version 2>/dev/null | head -n 1
}

go_at_least() {  # go_at_least 1.24: the go on PATH is that version or newer
  local have
  have="$(go env GOVERSION 2>/dev/null)" || return 1
  have="${have#go}"
  [[ "$(printf '%s\n%s\n' "$1" "$have" | sort -V | head -n 1)" == "$1" ]]
}

install_kustomize() {
  need go "Go >= $KUSTOMIZE_MIN_GO builds kustomize; install it (e.g. apt-get install golang-go)"
  go_at_least "$KUSTOMIZE_MIN_GO" \
    || die "kustomize $KUSTOMIZE_VERSION needs Go >= $KUSTOMIZE_MIN_GO; found $(go env GOVERSION)"
  log "building kustomize $KUSTOMIZE_VERSION with $(go env GOVERSION) (first use only; a few minutes)"
  # Build into a private folder, then move into place: a concurrent run never sees half a file.
  local stage
  mkdir -p "$JF_INFRA_DIR/bin" "$JF_INFRA_DIR/build"
  stage="$(mktemp -d "$JF_INFRA_DIR/build/kustomize.XXXXXX")"
  if ! GOBIN="$stage" GOTOOLCHAIN=local GOFLAGS=-buildvcs=false CGO_ENABLED=0 \
      go install "sigs.k8s.io/kustomize/kustomize/v5@$KUSTOMIZE_VERSION" >&2; then
    rm -rf "$stage"
    die "go install of kustomize $KUSTOMIZE_VERSION failed (see above)"
  fi
  mv -f "$stage/kustomize" "$KUSTOMIZE_BIN"
  rm -rf "$stage"
  [[ "$(installed_version)" == "$KUSTOMIZE_VERSION" ]] \
    || die "built kustomize reports '$(installed_version)', expected $KUSTOMIZE_VERSION"
}

if [[ "$(installed_version || true)" != "$KUSTOMIZE_VERSION" ]]; then
  install_kustomize
fi

if [[ "${1:-}" == "--install" ]]; then
  printf '%s\n' "$KUSTOMIZE_BIN"
  exit 0
fi
if [[ $# -eq 0 ]]; then
  die "usage: $0 build <dir> | $0 --install | $0 <any kustomize arguments>"
fi
exec "$KUSTOMIZE_BIN" "$@"
