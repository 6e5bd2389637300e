package syncgate

import (
	"context"
	"os"
	"testing"
)

// BenchmarkCheck checks one repository in-process, so that a CPU or memory
// profile shows every stage: examples/gitops-repo, or the directory in
// SYNCGATE_BENCH_REPO (a corpus from bench/corpus, say; see bench/README.md).
func BenchmarkCheck(b *testing.B) {
	dir := os.Getenv("SYNCGATE_BENCH_REPO")
	if dir == "" {
		dir = "examples/gitops-repo"
	}
	g, err := New(DefaultOptions())
	if err != nil {
		b.Fatal(err)
	}
	src, err := OpenDir(dir)
	if err != nil {
		b.Fatal(err)
	}
	defer src.Close()
	objects := 0
	for b.Loop() {
		d, err := g.Check(context.Background(), src)
		if err != nil {
			b.Fatal(err)
		}
		objects += d.Stats.Objects
	}
	b.ReportMetric(float64(objects)/b.Elapsed().Seconds(), "objects/s")
}
