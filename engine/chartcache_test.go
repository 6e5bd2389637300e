package engine_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/syncgate/syncgate/engine"
	"github.com/syncgate/syncgate/internal/charttest"
	"github.com/syncgate/syncgate/manifest"
	"github.com/syncgate/syncgate/render"
)

// cachedTargets discovers the targets of the chart cache fixture with
// the chart cache at cache ("" for none).
func cachedTargets(t *testing.T, cache string) (map[string]render.Target, *render.Renderer) {
	t.Helper()
	fsys := os.DirFS(filepath.Join("..", "testdata", "engine", "chartcache"))
	defined, err := engine.Discover(fsys, ".", engine.Options{ChartCache: cache})
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]render.Target{}
	for _, d := range defined {
		byName[d.Name] = d
	}
	opts := render.DefaultOptions()
	opts.ChartCache = cache
	r, err := render.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return byName, r
}

// TestChartCache resolves the fixture's remote charts in a chart cache
// and renders them with the release's options.
func TestChartCache(t *testing.T) {
	cache := t.TempDir()
	charttest.Cache(t, cache)
	byName, r := cachedTargets(t, cache)
	fsys := os.DirFS(filepath.Join("..", "testdata", "engine", "chartcache"))
	tests := []struct {
		target string
		// want is the rendered ConfigMap as name, namespace, version and
		// greeting; nil wants the target skipped with skipped in its reason.
		want    []string
		skipped string
	}{
		{target: "flux/helmrelease/flux-system/hello", want: []string{"apps-hello-hello", "apps", "0.2.0", "hi"}},
		{target: "flux/helmrelease/flux-system/latest", want: []string{"latest-hello", "flux-system", "1.0.0", "hello"}},
		{target: "flux/helmrelease/flux-system/oci", want: []string{"oci-hello", "flux-system", "1.0.0", "from-values"}},
		{target: "argocd/argocd/hello", want: []string{"hello-hello", "web", "0.1.0", "argo"}},
		{target: "flux/helmrelease/flux-system/absent", skipped: "not in the chart cache " + cache + ": run helm pull absent --repo https://charts.example.com/ -d " + cache},
		{target: "flux/helmrelease/flux-system/too-new", skipped: `no version matching ">=2.0.0" in example-index.yaml`},
		{target: "flux/helmrelease/flux-system/oci-range", skipped: `">=1.0.0" is not an exact tag`},
	}
	for _, tt := range tests {
		t.Run(tt.target, func(t *testing.T) {
			target, ok := byName[tt.target]
			if !ok {
				t.Fatalf("no target %s", tt.target)
			}
			if tt.want == nil {
				if !strings.Contains(target.Skipped, tt.skipped) || target.Chart != nil {
					t.Errorf("skipped = %q, chart %v; want a reason holding %q", target.Skipped, target.Chart, tt.skipped)
				}
				return
			}
			if target.Skipped != "" || target.Invalid != "" {
				t.Fatalf("target skipped (%s) or invalid (%s)", target.Skipped, target.Invalid)
			}
			res, err := r.Render(context.Background(), fsys, target)
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Objects) != 1 {
				t.Fatalf("rendered %d objects, want 1", len(res.Objects))
			}
			obj := res.Objects[0]
			data := obj.Content["data"].(map[string]any)
			got := []string{obj.Name, obj.Namespace, data["version"].(string), data["greeting"].(string)}
			if strings.Join(got, " ") != strings.Join(tt.want, " ") {
				t.Errorf("rendered ConfigMap %v, want %v", got, tt.want)
			}
		})
	}
}

// Without a chart cache, remote charts stay skipped.
func TestChartCacheNone(t *testing.T) {
	byName, _ := cachedTargets(t, "")
	for _, name := range []string{"flux/helmrelease/flux-system/hello", "flux/helmrelease/flux-system/oci", "argocd/argocd/hello"} {
		if s := byName[name].Skipped; !strings.Contains(s, "remote chart, not rendered offline") {
			t.Errorf("%s: skipped = %q, want the remote chart skipped", name, s)
		}
	}
}

// A broken cache file is reported on the target, naming the file; it
// never panics.
func TestChartCacheCorrupt(t *testing.T) {
	tests := []struct {
		name   string
		file   string // written with garbage
		target string
		// invalid is in the target's Invalid; else renderErr is in the
		// render error.
		invalid, renderErr string
	}{
		{name: "index", file: "example-index.yaml", target: "flux/helmrelease/flux-system/hello", invalid: "example-index.yaml"},
		{name: "archive against its digest", file: "hello-0.2.0.tgz", target: "flux/helmrelease/flux-system/hello", invalid: "hello-0.2.0.tgz: does not match the digest"},
		{name: "archive without digest", file: "hello-1.0.0.tgz", target: "flux/helmrelease/flux-system/oci", renderErr: "hello-1.0.0.tgz"},
		{name: "repositories.yaml", file: "repositories.yaml", target: "flux/helmrelease/flux-system/hello", invalid: "repositories.yaml: not a Helm repositories file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cache := t.TempDir()
			charttest.Cache(t, cache)
			if err := os.WriteFile(filepath.Join(cache, tt.file), []byte("\x1f\x8b{not: [valid"), 0o644); err != nil {
				t.Fatal(err)
			}
			byName, r := cachedTargets(t, cache)
			target := byName[tt.target]
			if tt.invalid != "" {
				if !strings.Contains(target.Invalid, tt.invalid) {
					t.Errorf("invalid = %q (skipped %q), want it to hold %q", target.Invalid, target.Skipped, tt.invalid)
				}
				return
			}
			fsys := os.DirFS(filepath.Join("..", "testdata", "engine", "chartcache"))
			_, err := r.Render(context.Background(), fsys, target)
			if err == nil || !strings.Contains(err.Error(), tt.renderErr) {
				t.Errorf("render error %v, want one naming %q", err, tt.renderErr)
			}
		})
	}
}

// The discovery calls given one ShareCharts reading (directly or through
// WithChartsOf) parse each index once: an index broken after the first
// call is not read again, while a call of its own, or of another
// directory, reads it anew.
func TestChartCacheShared(t *testing.T) {
	cache := t.TempDir()
	charttest.Cache(t, cache)
	fsys := os.DirFS(filepath.Join("..", "testdata", "engine", "chartcache"))
	const name = "flux/helmrelease/flux-system/hello"
	invalid := func(opts engine.Options) string {
		t.Helper()
		defined, err := engine.Discover(fsys, ".", opts)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range defined {
			if d.Name == name {
				return d.Invalid
			}
		}
		t.Fatalf("no target %s", name)
		return ""
	}
	shared := engine.Options{ChartCache: cache}.ShareCharts()
	if got := invalid(shared); got != "" {
		t.Fatalf("first call: invalid %q", got)
	}
	if err := os.WriteFile(filepath.Join(cache, "example-index.yaml"), []byte("{not: [valid"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got := invalid(shared); got != "" {
		t.Errorf("shared call: invalid %q, want the index parsed before", got)
	}
	if got := invalid(engine.Options{ChartCache: cache, RepoURL: "https://example.org/other"}.WithChartsOf(shared)); got != "" {
		t.Errorf("call with the shared reading: invalid %q, want the index parsed before", got)
	}
	if got := invalid(engine.Options{ChartCache: cache}); !strings.Contains(got, "example-index.yaml") {
		t.Errorf("own call: invalid %q, want the broken index read anew", got)
	}
	other := t.TempDir()
	charttest.Cache(t, other)
	if err := os.WriteFile(filepath.Join(other, "example-index.yaml"), []byte("{not: [valid"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got := invalid(engine.Options{ChartCache: other}.WithChartsOf(shared)); !strings.Contains(got, "example-index.yaml") {
		t.Errorf("another directory given the shared reading: invalid %q, want its own index read", got)
	}
}

// repositories.yaml is read within the size limit of the repository's
// files, not the default one.
func TestChartCacheRepositoriesLimit(t *testing.T) {
	cache := t.TempDir()
	charttest.Cache(t, cache)
	file := filepath.Join(cache, "repositories.yaml")
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	padded := append(data, "# "+strings.Repeat("x", 8<<10)+"\n"...)
	if err := os.WriteFile(file, padded, 0o644); err != nil {
		t.Fatal(err)
	}
	fsys := os.DirFS(filepath.Join("..", "testdata", "engine", "chartcache"))
	defined, err := engine.Discover(fsys, ".", engine.Options{ChartCache: cache, Limits: manifest.Limits{MaxFileBytes: 4 << 10}})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range defined {
		if d.Name == "flux/helmrelease/flux-system/hello" {
			if !strings.Contains(d.Invalid, "repositories.yaml") || !strings.Contains(d.Invalid, "larger than 4096 bytes") {
				t.Errorf("invalid = %q (skipped %q), want repositories.yaml over the limit", d.Invalid, d.Skipped)
			}
			return
		}
	}
	t.Fatal("no hello target")
}
