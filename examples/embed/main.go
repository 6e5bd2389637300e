// Command embed gates GitOps repositories from a Go program, as an operator
// or a CI tool that imports syncgate would before it applies anything:
//
//	go run ./examples/embed examples/embed/testdata/strict examples/embed/testdata/relaxed
//
// One Gate, built once, checks every repository given, side by side; each
// repository is decided by its own .syncgate.yaml. It renders and evaluates
// policies in worker processes (the repositories are untrusted), prints
// each repository's findings and decision, and exits 1 when any decision
// blocks.
package main

import (
	"context"
	"fmt"
	"io"
	"log"
	"os"
	"sync"
	"time"

	"github.com/syncgate/syncgate"
)

func main() {
	// Workers are this program re-executed: serve them before anything else.
	syncgate.ServeWorker()

	if len(os.Args) < 2 {
		log.Fatal("usage: embed REPO...")
	}
	opts := syncgate.DefaultOptions()
	limits := syncgate.DefaultIsolation()
	opts.Isolation = &limits
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	gate, err := syncgate.New(ctx, opts)
	if err != nil {
		log.Fatal(err)
	}
	decisions, err := checkAll(ctx, gate, os.Args[1:])
	gate.Close()
	if err != nil {
		log.Fatal(err)
	}
	allowed := true
	for i, d := range decisions {
		report(os.Stdout, os.Args[1+i], d)
		allowed = allowed && d.Allowed
	}
	if !allowed {
		os.Exit(1)
	}
}

// checkAll checks each repository root with the one Gate, concurrently,
// and returns the decisions in the order of roots.
func checkAll(ctx context.Context, gate *syncgate.Gate, roots []string) ([]*syncgate.Decision, error) {
	decisions := make([]*syncgate.Decision, len(roots))
	errs := make([]error, len(roots))
	var wg sync.WaitGroup
	for i, root := range roots {
		wg.Go(func() {
			src, err := syncgate.OpenRoot(root, root)
			if err != nil {
				errs[i] = err
				return
			}
			defer src.Close()
			if decisions[i], err = gate.Check(ctx, src); err != nil {
				errs[i] = fmt.Errorf("%s: %w", root, err)
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return decisions, nil
}

func report(w io.Writer, root string, d *syncgate.Decision) {
	fmt.Fprintf(w, "%s: allowed=%v targets=%d objects=%d findings=%d waived=%d\n",
		root, d.Allowed, d.Stats.Targets, d.Stats.Objects, len(d.Findings), len(d.Waived))
	for _, f := range d.Findings {
		fmt.Fprintf(w, "  %s %s %s:%d %s\n", f.Severity, f.Rule, f.File, f.Line, f.Message)
	}
	for _, wv := range d.Waived {
		fmt.Fprintf(w, "  waived %s %s:%d (%s, by %s)\n", wv.Rule, wv.File, wv.Line, wv.Reason, wv.By)
	}
}
