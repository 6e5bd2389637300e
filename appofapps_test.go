package syncgate

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestAppOfApps discovers the targets of testdata/engine/appofapps: the
// root chart renders the guestbook and loop-a Applications and its own;
// loop-a and loop-b render each other's Applications, a cycle that is cut
// and reported; each nest chart renders the Application of the next
// level, cut at engine.MaxDepth. With engine discovery off, only the
// directories are targets.
func TestAppOfApps(t *testing.T) {
	type row struct{ Name, Path, DefinedBy, Skipped string }
	const (
		cycle = "app-of-apps cycle: charts/loop-a -> charts/loop-b -> charts/loop-a; the chart is rendered once, for the first object in the chain"
		depth = "app-of-apps discovery stops at depth 4 (charts/nest -> charts/nest -> charts/nest -> charts/nest -> charts/nest): the engine objects this chart renders are not followed"
	)
	tests := []struct {
		name     string
		disabled bool
		want     []row
	}{
		{
			name: "engine",
			want: []row{
				{Name: "argocd/argocd/guestbook", Path: "apps/guestbook", DefinedBy: "charts/root/templates/apps.yaml"},
				{Name: "argocd/argocd/loop-a", Path: "charts/loop-a", DefinedBy: "charts/root/templates/apps.yaml"},
				{Name: "argocd/argocd/loop-a@charts/loop-b/templates/app.yaml", Path: "charts/loop-a", DefinedBy: "charts/loop-b/templates/app.yaml", Skipped: cycle},
				{Name: "argocd/argocd/loop-b", Path: "charts/loop-b", DefinedBy: "charts/loop-a/templates/app.yaml"},
				{Name: "argocd/argocd/nest-0", Path: "charts/nest", DefinedBy: "bootstrap/nest.yaml:1"},
				{Name: "argocd/argocd/nest-1", Path: "charts/nest", DefinedBy: "charts/nest/templates/app.yaml"},
				{Name: "argocd/argocd/nest-2", Path: "charts/nest", DefinedBy: "charts/nest/templates/app.yaml"},
				{Name: "argocd/argocd/nest-3", Path: "charts/nest", DefinedBy: "charts/nest/templates/app.yaml"},
				{Name: "argocd/argocd/nest-4", Path: "charts/nest", DefinedBy: "charts/nest/templates/app.yaml"},
				{Name: "argocd/argocd/nest-4/app-of-apps", Path: "charts/nest", DefinedBy: "charts/nest/templates/app.yaml", Skipped: depth},
				{Name: "argocd/argocd/root", Path: "charts/root", DefinedBy: "bootstrap/root.yaml:1"},
				{Name: "bootstrap", Path: "bootstrap"},
			},
		},
		{
			name:     "directories only",
			disabled: true,
			want: []row{
				{Name: "apps/guestbook", Path: "apps/guestbook"},
				{Name: "bootstrap", Path: "bootstrap"},
				{Name: "charts/loop-a", Path: "charts/loop-a"},
				{Name: "charts/loop-b", Path: "charts/loop-b"},
				{Name: "charts/nest", Path: "charts/nest"},
				{Name: "charts/root", Path: "charts/root"},
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			opts := DefaultOptions()
			opts.Stages = nil
			opts.Engine.RepoURL = "https://github.com/example/fleet"
			opts.Engine.Disabled = tc.disabled
			g, err := New(context.Background(), opts)
			if err != nil {
				t.Fatal(err)
			}
			defer g.Close()
			src, err := OpenRoot("testdata/engine/appofapps")
			if err != nil {
				t.Fatal(err)
			}
			defer src.Close()
			targets, err := g.Targets(context.Background(), src)
			if err != nil {
				t.Fatal(err)
			}
			var got []row
			for _, tg := range targets {
				got = append(got, row{tg.Name, tg.Path, tg.DefinedBy, tg.Skipped})
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("targets (-want +got):\n%s", diff)
			}
		})
	}
}
