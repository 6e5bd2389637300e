# shellcheck shell=bash
# Sourced by scripts/fidelity.sh and bench/render.sh: the pinned peer CLIs, installed with
# `go install` into the git-ignored bench/.bin, and the syncgate binary under test.
# The caller sets REPO (the repository root) and defines die and note.

BIN_DIR=$REPO/bench/.bin
SYNCGATE=${SYNCGATE:-$REPO/bin/syncgate}
KUSTOMIZE=$BIN_DIR/kustomize
HELM=$BIN_DIR/helm
KUSTOMIZE_PKG=sigs.k8s.io/kustomize/kustomize/v5
KUSTOMIZE_VERSION=v5.8.2
HELM_PKG=helm.sh/helm/v4/cmd/helm
HELM_VERSION=v4.3.1
CONFTEST=$BIN_DIR/conftest
CONFTEST_PKG=github.com/open-policy-agent/conftest
CONFTEST_VERSION=v0.71.1
GITLEAKS=$BIN_DIR/gitleaks
GITLEAKS_PKG=github.com/zricethezav/gitleaks/v8
GITLEAKS_VERSION=v8.30.1
KUBECONFORM=$BIN_DIR/kubeconform
KUBECONFORM_PKG=github.com/yannh/kubeconform/cmd/kubeconform
KUBECONFORM_VERSION=v0.8.0

# Version of the main module a Go binary was built from ("" if none/unreadable).
bin_version() {
  if [[ -x $1 ]]; then go version -m "$1" 2>/dev/null | awk '$1 == "mod" { print $3; exit }' || true; fi
}

# ensure_peer BIN PKG VERSION: go install PKG@VERSION into bench/.bin unless BIN already is
# that version. Another process may be installing the same binary right now: retry a few times.
ensure_peer() {
  local bin=$1 pkg=$2 want=$3 try
  for try in 1 2 3 4 5 6; do
    if [[ $(bin_version "$bin") == "$want" ]]; then
      return 0
    fi
    note "installing $pkg@$want into bench/.bin (try $try)"
    if GOBIN=$BIN_DIR go install "$pkg@$want"; then
      continue # loop re-checks the version
    fi
    sleep 20
  done
  die "could not install $pkg@$want into $BIN_DIR"
}

# ensure_peers [all]: the renderers; with "all", the checkers of the pipeline too.
ensure_peers() {
  mkdir -p "$BIN_DIR"
  (
    flock 9 # one installer at a time across the scripts
    ensure_peer "$KUSTOMIZE" "$KUSTOMIZE_PKG" "$KUSTOMIZE_VERSION"
    ensure_peer "$HELM" "$HELM_PKG" "$HELM_VERSION"
    if [[ ${1:-} == all ]]; then
      ensure_peer "$CONFTEST" "$CONFTEST_PKG" "$CONFTEST_VERSION"
      ensure_peer "$GITLEAKS" "$GITLEAKS_PKG" "$GITLEAKS_VERSION"
      ensure_peer "$KUBECONFORM" "$KUBECONFORM_PKG" "$KUBECONFORM_VERSION"
    fi
  ) 9>"$BIN_DIR/.install.lock"
}

build_syncgate() {
  [[ $SYNCGATE == "$REPO/bin/syncgate" ]] || return 0 # SYNCGATE=/other/binary: use it as is
  [[ -d cmd/syncgate ]] || die "cmd/syncgate does not exist yet"
  go build -o bin/syncgate ./cmd/syncgate || die "go build ./cmd/syncgate failed"
}
