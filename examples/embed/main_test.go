package main

import (
	"context"
	"os"
	"slices"
	"testing"

	"github.com/syncgate/syncgate"
	"github.com/syncgate/syncgate/manifest"
)

func TestMain(m *testing.M) {
	syncgate.ServeWorker() // the test binary is the Gate's worker, too
	os.Exit(m.Run())
}

// One Gate, two repositories with the same Deployment and different
// configurations: the strict one blocks on its latest tag, the relaxed one
// waives it.
func TestOneGateTwoConfigs(t *testing.T) {
	opts := syncgate.DefaultOptions()
	limits := syncgate.DefaultIsolation()
	opts.Isolation = &limits
	gate, err := syncgate.New(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	defer gate.Close()
	decisions, err := checkAll(context.Background(), gate, []string{"testdata/strict", "testdata/relaxed"})
	if err != nil {
		t.Fatal(err)
	}
	strict, relaxed := decisions[0], decisions[1]
	latest := func(f manifest.Finding) bool { return f.Rule == "policy/image-tag-latest" }
	if i := slices.IndexFunc(strict.Findings, latest); strict.Allowed || i < 0 || strict.Findings[i].Severity != manifest.SeverityError {
		t.Errorf("strict: allowed=%v, findings %v; want blocked by an image-tag-latest error", strict.Allowed, strict.Findings)
	}
	if !relaxed.Allowed || slices.ContainsFunc(relaxed.Findings, latest) || len(relaxed.Waived) != 1 || relaxed.Waived[0].Rule != "policy/image-tag-latest" {
		t.Errorf("relaxed: allowed=%v, findings %v, waived %v; want allowed with image-tag-latest waived", relaxed.Allowed, relaxed.Findings, relaxed.Waived)
	}
}
