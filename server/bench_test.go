package server

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/syncgate/syncgate"
	"github.com/syncgate/syncgate/manifest"
)

// BenchmarkAdmission reviews a Deployment with every stage on, without the
// network: with the bundled policies, as syncgate serve runs by default,
// and with the Rego of make bench-serve alone.
func BenchmarkAdmission(b *testing.B) {
	review, err := os.ReadFile("../bench/serve/review.json")
	if err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct {
		name    string
		dirs    []string
		bundled bool
	}{
		{"bundled", nil, true},
		{"bench-serve-rego", []string{"../bench/serve/policy"}, false},
	} {
		b.Run(bc.name, func(b *testing.B) {
			opts := DefaultOptions()
			// The decision log is written as serve writes it, to stdout.
			opts.DecisionLog = slog.New(slog.NewJSONHandler(io.Discard, nil))
			opts.Load = func(ctx context.Context) (*Set, error) {
				gopts := syncgate.DefaultOptions()
				gopts.Policy.Dirs, gopts.Policy.Bundled = bc.dirs, bc.bundled
				g, err := syncgate.New(ctx, gopts)
				return &Set{Gate: g, FailOn: manifest.SeverityError}, err
			}
			srv, err := New(opts)
			if err != nil {
				b.Fatal(err)
			}
			if err := srv.Load(context.Background()); err != nil {
				b.Fatal(err)
			}
			h := srv.Handler()
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					w := httptest.NewRecorder()
					h.ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/v1/admission", strings.NewReader(string(review))))
					if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), `"allowed":true`) {
						b.Fatalf("%d %s", w.Code, w.Body)
					}
				}
			})
		})
	}
}

// BenchmarkDecodeReview decodes the AdmissionReview of make bench-serve.
func BenchmarkDecodeReview(b *testing.B) {
	review, err := os.ReadFile("../bench/serve/review.json")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := decodeReview(review, manifest.Limits{}); err != nil {
			b.Fatal(err)
		}
	}
}
