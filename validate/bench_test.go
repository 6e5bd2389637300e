package validate

import (
	"context"
	"testing"

	"github.com/syncgate/syncgate/manifest"
)

// BenchmarkValidate validates a fixed set of objects, the labelled corpus
// and the rendered broken example, after one warm-up run has compiled
// their schemas, as a long-lived Validator would.
func BenchmarkValidate(b *testing.B) {
	v := newCorpusValidator(b)
	var objs []*manifest.Object
	for _, cf := range corpusFiles(b) {
		objs = append(objs, cf.objects...)
	}
	for _, res := range renderBroken(b) {
		objs = append(objs, res.Objects...)
	}
	ctx := context.Background()
	rv, _ := v.WithCRDs(ctx, objs)
	rv.Validate(ctx, objs)
	b.ResetTimer()
	for b.Loop() {
		rv.Validate(ctx, objs)
	}
	b.ReportMetric(float64(len(objs)*b.N)/b.Elapsed().Seconds(), "objects/s")
}
