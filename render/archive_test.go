package render

import (
	"archive/tar"
	"bytes"
	"cmp"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/syncgate/syncgate/manifest"
)

// tarEntry is one entry of an archive built by tgz; typ 0 is a regular file.
type tarEntry struct {
	name string
	typ  byte
	body []byte
}

// tgz builds a gzipped tar archive in memory.
func tgz(tb testing.TB, entries ...tarEntry) []byte {
	tb.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for _, e := range entries {
		hdr := &tar.Header{Name: e.name, Typeflag: cmp.Or(e.typ, tar.TypeReg), Mode: 0o644, Size: int64(len(e.body))}
		if hdr.Typeflag != tar.TypeReg {
			hdr.Size, hdr.Linkname = 0, "/etc/passwd"
		}
		if err := tw.WriteHeader(hdr); err != nil {
			tb.Fatal(err)
		}
		if _, err := tw.Write(e.body); err != nil {
			tb.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		tb.Fatal(err)
	}
	if err := gz.Close(); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// subchart builds an archived chart that renders one ConfigMap named
// after it, holding extra entries and, unless nested is nil, an archived
// subchart of its own.
func subchart(tb testing.TB, name string, nested []byte, extra ...tarEntry) []byte {
	tb.Helper()
	entries := []tarEntry{
		{name: name + "/Chart.yaml", body: fmt.Appendf(nil, "apiVersion: v2\nname: %s\nversion: 1.0.0\n", name)},
		{name: name + "/templates/cm.yaml", body: []byte("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Chart.Name }}\n")},
	}
	if nested != nil {
		entries = append(entries, tarEntry{name: name + "/charts/nested-1.0.0.tgz", body: nested})
	}
	return tgz(tb, append(entries, extra...)...)
}

// chain builds n archived subcharts c1 ... cn, each in the charts/ of the
// one above, each holding blob as a file.
func chain(tb testing.TB, n int, blob []byte) []byte {
	tb.Helper()
	var nested []byte
	for i := n; i >= 1; i-- {
		name := fmt.Sprintf("c%d", i)
		nested = subchart(tb, name, nested, tarEntry{name: name + "/files/blob", body: blob})
	}
	return nested
}

// manyFiles returns n small files of chart name.
func manyFiles(name string, n int) []tarEntry {
	entries := make([]tarEntry, n)
	for i := range entries {
		entries[i] = tarEntry{name: fmt.Sprintf("%s/files/%d", name, i), body: []byte("x")}
	}
	return entries
}

// topChart is a chart that holds archive as charts/sub-1.0.0.tgz.
func topChart(archive []byte) fstest.MapFS {
	return fstest.MapFS{
		"chart/Chart.yaml":           {Data: []byte("apiVersion: v2\nname: top\nversion: 1.0.0\n")},
		"chart/charts/sub-1.0.0.tgz": {Data: archive},
	}
}

func renderChart(t *testing.T, fsys fs.FS, dir string) (*Result, error) {
	t.Helper()
	return newRenderer(t, DefaultOptions()).Render(context.Background(), fsys, Target{Name: dir, Kind: KindHelm, Path: dir})
}

func TestChartArchive(t *testing.T) {
	const archiveFile = "chart/charts/sub-1.0.0.tgz"
	tests := []struct {
		name string
		// archive builds charts/sub-1.0.0.tgz.
		archive func(testing.TB) []byte
		// wantRendered are ConfigMaps the chart renders; empty if it fails.
		wantRendered []string
		wantText     string
		wantLimit    bool
	}{
		{name: "good-nested-at-depth-limit", archive: func(tb testing.TB) []byte { return chain(tb, maxArchiveDepth, []byte("x")) },
			wantRendered: []string{"c1", "c2", "c3", "c4", "c5"}},
		{name: "too-many-entries-across-nesting", archive: func(tb testing.TB) []byte {
			// Each archive is under the limit, the two together are not.
			return subchart(tb, "c1", subchart(tb, "c2", nil, manyFiles("c2", 5000)...), manyFiles("c1", 5000)...)
		}, wantText: "more than 10000 entries", wantLimit: true},
		{name: "budget-across-nesting", archive: func(tb testing.TB) []byte {
			// 35 MiB in each of three archives: each is under Helm's
			// 100 MiB per archive, together they are not.
			return chain(tb, 3, make([]byte, 35<<20))
		}, wantText: "decompress to more than 104857600 bytes", wantLimit: true},
		{name: "too-deep", archive: func(tb testing.TB) []byte { return chain(tb, maxArchiveDepth+1, nil) },
			wantText: `entry "c1/charts/nested-1.0.0.tgz/c2/charts/nested-1.0.0.tgz/c3/charts/nested-1.0.0.tgz/c4/charts/nested-1.0.0.tgz/c5/charts/nested-1.0.0.tgz": archives nest deeper than 5`, wantLimit: true},
		{name: "parent-segment", archive: func(tb testing.TB) []byte {
			return subchart(tb, "c1", nil, tarEntry{name: "c1/../../escape.yaml", body: []byte("a: b\n")})
		}, wantText: `entry "c1/../../escape.yaml": name has a ".." segment`},
		{name: "absolute", archive: func(tb testing.TB) []byte {
			return subchart(tb, "c1", nil, tarEntry{name: "/etc/cron.d/x", body: []byte("a: b\n")})
		}, wantText: `entry "/etc/cron.d/x": name is absolute`},
		{name: "symlink", archive: func(tb testing.TB) []byte {
			return subchart(tb, "c1", nil, tarEntry{name: "c1/files/passwd", typ: tar.TypeSymlink})
		}, wantText: `entry "c1/files/passwd": is a symlink`},
		{name: "hard-link", archive: func(tb testing.TB) []byte {
			return subchart(tb, "c1", nil, tarEntry{name: "c1/files/passwd", typ: tar.TypeLink})
		}, wantText: `entry "c1/files/passwd": is a hard link`},
		{name: "device", archive: func(tb testing.TB) []byte {
			return subchart(tb, "c1", nil, tarEntry{name: "c1/files/null", typ: tar.TypeChar})
		}, wantText: `entry "c1/files/null": is a character device`},
		{name: "nested-symlink-named-with-backslashes", archive: func(tb testing.TB) []byte {
			// Helm's loader reads backslashes as separators, so this is
			// charts/c2.tgz of c1 and is expanded.
			inner := subchart(tb, "c2", nil, tarEntry{name: "c2/files/passwd", typ: tar.TypeSymlink})
			return tgz(tb, tarEntry{name: `c1\Chart.yaml`, body: []byte("apiVersion: v2\nname: c1\nversion: 1.0.0\n")},
				tarEntry{name: `c1\charts\c2.tgz`, body: inner})
		}, wantText: `entry "c1\\charts\\c2.tgz/c2/files/passwd": is a symlink`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := renderChart(t, topChart(tt.archive(t)), "chart")
			if tt.wantRendered != nil {
				if err != nil {
					t.Fatal(err)
				}
				for _, name := range tt.wantRendered {
					if !strings.Contains(string(res.YAML), "name: "+name+"\n") {
						t.Errorf("ConfigMap %s not rendered:\n%s", name, res.YAML)
					}
				}
				return
			}
			if err == nil {
				t.Fatal("Render succeeded, want an error")
			}
			sources := manifest.SourceErrors(err)
			if len(sources) == 0 || sources[0].File != archiveFile {
				t.Errorf("error %q does not name %s", err, archiveFile)
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

func TestIsSubchartArchive(t *testing.T) {
	tests := map[string]bool{
		"charts/sub-1.0.0.tgz":              true,
		"charts/web/charts/big-1.0.0.tgz":   true,
		"charts/sub-1.0.0.tgz.prov":         false,
		"files/charts/sub-1.0.0.tgz":        false,
		"charts/web/files/sub-1.0.0.tgz":    false,
		"charts/web/templates/charts/x.tgz": false,
	}
	for name, want := range tests {
		if got := isSubchartArchive(name); got != want {
			t.Errorf("isSubchartArchive(%q) = %v, want %v", name, got, want)
		}
	}
}

func FuzzChartArchive(f *testing.F) {
	f.Add(chain(f, 2, []byte("x")))
	f.Add(chain(f, maxArchiveDepth+1, nil))
	f.Add(subchart(f, "c1", nil, tarEntry{name: "c1/../x", body: []byte("x")}))
	f.Add(subchart(f, "c1", nil, tarEntry{name: "c1/link", typ: tar.TypeSymlink}))
	f.Add(subchart(f, "c1", nil, tarEntry{name: "c1/values.schema.json", body: []byte(`{"type":"object"}`)}))
	f.Add([]byte("\x1f\x8b\x08"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c := newArchiveCheck(schemaFiles{})
		err := c.check("chart/charts/x.tgz", data)
		if err == nil {
			if c.entries < 0 || c.bytes < 0 {
				t.Fatalf("archive passed over budget: %d entries, %d bytes left", c.entries, c.bytes)
			}
			return
		}
		if se := manifest.SourceErrors(err); len(se) != 1 || se[0].File != "chart/charts/x.tgz" {
			t.Fatalf("error %q does not name the archive", err)
		}
	})
}
