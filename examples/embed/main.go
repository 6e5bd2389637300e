// Command embed gates a GitOps repository from a Go program, as an operator
// or a CI tool that imports syncgate would before it applies anything:
//
//	go run ./examples/embed examples/gitops-repo
//
// It renders in worker processes (the repository is untrusted), prints one
// line per finding and the decision, and exits 1 when the decision blocks.
package main

import (
	"context"
	"fmt"
	"log"
	"os"
	"time"

	"github.com/syncgate/syncgate"
)

func main() {
	// Workers are this program re-executed: serve them before anything else.
	syncgate.ServeWorker()

	if len(os.Args) != 2 {
		log.Fatal("usage: embed DIR")
	}
	opts := syncgate.DefaultOptions()
	limits := syncgate.DefaultIsolation()
	opts.Isolation = &limits
	gate, err := syncgate.New(context.Background(), opts)
	if err != nil {
		log.Fatal(err)
	}
	defer gate.Close()

	src, err := syncgate.OpenDir(os.Args[1])
	if err != nil {
		log.Fatal(err)
	}
	defer src.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	decision, err := gate.Check(ctx, src)
	if err != nil {
		log.Fatal(err)
	}
	for _, f := range decision.Findings {
		fmt.Printf("%s %s %s:%d %s\n", f.Severity, f.Rule, f.File, f.Line, f.Message)
	}
	fmt.Printf("allowed=%v targets=%d objects=%d findings=%d waived=%d\n",
		decision.Allowed, decision.Stats.Targets, decision.Stats.Objects, len(decision.Findings), len(decision.Waived))
	if !decision.Allowed {
		gate.Close()
		os.Exit(1)
	}
}
