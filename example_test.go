package syncgate_test

import (
	"context"
	"fmt"
	"log"

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
	// Output: allowed=true targets=11 objects=84 findings=0
}
