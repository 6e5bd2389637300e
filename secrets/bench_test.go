package secrets

import (
	"context"
	"os"
	"testing"

	"github.com/syncgate/syncgate/manifest"
)

// BenchmarkScan checks a fixed set of rendered objects (the leaks and
// canary repositories, the placeholder and SealedSecret fixtures) with
// Objects, and reports objects per second.
func BenchmarkScan(b *testing.B) {
	var objects []*manifest.Object
	for _, dir := range []string{"leaks", "canary"} {
		objects = append(objects, renderRepo(b, os.DirFS(fixtures+"/"+dir))["."]...)
	}
	for _, file := range []string{"placeholders/secrets.yaml", "sealed/valid.yaml", "plaintext/secrets.yaml", "sops/valid.sops.yaml"} {
		objects = append(objects, decodeFixture(b, file)...)
	}
	s := newScanner(b, true)
	ctx := context.Background()
	b.ResetTimer()
	for b.Loop() {
		s.Objects(ctx, nil, objects)
	}
	b.ReportMetric(float64(len(objects)*b.N)/b.Elapsed().Seconds(), "objects/s")
	b.ReportMetric(float64(len(objects)), "objects/op")
}
