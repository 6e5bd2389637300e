package secrets

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/syncgate/syncgate/internal/rendertest"
	"github.com/syncgate/syncgate/manifest"
	"github.com/syncgate/syncgate/provenance"
)

// renderRepo renders every target of a repository in-process and returns
// the objects of each target.
func renderRepo(t testing.TB, fsys fs.FS) map[string][]*manifest.Object {
	t.Helper()
	out := map[string][]*manifest.Object{}
	for _, res := range rendertest.All(t, fsys) {
		if res.Err != nil {
			t.Fatalf("render %s: %v", res.Target.Name, res.Err)
		}
		out[res.Target.Name] = res.Objects
	}
	return out
}

// checkRepo runs the whole stage on a repository as the gate does: Files
// once, Objects per target, placed where their field is written, merged.
func checkRepo(t testing.TB, s *Scanner, dir string) []manifest.Finding {
	t.Helper()
	fsys := os.DirFS(dir)
	results := rendertest.All(t, fsys)
	var objects []manifest.Finding
	for _, res := range results {
		if res.Err != nil {
			t.Fatalf("render %s: %v", res.Target.Name, res.Err)
		}
		objects = append(objects, s.Objects(context.Background(), fsys, res.Objects)...)
	}
	provenance.New(fsys, manifest.Limits{}).Locate(results, objects)
	return Merge(s.Files(context.Background(), fsys), objects)
}

func TestExamples(t *testing.T) {
	tests := []struct {
		dir  string
		want []string
	}{
		{"../examples/gitops-repo", []string{}},
		{"../examples/broken", []string{
			"apps/api/base/api-keys.sops.yaml:11 apps/api/overlays/dev secrets/sops-partial stringData.PAYMENTS_API_KEY",
			"apps/api/base/api-keys.sops.yaml:11 apps/api/overlays/prod secrets/sops-partial stringData.PAYMENTS_API_KEY",
			"apps/api/base/api-keys.sops.yaml:11 apps/api/overlays/staging secrets/sops-partial stringData.PAYMENTS_API_KEY",
			"apps/api/base/secret.yaml:11 apps/api/overlays/dev secrets/plaintext-secret data.DB_USER",
			"apps/api/base/secret.yaml:11 apps/api/overlays/prod secrets/plaintext-secret data.DB_USER",
			"apps/api/base/secret.yaml:11 apps/api/overlays/staging secrets/plaintext-secret data.DB_USER",
			"apps/api/base/secret.yaml:12 apps/api/overlays/dev secrets/plaintext-secret data.DB_PASSWORD",
			"apps/api/base/secret.yaml:12 apps/api/overlays/prod secrets/plaintext-secret data.DB_PASSWORD",
			"apps/api/base/secret.yaml:12 apps/api/overlays/staging secrets/plaintext-secret data.DB_PASSWORD",
			"apps/web/overlays/dev/kustomization.yaml:4 apps/web/overlays/dev secrets/sealed-scope metadata.name",
			"apps/web/overlays/prod/kustomization.yaml:3 apps/web/overlays/prod secrets/sealed-scope metadata.namespace",
			"apps/web/overlays/staging/kustomization.yaml:3 apps/web/overlays/staging secrets/sealed-scope metadata.namespace",
			"apps/web/overlays/staging/kustomization.yaml:4 apps/web/overlays/staging secrets/sealed-scope metadata.name",
		}},
	}
	s := newScanner(t, true)
	for _, tt := range tests {
		t.Run(tt.dir, func(t *testing.T) {
			got := []string{}
			for _, f := range checkRepo(t, s, tt.dir) {
				got = append(got, fmt.Sprintf("%s:%d %s %s %s", f.File, f.Line, f.Target, f.Rule, f.Field))
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("findings (-want +got):\n%s", diff)
			}
		})
	}
}
