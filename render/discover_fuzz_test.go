package render

import (
	"io/fs"
	"testing"
	"testing/fstest"
)

// FuzzDiscover runs discovery over a repository whose kustomization and
// Chart.yaml are fuzzed: it must not panic, and every target it returns
// must be a directory of the repository.
func FuzzDiscover(f *testing.F) {
	f.Add([]byte("resources: [../base, configmap.yaml]\nhelmCharts: [{name: web, valuesFile: v.yaml}]\n"),
		[]byte("apiVersion: v2\nname: web\nversion: 0.1.0\ndependencies: [{name: lib, repository: file://../lib}]\n"))
	f.Add([]byte("components: [../../x]\nbases: [github.com/org/repo//dir?ref=v1]\n"), []byte("name: web\n"))
	f.Add([]byte("a: &a [*a]\n"), []byte("dependencies: {name: 1}\n"))
	f.Fuzz(func(t *testing.T, kustomization, chart []byte) {
		fsys := fstest.MapFS{
			"apps/web/kustomization.yaml":  {Data: kustomization},
			"apps/web/configmap.yaml":      {Data: []byte("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n")},
			"apps/base/kustomization.yaml": {Data: []byte("resources: []\n")},
			"charts/web/Chart.yaml":        {Data: chart},
			"charts/web/values.yaml":       {Data: []byte("replicas: 1\n")},
			"charts/lib/Chart.yaml":        {Data: []byte("apiVersion: v2\nname: lib\nversion: 0.1.0\n")},
		}
		targets, err := Discover(fsys, ".")
		if err != nil {
			return
		}
		for _, target := range targets {
			info, err := fs.Stat(fsys, target.Path)
			if err != nil || !info.IsDir() {
				t.Errorf("target %q: path %q is not a directory of the repository", target.Name, target.Path)
			}
		}
	})
}
