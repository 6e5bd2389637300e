package server

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/syncgate/syncgate"
	"github.com/syncgate/syncgate/manifest"
)

// BenchmarkAdmission reviews a Deployment with every stage and the bundled
// policies on, as syncgate serve runs by default, without the network.
func BenchmarkAdmission(b *testing.B) {
	review, err := os.ReadFile("testdata/review-deployment.json")
	if err != nil {
		b.Fatal(err)
	}
	opts := DefaultOptions()
	opts.Load = func(ctx context.Context) (*Set, error) {
		g, err := syncgate.New(ctx, syncgate.DefaultOptions())
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
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			w := httptest.NewRecorder()
			h.ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/v1/admission", strings.NewReader(string(review))))
			if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), `"allowed":true`) {
				b.Fatalf("%d %s", w.Code, w.Body)
			}
		}
	})
}
