package syncgate_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/syncgate/syncgate"
)

// A Gate is built once and checks a repository per call.
func ExampleNew() {
	gate, err := syncgate.New(syncgate.DefaultOptions())
	if err != nil {
		log.Fatal(err)
	}
	src, err := syncgate.OpenDir("examples/gitops-repo")
	if err != nil {
		log.Fatal(err)
	}
	defer src.Close()
	decision, err := gate.Check(context.Background(), src)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("allowed=%v targets=%d objects=%d findings=%d\n",
		decision.Allowed, decision.Stats.Targets, decision.Stats.Objects, len(decision.Findings))
	// Output: allowed=true targets=11 objects=91 findings=0
}

// A program that checks untrusted repositories renders them in worker
// processes with limits. The workers are the program itself, re-executed,
// so ServeWorker comes first in main.
func ExampleServeWorker() {
	syncgate.ServeWorker()

	opts := syncgate.DefaultOptions()
	limits := syncgate.DefaultIsolation()
	limits.Wall = 30 * time.Second
	opts.Isolation = &limits
	gate, err := syncgate.New(opts)
	if err != nil {
		log.Fatal(err)
	}
	defer gate.Close()
	src, err := syncgate.OpenDir("testdata/bad")
	if err != nil {
		log.Fatal(err)
	}
	defer src.Close()
	decision, err := gate.Check(context.Background(), src)
	if err != nil {
		log.Fatal(err)
	}
	for _, f := range decision.Findings {
		if f.Rule == "render/resource-limit" {
			fmt.Println(f.Rule, f.File)
		}
	}
	// Output: render/resource-limit testdata/bad/alias-bomb/app/bomb.yaml
}
