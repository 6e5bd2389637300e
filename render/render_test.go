package render

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/syncgate/syncgate/internal/golden"
	"github.com/syncgate/syncgate/manifest"
	"sigs.k8s.io/kustomize/kyaml/openapi"
)

func TestDiscover(t *testing.T) {
	tests := []struct {
		name string
		root string
	}{
		{name: "render-fixtures", root: "../testdata/render"},
		{name: "gitops-repo", root: "../examples/gitops-repo"},
		{name: "broken", root: "../examples/broken"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			targets, err := Discover(os.DirFS(tt.root), ".")
			if err != nil {
				t.Fatal(err)
			}
			got, err := json.MarshalIndent(targets, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			golden.Assert(t, filepath.Join("testdata", "discover", tt.name+".json"), append(got, '\n'))
		})
	}
}

func newRenderer(tb testing.TB, opts Options) *Renderer {
	tb.Helper()
	r, err := New(opts)
	if err != nil {
		tb.Fatal(err)
	}
	return r
}

// renderCase renders one target of a fixture tree and records its YAML
// and the origin of every object.
func renderCase(t *testing.T, r *Renderer, root string, target Target) []byte {
	t.Helper()
	res, err := r.Render(context.Background(), os.DirFS(root), target)
	if err != nil {
		t.Fatalf("Render(%s): %v", target.Name, err)
	}
	var b strings.Builder
	b.Write(res.YAML)
	b.WriteString("# --- objects and origins ---\n")
	for _, o := range res.Objects {
		fmt.Fprintf(&b, "# %s %s %s:%d (%s)\n", o.APIVersion, o.Ref(), o.Origin.File, o.Origin.Line, o.Origin.Target)
	}
	return []byte(b.String())
}

func TestRender(t *testing.T) {
	r := newRenderer(t, DefaultOptions())
	tests := []struct {
		name   string
		target Target
	}{
		{name: "kustomize-overlay", target: Target{Name: "kustomize/overlay", Kind: KindKustomize, Path: "kustomize/overlay"}},
		{name: "kustomize-helm-charts", target: Target{Name: "kustomize-helm", Kind: KindKustomize, Path: "kustomize-helm"}},
		{name: "kustomize-helm-layers", target: Target{Name: "kustomize-helm-layers", Kind: KindKustomize, Path: "kustomize-helm-layers"}},
		{name: "kustomize-same-names", target: Target{Name: "kustomize-same-names", Kind: KindKustomize, Path: "kustomize-same-names"}},
		{name: "kustomize-base", target: Target{Name: "kustomize/base", Kind: KindKustomize, Path: "kustomize/base"}},
		// Comment-only, blank, null, {} and [] documents render as nothing,
		// as in kustomize build.
		{name: "kustomize-empty-docs", target: Target{Name: "kustomize-empty-docs", Kind: KindKustomize, Path: "kustomize-empty-docs"}},
		{name: "helm-defaults", target: Target{Name: "helm/chart", Kind: KindHelm, Path: "helm/chart"}},
		{name: "helm-layered", target: Target{Name: "helm/chart:prod", Kind: KindHelm, Path: "helm/chart",
			ValuesFiles: []string{"helm/chart/values/prod.yaml"}, Set: []string{"image.tag=3.0.0", "localdep.enabled=false"},
			ReleaseName: "demo", Namespace: "apps", KubernetesVersion: "1.31.4"}},
		{name: "manifests", target: Target{Name: "manifests/plain", Kind: KindManifests, Path: "manifests/plain"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := renderCase(t, r, "../testdata/render", tt.target)
			golden.Assert(t, filepath.Join("testdata", "render", tt.name+".golden"), got)
		})
	}
}

func TestRenderAPIVersions(t *testing.T) {
	opts := DefaultOptions()
	opts.APIVersions = []string{"monitoring.coreos.com/v1"}
	r := newRenderer(t, opts)
	res, err := r.Render(context.Background(), os.DirFS("../testdata/render"), Target{Name: "c", Kind: KindHelm, Path: "helm/chart"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(res.YAML), `demo.example.org/has-monitoring: "true"`) {
		t.Errorf("APIVersions did not reach .Capabilities.APIVersions:\n%s", res.YAML)
	}
}

func TestRenderErrors(t *testing.T) {
	r := newRenderer(t, DefaultOptions())
	tests := []struct {
		name      string
		target    Target
		wantFile  string
		wantLine  int
		wantText  string
		wantLimit bool
	}{
		{name: "outside-root", target: Target{Kind: KindKustomize, Path: "app"},
			wantFile: "app", wantText: "outside the repository root"},
		{name: "remote-base", target: Target{Kind: KindKustomize, Path: "app"},
			wantFile: "app/kustomization.yaml", wantLine: 3, wantText: "remote reference"},
		{name: "missing-dep", target: Target{Kind: KindHelm, Path: "chart"},
			wantFile: "chart/Chart.yaml", wantText: `dependency "redis" (repository "https://charts.example.org/stable") is not vendored`},
		{name: "yaml-syntax", target: Target{Kind: KindKustomize, Path: "app"},
			wantFile: "app/configmap.yaml", wantLine: 5, wantText: "did not find expected"},
		{name: "template-error", target: Target{Kind: KindHelm, Path: "chart"},
			wantFile: "chart/templates/cm.yaml", wantLine: 6, wantText: "nil pointer evaluating"},
		{name: "alias-bomb", target: Target{Kind: KindKustomize, Path: "app"},
			wantFile: "app/bomb.yaml", wantLine: 4, wantText: "aliases expand", wantLimit: true},
		{name: "helmcharts-duplicate-key", target: Target{Kind: KindKustomize, Path: "app"},
			wantFile: "app/kustomization.yaml", wantLine: 3, wantText: `app/charts/dup/templates/cm.yaml: duplicate key "mode"`},
		{name: "helm-values-missing", target: Target{Kind: KindKustomize, Path: "app"},
			wantFile: "app/kustomization.yaml", wantLine: 1, wantText: "valuesFile app/values-typo.yaml"},
		{name: "dep-outside", target: Target{Kind: KindHelm, Path: "chart"},
			wantFile: "chart/Chart.yaml", wantText: "outside the repository root"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.target.Name = tt.name
			_, err := r.Render(context.Background(), os.DirFS(filepath.Join("../testdata/bad", tt.name)), tt.target)
			if err == nil {
				t.Fatal("Render succeeded, want an error")
			}
			sources := manifest.SourceErrors(err)
			if len(sources) == 0 {
				t.Fatalf("error %q names no file", err)
			}
			se := sources[0]
			if se.File != tt.wantFile || se.Line != tt.wantLine {
				t.Errorf("error at %s:%d, want %s:%d (%v)", se.File, se.Line, tt.wantFile, tt.wantLine, err)
			}
			if !strings.Contains(err.Error(), tt.wantText) {
				t.Errorf("error %q does not contain %q", err, tt.wantText)
			}
			if got := errors.Is(err, manifest.ErrLimit); got != tt.wantLimit {
				t.Errorf("errors.Is(err, ErrLimit) = %v, want %v", got, tt.wantLimit)
			}
		})
	}
}

func TestRenderAllKeepsGoing(t *testing.T) {
	r := newRenderer(t, DefaultOptions())
	targets := []Target{
		{Name: "bad", Kind: KindKustomize, Path: "missing"},
		{Name: "good", Kind: KindManifests, Path: "manifests/plain"},
	}
	results := r.RenderAll(context.Background(), os.DirFS("../testdata/render"), targets)
	if results[0].Err == nil {
		t.Error("missing target rendered without error")
	}
	if results[1].Err != nil || len(results[1].Objects) != 4 {
		t.Errorf("good target: err %v, %d objects, want 4", results[1].Err, len(results[1].Objects))
	}
}

func TestNewRejectsUnknownLoadRestrictions(t *testing.T) {
	opts := DefaultOptions()
	opts.LoadRestrictions = "anywhere"
	if _, err := New(opts); err == nil {
		t.Error("New accepted unknown load restrictions")
	}
}

func BenchmarkRenderExamples(b *testing.B) {
	r := newRenderer(b, DefaultOptions())
	fsys := os.DirFS("../examples/gitops-repo")
	targets, err := Discover(fsys, ".")
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		for _, res := range r.RenderAll(context.Background(), fsys, targets) {
			if res.Err != nil {
				b.Fatal(res.Err)
			}
		}
	}
}

func TestIsChartYAML(t *testing.T) {
	tests := map[string]bool{
		"Chart.yaml":                        true,
		"values.yaml":                       true,
		"charts/sub/values.schema.json":     true,
		"crds/widgets.yaml":                 true,
		"charts/sub/values.yaml":            true,
		"charts/sub/charts/deep/Chart.lock": true,
		"charts/sub/crds/a.yaml":            true,
		"templates/values.yaml":             false,
		"templates/crds/widgets.yaml":       false,
		"charts/sub/templates/values.yaml":  false,
		"files/crds/raw.yaml":               false,
		"charts/sub-1.0.0.tgz":              false,
		"values-prod.yaml":                  false,
	}
	for name, want := range tests {
		if got := isChartYAML(name); got != want {
			t.Errorf("isChartYAML(%q) = %v, want %v", name, got, want)
		}
	}
}

// TestRendererCacheFollowsEdits renders two overlays of one base with the
// same Renderer, edits the base and renders again: the second render must
// show the edit and its origins, not what the cache remembers.
func TestRendererCacheFollowsEdits(t *testing.T) {
	root := t.TempDir()
	write := func(name, content string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(filepath.Join(root, name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(root, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("base/kustomization.yaml", "resources: [cm.yaml]\n")
	write("base/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  mode: first\n")
	for _, env := range []string{"dev", "prod"} {
		write(env+"/kustomization.yaml", "namePrefix: "+env+"-\nresources: [../base]\n")
	}
	r := newRenderer(t, Options{})
	render := func(env string) string {
		t.Helper()
		return string(renderCase(t, r, root, Target{Name: env, Kind: KindKustomize, Path: env}))
	}
	if dev, prod := render("dev"), render("prod"); !strings.Contains(dev, "mode: first") || !strings.Contains(prod, "mode: first") {
		t.Fatalf("first renders lack the base's data:\n%s\n%s", dev, prod)
	}
	write("base/cm.yaml", "# moved down a line\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  mode: second\n")
	got := render("dev")
	for _, want := range []string{"mode: second", "base/cm.yaml:2"} {
		if !strings.Contains(got, want) {
			t.Errorf("after the edit, dev lacks %q:\n%s", want, got)
		}
	}
}

// patchedRepo is a Deployment and a strategic merge patch of one of its
// containers, which kustomize merges with its OpenAPI schema, and a custom
// object, whose scope kustomize looks up in that schema.
var patchedRepo = fstest.MapFS{
	"app/kustomization.yaml": {Data: []byte("resources: [widget.yaml, deployment.yaml]\npatches:\n- path: patch.yaml\n")},
	"app/widget.yaml":        {Data: []byte("apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n")},
	"app/deployment.yaml": {Data: []byte(`apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    spec:
      containers:
      - {name: web, image: web:1}
      - {name: proxy, image: proxy:1}
`)},
	"app/patch.yaml": {Data: []byte(`apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    spec:
      containers:
      - {name: proxy, image: proxy:2}
`)},
}

// Parsing kustomize's schema ahead, as a worker does when it starts, may
// run beside a render (the race detector watches) and leaves the render
// as it is: a strategic merge patch of a list keyed by name merges the
// entries it names.
func TestPrepareKustomize(t *testing.T) {
	r := newRenderer(t, DefaultOptions())
	var wg sync.WaitGroup
	wg.Go(PrepareKustomize)
	res, err := r.Render(context.Background(), patchedRepo, Target{Name: "app", Path: "app", Kind: KindKustomize})
	wg.Wait()
	wantPatched(t, res, err)
}

// The first renders of a process parse kustomize's schema beside one
// another (the race detector watches), and each merges its patch.
func TestFirstRendersConcurrently(t *testing.T) {
	kustomizeState.Lock()
	openapi.ResetOpenAPI() // as at the start of a process
	kustomizeState.Unlock()
	r := newRenderer(t, DefaultOptions())
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			res, err := r.Render(context.Background(), patchedRepo, Target{Name: "app", Path: "app", Kind: KindKustomize})
			wantPatched(t, res, err)
		})
	}
	wg.Wait()
}

// wantPatched wants patchedRepo rendered with its patch merged.
func wantPatched(t *testing.T, res *Result, err error) {
	t.Helper()
	if err != nil {
		t.Error(err)
		return
	}
	for _, want := range []string{"image: web:1", "image: proxy:2"} {
		if !strings.Contains(string(res.YAML), want) {
			t.Errorf("rendered YAML lacks %q:\n%s", want, res.YAML)
		}
	}
}
