package render

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"testing/fstest"

	"github.com/syncgate/syncgate/manifest"
)

// TestHelmOffline checks that templates get nothing from the network:
// getHostByName answers "" (install.EnableDNS stays false) and lookup an
// empty map (no cluster client), with a resolver and a kubeconfig that
// count any attempt.
func TestHelmOffline(t *testing.T) {
	var dials atomic.Int32
	resolver := net.DefaultResolver
	net.DefaultResolver = &net.Resolver{PreferGo: true, Dial: func(context.Context, string, string) (net.Conn, error) {
		dials.Add(1)
		return nil, errors.New("tests make no DNS queries")
	}}
	t.Cleanup(func() { net.DefaultResolver = resolver })
	addr, conns := listen(t)
	kubeconfig := filepath.Join(t.TempDir(), "kubeconfig")
	if err := os.WriteFile(kubeconfig, []byte("apiVersion: v1\nkind: Config\ncurrent-context: c\n"+
		"clusters: [{name: c, cluster: {server: 'https://"+addr+"'}}]\n"+
		"contexts: [{name: c, context: {cluster: c, user: u}}]\nusers: [{name: u, user: {token: t}}]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("KUBECONFIG", kubeconfig)

	tests := []struct {
		name     string
		template string
		want     string
	}{
		{name: "getHostByName", template: `host: {{ getHostByName "example.com" | quote }}`, want: `host: ""`},
		{name: "lookup", template: `secret: {{ lookup "v1" "Secret" "ns" "name" | toJson | quote }}`, want: `secret: "{}"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fsys := fstest.MapFS{
				"chart/Chart.yaml":        {Data: []byte("apiVersion: v2\nname: offline\nversion: 1.0.0\n")},
				"chart/templates/cm.yaml": {Data: []byte("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: offline\ndata:\n  " + tt.template + "\n")},
			}
			res, err := renderChart(t, fsys, "chart")
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(res.YAML), tt.want) {
				t.Errorf("rendered:\n%s\nwant %q", res.YAML, tt.want)
			}
		})
	}
	if n := dials.Load(); n > 0 {
		t.Errorf("rendering made %d DNS queries", n)
	}
	if n := conns.Load(); n > 0 {
		t.Errorf("rendering made %d connections to the kubeconfig's cluster", n)
	}
}

// TestChartSymlinkOutsideRoot checks that a chart file that is a symlink
// out of the repository fails, through the os.Root file system that
// callers render from, naming the file and echoing nothing of its target.
func TestChartSymlinkOutsideRoot(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"outside/secret.txt":    canary,
		"repo/chart/Chart.yaml": "apiVersion: v2\nname: link\nversion: 1.0.0\n",
		"repo/chart/templates/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: link\n" +
			"data:\n  secret: {{ .Files.Get \"link\" | quote }}\n",
	}
	for name, data := range files {
		name = filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(name, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink("../../outside/secret.txt", filepath.Join(dir, "repo/chart/link")); err != nil {
		t.Fatal(err)
	}
	root, err := os.OpenRoot(filepath.Join(dir, "repo"))
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()

	res, err := renderChart(t, root.FS(), "chart")
	if err == nil {
		t.Fatalf("Render succeeded, want an error:\n%s", res.YAML)
	}
	if sources := manifest.SourceErrors(err); len(sources) != 1 || sources[0].File != "chart/link" {
		t.Errorf("error %q does not name chart/link", err)
	}
	if strings.Contains(err.Error(), canary) {
		t.Errorf("error %q echoes the symlink's target", err)
	}
}
