package render

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"testing/fstest"

	"github.com/syncgate/syncgate/manifest"
)

// canary is in files outside the chart; no message may echo it.
const canary = "CANARY-7f3a"

// listen opens a listener that counts the connections it gets.
func listen(t *testing.T) (addr string, conns *atomic.Int32) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	conns = new(atomic.Int32)
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			conns.Add(1)
			c.Close()
		}
	}()
	return l.Addr().String(), conns
}

// schemaChart is a chart with one ConfigMap, a values.schema.json and
// values.yaml; extra adds or replaces files.
func schemaChart(schema, values string, extra fstest.MapFS) fstest.MapFS {
	fsys := fstest.MapFS{
		"chart/Chart.yaml":         {Data: []byte("apiVersion: v2\nname: demo\nversion: 1.0.0\n")},
		"chart/templates/cm.yaml":  {Data: []byte("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: demo\n")},
		"chart/values.schema.json": {Data: []byte(schema)},
		"chart/values.yaml":        {Data: []byte(values)},
		"outside.json":             {Data: []byte(`{"enum": ["` + canary + `"]}`)},
	}
	for name, f := range extra {
		fsys[name] = f
	}
	return fsys
}

func TestValuesSchema(t *testing.T) {
	addr, conns := listen(t)
	outside := filepath.Join(t.TempDir(), "outside.json")
	if err := os.WriteFile(outside, []byte(`{"enum": ["`+canary+`"]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	subchartSchema := []byte(`{"properties": {"port": {"type": "integer"}}}`)
	parentChart := &fstest.MapFile{Data: []byte("apiVersion: v2\nname: demo\nversion: 1.0.0\ndependencies:\n" +
		"- {name: sub, version: 1.0.0, condition: sub.enabled}\n")}
	tests := []struct {
		name string
		fsys fstest.MapFS
		// wantFile is where the error is; "" if the chart renders.
		wantFile string
		wantText []string
	}{
		{name: "valid", fsys: schemaChart(`{"properties": {"replicas": {"type": "integer"}}}`, "replicas: 3\n", nil)},
		{name: "rejects-value", fsys: schemaChart(`{"properties": {"replicas": {"type": "integer"}}}`, "replicas: three\n", nil),
			wantFile: "chart/values.schema.json", wantText: []string{`chart "demo": values do not match the schema`, "at '/replicas': got string, want integer"}},
		{name: "sibling-ref", fsys: schemaChart(`{"properties": {"replicas": {"$ref": "schemas/replicas.json"}}}`, "replicas: 3\n",
			fstest.MapFS{"chart/schemas/replicas.json": {Data: []byte(`{"type": "integer", "minimum": 1}`)}})},
		{name: "sibling-ref-rejects", fsys: schemaChart(`{"properties": {"replicas": {"$ref": "schemas/replicas.json"}}}`, "replicas: 0\n",
			fstest.MapFS{"chart/schemas/replicas.json": {Data: []byte(`{"type": "integer", "minimum": 1}`)}}),
			wantFile: "chart/values.schema.json", wantText: []string{"at '/replicas'", "minimum"}},
		{name: "ref-parent-path", fsys: schemaChart(`{"properties": {"replicas": {"$ref": "../../outside.json"}}}`, "replicas: 3\n", nil),
			wantFile: "chart/values.schema.json", wantText: []string{`"file:///outside.json": not a file of chart "demo"`}},
		{name: "ref-absolute-file", fsys: schemaChart(`{"properties": {"replicas": {"$ref": "file://`+filepath.ToSlash(outside)+`"}}}`, "replicas: 3\n", nil),
			wantFile: "chart/values.schema.json", wantText: []string{"not a file of chart", "may name only files inside its chart"}},
		{name: "ref-http", fsys: schemaChart(`{"properties": {"replicas": {"$ref": "http://`+addr+`/x.json"}}}`, "replicas: 3\n", nil),
			wantFile: "chart/values.schema.json", wantText: []string{`"http://` + addr + `/x.json": not a file of chart "demo"`}},
		{name: "ref-unknown-metaschema", fsys: schemaChart(`{"$schema": "https://`+addr+`/meta.json"}`, "{}\n", nil),
			wantFile: "chart/values.schema.json", wantText: []string{"not a file of chart"}},
		{name: "invalid-json-echoes-nothing", fsys: schemaChart(canary, "{}\n", nil),
			wantFile: "chart/values.schema.json", wantText: []string{"not valid JSON at byte 1"}},
		{name: "subchart", fsys: schemaChart("{}", "sub:\n  port: http\n", fstest.MapFS{
			"chart/Chart.yaml":                    parentChart,
			"chart/charts/sub/Chart.yaml":         {Data: []byte("apiVersion: v2\nname: sub\nversion: 1.0.0\n")},
			"chart/charts/sub/values.schema.json": {Data: subchartSchema},
		}), wantFile: "chart/charts/sub/values.schema.json", wantText: []string{`chart "sub"`, "at '/port': got string, want integer"}},
		{name: "subchart-disabled", fsys: schemaChart("{}", "sub:\n  enabled: false\n  port: http\n", fstest.MapFS{
			"chart/Chart.yaml":                    parentChart,
			"chart/charts/sub/Chart.yaml":         {Data: []byte("apiVersion: v2\nname: sub\nversion: 1.0.0\n")},
			"chart/charts/sub/values.schema.json": {Data: subchartSchema},
		})},
		{name: "archived-subchart", fsys: schemaChart("{}", "sub:\n  port: http\n", fstest.MapFS{
			"chart/Chart.yaml": parentChart,
			"chart/charts/sub-1.0.0.tgz": {Data: subchart(t, "sub", nil,
				tarEntry{name: "sub/values.schema.json", body: subchartSchema})},
		}), wantFile: "chart/charts/sub-1.0.0.tgz", wantText: []string{`sub/values.schema.json: chart "sub"`, "at '/port'"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := renderChart(t, tt.fsys, "chart")
			if tt.wantFile == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil {
				t.Fatal("Render succeeded, want an error")
			}
			if sources := manifest.SourceErrors(err); len(sources) != 1 || sources[0].File != tt.wantFile {
				t.Errorf("error %q is not at %s", err, tt.wantFile)
			}
			for _, want := range tt.wantText {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not contain %q", err, want)
				}
			}
			if strings.Contains(err.Error(), canary) {
				t.Errorf("error %q echoes a file's content", err)
			}
		})
	}
	if n := conns.Load(); n > 0 {
		t.Errorf("schema validation made %d connections", n)
	}
}
