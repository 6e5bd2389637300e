package syncgate

import (
	"context"
	"os"
	"strings"
	"testing"
)

// BenchmarkCheck checks one repository in-process, so that a CPU or memory
// profile shows every stage: examples/gitops-repo, or the directory in
// SYNCGATE_BENCH_REPO (a corpus from bench/corpus, say; see bench/README.md).
// SYNCGATE_BENCH_STAGES, a comma-separated list such as "validate", runs
// only those stages; "render" runs none. SYNCGATE_BENCH_CACHE names a result
// cache directory, so that a warm check can be profiled.
func BenchmarkCheck(b *testing.B) {
	dir := os.Getenv("SYNCGATE_BENCH_REPO")
	if dir == "" {
		dir = "examples/gitops-repo"
	}
	opts := DefaultOptions()
	if list, ok := os.LookupEnv("SYNCGATE_BENCH_STAGES"); ok {
		opts.Stages = nil
		for _, name := range strings.Split(list, ",") {
			if name == "render" {
				continue
			}
			s, err := ParseStage(name)
			if err != nil {
				b.Fatal(err)
			}
			opts.Stages = append(opts.Stages, s)
		}
	}
	opts.CacheDir = os.Getenv("SYNCGATE_BENCH_CACHE")
	g, err := New(context.Background(), opts)
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
