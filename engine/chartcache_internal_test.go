package engine

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/syncgate/syncgate/internal/charttest"
	"github.com/syncgate/syncgate/manifest"
)

// TestChartCacheLookup resolves charts in variants of the cache layout.
func TestChartCacheLookup(t *testing.T) {
	tests := []struct {
		name   string
		remove string // a cache file removed first
		// decoy, when set, is an index that sorts before the named
		// repository's and lists the chart too: only repositories.yaml
		// tells them apart.
		decoy   string
		url     string
		chart   string
		version string
		// want is the resolved version, else skipped or invalid holds it.
		want, skipped, invalid string
	}{
		{name: "via repositories.yaml", url: charttest.RepoURL + "/", chart: "hello", version: "~0.1", want: "0.1.0",
			decoy: "apiVersion: v1\nentries:\n  hello:\n  - name: hello\n    version: 0.1.9\n    urls: [hello-0.1.9.tgz]\n"},
		{name: "exact version", url: charttest.RepoURL, chart: "hello", version: "0.3.0-rc.1", want: "0.3.0-rc.1"},
		{name: "prerelease by constraint", url: charttest.RepoURL, chart: "hello", version: ">=0.3.0-0 <1.0.0", want: "0.3.0-rc.1"},
		{name: "without repositories.yaml", remove: "repositories.yaml", url: "https://mirror.example.org", chart: "hello", version: "*", want: "1.0.0"},
		{name: "named repository without index", remove: "example-index.yaml", url: charttest.RepoURL, chart: "hello", skipped: "has no index of repository example"},
		{name: "archive missing", remove: "hello-0.2.0.tgz", url: charttest.RepoURL, chart: "hello", version: "0.2.0", skipped: "hello-0.2.0.tgz is not in the chart cache"},
		{name: "unknown repository", remove: "repositories.yaml", url: "https://other.example.org", chart: "other", skipped: "not in the chart cache"},
		{name: "chart name leaves the cache", url: charttest.RepoURL, chart: "../hello", invalid: "is not a file name"},
		{name: "version leaves the cache", url: "oci://r.example.org/hello", chart: "hello", version: "../../x", skipped: "not an exact tag"},
		{name: "OCI wildcard range", url: "oci://r.example.org/hello", chart: "hello", version: "1.x", skipped: `"1.x" is not an exact tag`},
		{name: "OCI caret range", url: "oci://r.example.org/hello", chart: "hello", version: "^1.0.0", skipped: "not an exact tag"},
		{name: "OCI tag that is not a version", url: "oci://r.example.org/hello", chart: "hello", version: "latest", skipped: "not an exact tag"},
		{name: "OCI exact tag missing", url: "oci://r.example.org/hello", chart: "hello", version: "1.2.3", skipped: "hello-1.2.3.tgz is not in the chart cache"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			charttest.Cache(t, dir)
			if tt.decoy != "" {
				if err := os.WriteFile(filepath.Join(dir, "aaa-index.yaml"), []byte(tt.decoy), 0o666); err != nil {
					t.Fatal(err)
				}
			}
			if tt.remove != "" {
				if err := os.Remove(filepath.Join(dir, tt.remove)); err != nil {
					t.Fatal(err)
				}
			}
			c := newChartCache(dir, manifest.Limits{})
			var r resolved
			if strings.HasPrefix(tt.url, "oci://") {
				r = c.oci(tt.url, tt.chart, tt.version)
			} else {
				r = c.helm(tt.url, tt.chart, tt.version)
			}
			switch {
			case tt.want != "":
				if r.chart == nil || r.chart.Version != tt.want {
					t.Errorf("resolved %+v, want version %s", r, tt.want)
				}
			case tt.skipped != "":
				if r.chart != nil || !strings.Contains(r.skipped, tt.skipped) {
					t.Errorf("resolved %+v, want skipped with %q", r, tt.skipped)
				}
			default:
				if r.chart != nil || !strings.Contains(r.invalid, tt.invalid) {
					t.Errorf("resolved %+v, want invalid with %q", r, tt.invalid)
				}
			}
		})
	}
}

// FuzzChartCacheNames: whatever chart name and version a HelmRelease
// gives, resolving reads nothing outside the cache and never panics.
func FuzzChartCacheNames(f *testing.F) {
	f.Add("hello", ">=0.1.0", false)
	f.Add("../../etc/passwd", "1.0.0", true)
	f.Add("hello", "../x", true)
	f.Add("", "", false)
	dir := f.TempDir()
	charttest.Cache(f, dir)
	f.Fuzz(func(t *testing.T, name, version string, oci bool) {
		c := newChartCache(dir, manifest.Limits{})
		var r resolved
		if oci {
			r = c.oci("oci://r.example.org/"+name, name, version)
		} else {
			r = c.helm(charttest.RepoURL, name, version)
		}
		if r.chart != nil && (!safeName(r.chart.Archive) || r.chart.Name != "hello") {
			t.Fatalf("resolved %+v", r.chart)
		}
	})
}

// An archive is read and hashed once per chart cache, however many
// lookups resolve it: an archive changed after the first lookup keeps its
// first digest, which rendering then holds it to.
func TestChartCacheArchiveOnce(t *testing.T) {
	dir := t.TempDir()
	charttest.Cache(t, dir)
	c := newChartCache(dir, manifest.Limits{})
	first := c.helm(charttest.RepoURL, "hello", "0.2.0")
	if first.chart == nil {
		t.Fatalf("first lookup: %+v", first)
	}
	if err := os.WriteFile(filepath.Join(dir, "hello-0.2.0.tgz"), []byte("changed"), 0o644); err != nil {
		t.Fatal(err)
	}
	again := c.helm(charttest.RepoURL, "hello", "~0.2")
	if again.chart == nil || again.chart.Digest != first.chart.Digest {
		t.Errorf("second lookup %+v, want digest %s again", again, first.chart.Digest)
	}
}
