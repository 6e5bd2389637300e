#!/usr/bin/env bash
# tools/image/build.sh - make image: the image of syncgate, static and non-root, built by
# ko (github.com/google/ko) with no Docker daemon and no registry, into bin/syncgate-image.tar
# (docker load, or any OCI tool, reads it). tools/image writes the base into ko's cache
# (KOCACHE), where ko finds it by digest; .ko.yaml has the build settings.
#
# The tarball is then checked: its config runs as 65532:65532 with syncgate as the
# entrypoint, and the binary from its layer is static and runs (version, serve --help,
# and a check of examples/gitops-repo, which it allows).
# IMAGE_BUILDER=docker builds the Dockerfile instead, where a Docker daemon runs.
set -euo pipefail
cd "$(dirname "$0")/../.."
REPO=$PWD
KO_VERSION=v0.19.1
OUT=$REPO/bin/syncgate-image.tar
die() { echo "tools/image/build.sh: $*" >&2; exit 1; }

if [[ ${IMAGE_BUILDER:-ko} == docker ]]; then
  exec docker build -t syncgate:dev .
fi
mkdir -p "$REPO/bin/tools"
KO=$REPO/bin/tools/ko
if [[ ! -x $KO ]] || ! "$KO" version 2>/dev/null | grep -qx "${KO_VERSION#v}"; then
  echo "== go install ko $KO_VERSION" >&2
  GOBIN=$REPO/bin/tools go install "github.com/google/ko@$KO_VERSION"
fi
export KOCACHE=$REPO/bin/ko-cache
base=$(go -C tools/image run . -layout "$KOCACHE/img" -platform linux/amd64)
echo "== ko build on $base" >&2
# Not ko.local: ko loads an image of that repository into a Docker daemon,
# --tarball or not.
KO_DOCKER_REPO=syncgate.local/syncgate KO_DEFAULTBASEIMAGE=$base \
  "$KO" build --push=false --tarball "$OUT" --bare --sbom none ./cmd/syncgate >&2

# Check what was built.
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
tar -xf "$OUT" -C "$work"
config=$work/$(jq -r '.[0].Config' "$work/manifest.json")
[[ $(jq -r .config.User "$config") == 65532:65532 ]] || die "the image does not run as 65532:65532: $(jq -c .config "$config")"
entry=$(jq -r '.config.Entrypoint[0]' "$config")
[[ $entry == /ko-app/syncgate ]] || die "entrypoint $entry"
# ko names its files by absolute paths (/ko-app/syncgate), which tar
# extracts under rootfs without the leading slash.
mkdir "$work/rootfs"
for layer in $(jq -r '.[0].Layers[]' "$work/manifest.json"); do
  tar -xzf "$work/$layer" -C "$work/rootfs" || die "layer $layer does not extract"
done
bin=$work/rootfs/${entry#/}
[[ -x $bin ]] || die "no $entry in the image's layers"
file "$bin" | grep -q 'statically linked' || die "$entry is not static: $(file "$bin")"
"$bin" version >&2
"$bin" serve --help >/dev/null || die "$entry serve --help failed"
"$bin" check --no-cache examples/gitops-repo >/dev/null || die "$entry check examples/gitops-repo did not allow it"
echo "$OUT: $(du -h "$OUT" | cut -f1), $(jq '.[0].Layers | length' "$work/manifest.json") layers, user 65532:65532, entrypoint $entry, static" >&2
