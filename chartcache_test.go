package syncgate_test

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/syncgate/syncgate"
	"github.com/syncgate/syncgate/internal/charttest"
)

// A Check with a chart cache renders the remote charts, in-process and
// in workers alike, and lists those not in the cache as skipped.
func TestCheckChartCache(t *testing.T) {
	const dir = "testdata/engine/chartcache"
	cache := t.TempDir()
	charttest.Cache(t, cache)
	var results [][]syncgate.TargetResult
	for _, isolated := range []bool{false, true} {
		opts := syncgate.DefaultOptions()
		opts.Engine.ChartCache = cache
		g, src := openFixture(t, opts, isolated, dir)
		d, err := g.Check(context.Background(), src)
		if err != nil {
			t.Fatal(err)
		}
		rendered, skipped := map[string]int{}, map[string]bool{}
		for _, r := range d.Targets {
			rendered[r.Name] = r.Objects
			if r.Error != "" {
				t.Errorf("isolated=%v: %s failed: %s", isolated, r.Name, r.Error)
			}
		}
		for _, f := range d.Findings {
			if f.Rule == "render/skipped" {
				skipped[f.Target] = true
			}
		}
		for _, name := range []string{"flux/helmrelease/flux-system/hello", "flux/helmrelease/flux-system/latest", "flux/helmrelease/flux-system/oci", "argocd/argocd/hello"} {
			if rendered[name] != 1 || skipped[name] {
				t.Errorf("isolated=%v: %s rendered %d objects (skipped %v), want 1", isolated, name, rendered[name], skipped[name])
			}
		}
		if !skipped["flux/helmrelease/flux-system/absent"] {
			t.Errorf("isolated=%v: the absent chart is not reported skipped: %v", isolated, d.Findings)
		}
		results = append(results, d.Targets)
	}
	if diff := cmp.Diff(results[0], results[1]); diff != "" {
		t.Errorf("targets differ (-in-process +isolated):\n%s", diff)
	}
}
