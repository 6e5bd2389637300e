package policy

import (
	"context"
	"testing"
)

// BenchmarkEvaluateBundled evaluates the bundled library on every target
// of examples/broken; it reports objects per second.
func BenchmarkEvaluateBundled(b *testing.B) {
	targets := renderRepo(b, "../examples/broken")
	e, err := Load(context.Background(), DefaultOptions())
	if err != nil {
		b.Fatal(err)
	}
	n := 0
	for _, objs := range targets {
		n += len(objs)
	}
	b.ResetTimer()
	for b.Loop() {
		for _, objs := range targets {
			e.Evaluate(context.Background(), objs)
		}
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "objects/s")
}
