// Command schemagen generates the built-in Kubernetes schemas that syncgate
// embeds (validate/internal/builtin/data/1.NN.json.gz), one set per supported
// minor, and writes an embedded set out in kubeconform's schema layout.
//
// Generate (network: the Go module proxy, only here; a build needs none):
//
//	cd validate && go generate        # or: go run ./internal/schemagen -out internal/builtin/data
//	go run ./internal/schemagen -minors 1.37    # one minor only
//	go run ./internal/schemagen -dumps /tmp/dumps  # keep/reuse the dump output
//
// For each minor 1.31 … 1.37 it asks the module proxy for the newest
// v0.MINOR.y of k8s.io/api and, in a temporary module (removed afterwards)
// that requires k8s.io/api, k8s.io/apimachinery,
// k8s.io/apiextensions-apiserver and k8s.io/kube-aggregator at that version
// and k8s.io/kube-openapi at the pinned version:
//
//  1. runs kube-openapi's openapi-gen over every package tagged
//     +k8s:openapi-gen=true (k8s.io/api, apimachinery's meta, runtime,
//     resource, intstr, version, the apiextensions and apiregistration API
//     packages), producing GetOpenAPIDefinitions;
//  2. runs a program (dump.go.tmpl) that adds every versioned API package
//     with a register.go to a runtime.Scheme, builds the definitions of the
//     registered kinds with kube-openapi's builder and a namer that attaches
//     x-kubernetes-group-version-kind, and reads each type's
//     prerelease-lifecycle methods;
//  3. converts the OpenAPI v2 definitions to strict JSON Schema (convert.go)
//     and writes compact JSON, gzip -9.
//
// It needs the go command (the machine's toolchain; GOTOOLCHAIN is left as
// is), access to the module proxy and a few hundred MB of module cache. On a
// shared 2-core machine a minor took 3.5 to 11 minutes (all seven: 54
// minutes), mostly compiling k8s.io/api; with -dumps, re-converting all
// seven takes seconds.
//
// Emit a kubeconform schema directory from the embedded data (no network):
//
//	go run ./validate/internal/schemagen -kubeconform-out DIR [-version 1.37]
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"time"
)

// kubeOpenAPI is the kube-openapi whose openapi-gen and builder make the
// definitions: the version the project chose for its generated schemas.
const kubeOpenAPI = "k8s.io/kube-openapi@v0.0.0-20260821135717-be32def86098"

// supportedMinors are the Kubernetes minors syncgate embeds.
var supportedMinors = []string{"1.31", "1.32", "1.33", "1.34", "1.35", "1.36", "1.37"}

func main() {
	out := flag.String("out", "internal/builtin/data", "directory for the generated 1.NN.json.gz files")
	minors := flag.String("minors", strings.Join(supportedMinors, ","), "comma-separated minors to generate")
	openapi := flag.String("kube-openapi", kubeOpenAPI, "module@version of kube-openapi (openapi-gen and builder)")
	dumps := flag.String("dumps", "", "keep the dump program's output per minor in this directory and reuse it when present (no network): for working on the conversion")
	kcOut := flag.String("kubeconform-out", "", "write the embedded set of -version in kubeconform's layout under this directory, then exit")
	version := flag.String("version", "", "minor for -kubeconform-out (default: the newest embedded)")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	var err error
	if *kcOut != "" {
		var dir string
		var n int
		if dir, n, err = emitKubeconform(*kcOut, *version); err == nil {
			fmt.Fprintf(os.Stderr, "schemagen: %d kubeconform schemas in %s\n", n, dir)
		}
	} else {
		err = generateAll(ctx, *out, *dumps, strings.Split(*minors, ","), *openapi)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "schemagen:", err)
		os.Exit(1)
	}
}

func generateAll(ctx context.Context, out, dumps string, minors []string, openapi string) error {
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	total := time.Now()
	for _, minor := range minors {
		start := time.Now()
		size, source, err := generate(ctx, out, dumps, strings.TrimSpace(minor), openapi)
		if err != nil {
			return fmt.Errorf("%s: %w", minor, err)
		}
		fmt.Fprintf(os.Stderr, "schemagen: %s from %s: %d bytes in %s\n", minor, source, size, time.Since(start).Round(time.Second))
	}
	fmt.Fprintf(os.Stderr, "schemagen: %d minors in %s\n", len(minors), time.Since(total).Round(time.Second))
	return nil
}
