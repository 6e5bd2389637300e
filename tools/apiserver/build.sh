#!/usr/bin/env bash
# Builds kube-apiserver and etcd at the versions tools/apiserver/go.mod pins
# into DIR (default bin/apiserver at the repository root), the way the
# Kubernetes release builds them (static, -trimpath, -s -w, the version
# stamped in). A stamp file records what was built from which go.mod/go.sum
# and Go version; when it matches, nothing is rebuilt. A failed build leaves
# its log in DIR/build-failed.log, which the tests' skip message quotes.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here/../../bin/apiserver}
cd "$here"

mkdir -p "$out"
if ! versions=$(go list -m -f '{{.Version}}' k8s.io/kubernetes go.etcd.io/etcd/server/v3 2>&1); then
	rm -f "$out/stamp"
	printf '%s\n' "$versions" >"$out/build-failed.log"
	echo "apiserver: FAILED to read the pinned versions; log in $out/build-failed.log" >&2
	exit 1
fi
read -r kube etcd <<<"$(echo $versions)"
sum=$(cat go.mod go.sum | sha256sum | cut -c1-16)
stamp="kube-apiserver $kube etcd $etcd $(go env GOVERSION) go.mod+go.sum $sum"

if [[ -x $out/kube-apiserver && -x $out/etcd && "$(cat "$out/stamp" 2>/dev/null)" == "$stamp" ]]; then
	echo "apiserver: up to date in $out ($stamp)"
	exit 0
fi

rm -f "$out/stamp" "$out/build-failed.log"
minor=${kube#v1.}
minor=${minor%%.*}
ldflags="-s -w"
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
	ldflags+=" -X $pkg.gitVersion=$kube -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor -X $pkg.gitTreeState=clean"
done
export CGO_ENABLED=0
build() {
	local start=$SECONDS
	echo "apiserver: building kube-apiserver $kube and etcd $etcd into $out"
	go build -trimpath -tags selinux,notest,grpcnotrace -ldflags "$ldflags" -o "$out/kube-apiserver" k8s.io/kubernetes/cmd/kube-apiserver
	echo "apiserver: kube-apiserver built after $((SECONDS - start))s"
	go build -trimpath -ldflags "-s -w" -o "$out/etcd" go.etcd.io/etcd/server/v3
	echo "apiserver: etcd built after $((SECONDS - start))s"
}
if ! build 2>&1 | tee "$out/build.log"; then
	mv "$out/build.log" "$out/build-failed.log"
	echo "apiserver: build FAILED; log in $out/build-failed.log" >&2
	exit 1
fi
rm -f "$out/build.log"
echo "$stamp" >"$out/stamp"
