package syncgate

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
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

// BenchmarkCheckChange times what a program that keeps one Gate, an
// embedder or a controller, pays to check a repository again after one
// file changed: a line added to the first apps/*/base/deployment.yaml of
// a copy of examples/gitops-repo or of SYNCGATE_BENCH_REPO, with the
// result cache on. The Gate's render workers, and what its process has
// parsed, serve every check; syncgate check pays for them on each run
// (bench/scale.sh times that). It reports the first, cold check too, and
// the ratio of the two.
func BenchmarkCheckChange(b *testing.B) {
	src := os.Getenv("SYNCGATE_BENCH_REPO")
	if src == "" {
		src = "examples/gitops-repo"
	}
	for _, isolated := range []bool{true, false} {
		name := "in-process"
		if isolated {
			name = "isolated"
		}
		b.Run(name, func(b *testing.B) {
			dir := b.TempDir()
			if err := os.CopyFS(dir, os.DirFS(src)); err != nil {
				b.Fatal(err)
			}
			changed, _ := filepath.Glob(filepath.Join(dir, "apps", "*", "base", "deployment.yaml"))
			if len(changed) == 0 {
				b.Skipf("%s has no apps/*/base/deployment.yaml", src)
			}
			opts := DefaultOptions()
			opts.CacheDir = b.TempDir()
			if isolated {
				limits := DefaultIsolation()
				opts.Isolation = &limits
			}
			g, err := New(context.Background(), opts)
			if err != nil {
				b.Fatal(err)
			}
			defer g.Close()
			check := func() {
				repo, err := OpenDir(dir)
				if err != nil {
					b.Fatal(err)
				}
				defer repo.Close()
				if _, err := g.Check(context.Background(), repo); err != nil {
					b.Fatal(err)
				}
			}
			start := time.Now()
			check()
			cold := time.Since(start)
			n := 0
			for b.Loop() {
				b.StopTimer()
				n++
				f, err := os.OpenFile(changed[0], os.O_APPEND|os.O_WRONLY, 0)
				if err == nil {
					_, err = fmt.Fprintf(f, "# change %d\n", n)
					err = errors.Join(err, f.Close())
				}
				if err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				check()
			}
			b.ReportMetric(cold.Seconds(), "cold-s")
			b.ReportMetric(cold.Seconds()/(b.Elapsed().Seconds()/float64(n)), "cold/change")
		})
	}
}
