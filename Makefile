# syncgate: build, test and measure. `make test` is what CI runs.
GO ?= go
FUZZTIME ?= 20s

.PHONY: build test fmt-check vet unit fuzz bench bench-serve image fidelity generate apiserver labels accuracy

build:
	$(GO) build -o bin/syncgate ./cmd/syncgate

test: fmt-check vet unit

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './bench/.work/*')); \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...

unit:
	$(GO) test -count=1 -timeout 30m ./...

# Short runs of every fuzz target; FUZZTIME=5m for a longer look.
fuzz:
	$(GO) test ./manifest -run '^$$' -fuzz '^FuzzDecode$$' -fuzztime $(FUZZTIME)
	$(GO) test . -run '^$$' -fuzz '^FuzzParseConfig$$' -fuzztime $(FUZZTIME)
	$(GO) test . -run '^$$' -fuzz '^FuzzDecodeIndex$$' -fuzztime $(FUZZTIME)
	$(GO) test . -run '^$$' -fuzz '^FuzzDecodeRunIndex$$' -fuzztime $(FUZZTIME)
	$(GO) test ./render -run '^$$' -fuzz '^FuzzDiscover$$' -fuzztime $(FUZZTIME)
	$(GO) test ./render -run '^$$' -fuzz '^FuzzChartArchive$$' -fuzztime $(FUZZTIME)
	$(GO) test ./render -run '^$$' -fuzz '^FuzzTemplateExpansion$$' -fuzztime $(FUZZTIME)
	$(GO) test ./engine -run '^$$' -fuzz '^FuzzDiscover$$' -fuzztime $(FUZZTIME)
	$(GO) test ./internal/redact -run '^$$' -fuzz '^FuzzRedact$$' -fuzztime $(FUZZTIME)
	$(GO) test ./internal/redact -run '^$$' -fuzz '^FuzzSensitiveKey$$' -fuzztime $(FUZZTIME)
	$(GO) test ./report -run '^$$' -fuzz '^FuzzWrite$$' -fuzztime $(FUZZTIME)
	$(GO) test ./secrets -run '^$$' -fuzz '^FuzzSOPSFile$$' -fuzztime $(FUZZTIME)
	$(GO) test ./secrets -run '^$$' -fuzz '^FuzzSealedSecret$$' -fuzztime $(FUZZTIME)
	$(GO) test ./validate -run '^$$' -fuzz '^FuzzCRD$$' -fuzztime $(FUZZTIME)
	$(GO) test ./policy -run '^$$' -fuzz '^FuzzEvaluate$$' -fuzztime $(FUZZTIME)
	$(GO) test ./server -run '^$$' -fuzz '^FuzzDecodeReview$$' -fuzztime $(FUZZTIME)
	$(GO) test ./server -run '^$$' -fuzz '^FuzzDecodeStream$$' -fuzztime $(FUZZTIME)
	$(GO) test ./server -run '^$$' -fuzz '^FuzzAppendJSONString$$' -fuzztime $(FUZZTIME)

# Go benchmarks, then syncgate against the peer pipeline (kustomize/helm, conftest,
# gitleaks) on the generated corpus: bench/results/<date>.md; then check's peak RSS at 1x, 5x
# and 10x the corpus, and the result cache cold, warm and after a one-file change:
# bench/results/scale-<date>.md; then the pre-merge check (diff, check --base) on that
# corpus: bench/results/diff-<date>.md. bench/render.sh compares
# rendering alone on any tree (BENCH_TREE=...).
bench:
	$(GO) test -run '^$$' -bench . -benchtime 5x ./render ./validate ./policy ./secrets .
	bash bench/pipeline.sh
	bash bench/scale.sh
	bash bench/diff.sh

# syncgate serve against opa run --server on the same Rego, over TLS under hey:
# bench/results/serve-<date>.md.
bench-serve:
	bash bench/serve.sh

# A static, non-root image of syncgate in bin/syncgate-image.tar, built by ko with no
# Docker daemon and no registry, then checked (tools/image/build.sh). IMAGE_BUILDER=docker
# builds the Dockerfile (distroless) instead, where a Docker daemon runs.
image:
	bash tools/image/build.sh

# Byte-for-byte comparison with kustomize build v5.8.2 and helm template v4.3.1.
fidelity:
	bash scripts/fidelity.sh

generate:
	$(GO) generate ./...

# The real kube-apiserver and etcd (tools/apiserver/go.mod) in bin/apiserver/, for
# the tests that take the apiserver as the judge (docs/apiserver.md). Skipped
# when the stamp there matches the pinned versions.
apiserver:
	bash tools/apiserver/build.sh

# Judge every case of testdata/apiserver/cases (and every change of
# testdata/apiserver/changes) with the real API server and rewrite
# labels.json (changes/changes.json) with the verdicts.
labels: apiserver
	SYNCGATE_APISERVER_REQUIRED=1 $(GO) test -count=1 -run '^TestApiserverLabels$$' ./validate -update
	SYNCGATE_APISERVER_REQUIRED=1 $(GO) test -count=1 -run '^TestApiserverChangeLabels$$' . -update

# What syncgate reports on real trees (testdata/real, fetched from Go modules),
# per tree and per rule against testdata/real/baseline.tsv; then how often it
# agrees with the API server's labels, per category.
accuracy:
	bash scripts/accuracy.sh
	$(GO) test -count=1 -run '^TestApiserverAgreement$$' -v ./validate
