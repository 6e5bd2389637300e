// Command catalogen generates syncgate's bundled CRD catalogue
// (validate/internal/catalog): for each project of sources.txt it fetches
// the named Go module through the module proxy (go mod download), takes the
// CRDs the module ships as YAML, or generates them with controller-gen from
// the module's API types when it ships none, trims what validation does not
// read, loads every CRD through the validate package exactly as a user's
// --crds would be loaded, and writes data/NAME.json.gz and index.go.
//
// Generate (network: the Go module proxy, only here; a build needs none):
//
//	cd validate && go generate    # or: go run ./internal/catalogen -dir internal/catalog
//
// A CRD the API server would refuse, a glob that matches no CRD, a
// document that is not a CRD, a served version without a schema or a kind
// two projects define fails the run: the catalogue is checked here, never
// in a user's run.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"time"
)

// controllerTools is the controller-gen that turns API types into CRDs for
// modules that ship no YAML; Flux's own CRDs are made with this release.
const controllerTools = "sigs.k8s.io/controller-tools@v0.21.0"

func main() {
	dir := flag.String("dir", "internal/catalog", "the catalog package directory: reads sources.txt, writes data/ and index.go")
	only := flag.String("only", "", "regenerate this project only (the others' data files are kept)")
	cg := flag.String("controller-tools", controllerTools, "module@version of controller-gen, for projects given as types:")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, *dir, *only, *cg); err != nil {
		fmt.Fprintln(os.Stderr, "catalogen:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, dir, only, cg string) error {
	srcPath := filepath.Join(dir, "sources.txt")
	b, err := os.ReadFile(srcPath)
	if err != nil {
		return err
	}
	sources, err := parseSources(srcPath, b)
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "catalogen-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	g := &generator{ctx: ctx, tmp: tmp, controllerTools: cg}
	var entries []entry
	total := time.Now()
	for _, src := range sources {
		start := time.Now()
		var e entry
		if only == "" || only == src.Name {
			e, err = g.build(src)
			if err == nil {
				e.Size, err = writeData(dir, e)
			}
		} else {
			e, err = readEntry(dir, src)
		}
		if err != nil {
			return fmt.Errorf("%s (%s:%d): %w", src.Name, srcPath, src.Line, err)
		}
		fmt.Fprintf(os.Stderr, "catalogen: %s from %s@%s: %d CRDs, %d kinds, %d bytes in %s\n",
			src.Name, src.Module, src.Version, len(e.CRDs), len(e.Kinds), e.Size, time.Since(start).Round(time.Second))
		entries = append(entries, e)
	}
	if err := checkDuplicates(entries); err != nil {
		return err
	}
	if err := removeStale(dir, sources); err != nil {
		return err
	}
	if err := writeIndex(dir, entries); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "catalogen: %d projects in %s\n", len(entries), time.Since(total).Round(time.Second))
	return nil
}
