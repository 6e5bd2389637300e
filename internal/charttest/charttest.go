// Package charttest builds a local Helm chart cache for tests: a tiny
// chart of syncgate's own, in several versions, laid out as helm repo
// update and helm pull leave $HELM_CACHE_HOME/repository.
package charttest

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"

	"helm.sh/helm/v4/pkg/chart/common"
	chart "helm.sh/helm/v4/pkg/chart/v2"
	chartutil "helm.sh/helm/v4/pkg/chart/v2/util"
	repov1 "helm.sh/helm/v4/pkg/repo/v1"
)

// RepoURL is the Helm repository the cache's index stands for, named
// RepoName in its repositories.yaml.
const (
	RepoURL  = "https://charts.example.com"
	RepoName = "example"
)

// Versions are the versions of the chart "hello" in the index; each has
// its archive in the cache. 0.3.0-rc.1 is a prerelease.
var Versions = []string{"0.1.0", "0.2.0", "0.3.0-rc.1", "1.0.0"}

// template renders one ConfigMap that shows the release, the chart
// version and a value.
const template = `apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}-hello
  namespace: {{ .Release.Namespace }}
data:
  version: {{ .Chart.Version | quote }}
  greeting: {{ .Values.greeting | quote }}
`

// Cache writes the chart cache into dir: hello-<version>.tgz for each of
// Versions, example-index.yaml listing them with their digests, and
// repositories.yaml naming example.
func Cache(tb testing.TB, dir string) {
	tb.Helper()
	index := repov1.NewIndexFile()
	for _, v := range Versions {
		ch := &chart.Chart{
			Metadata:  &chart.Metadata{APIVersion: chart.APIVersionV2, Name: "hello", Version: v, Type: "application"},
			Values:    map[string]any{"greeting": "hello"},
			Templates: []*common.File{{Name: "templates/configmap.yaml", Data: []byte(template)}},
			Raw:       []*common.File{{Name: "values.yaml", Data: []byte("greeting: hello\n")}},
		}
		file, err := chartutil.Save(ch, dir)
		if err != nil {
			tb.Fatal(err)
		}
		data, err := os.ReadFile(file)
		if err != nil {
			tb.Fatal(err)
		}
		sum := sha256.Sum256(data)
		if err := index.MustAdd(ch.Metadata, filepath.Base(file), RepoURL, hex.EncodeToString(sum[:])); err != nil {
			tb.Fatal(err)
		}
	}
	index.SortEntries()
	if err := index.WriteFile(filepath.Join(dir, RepoName+"-index.yaml"), 0o644); err != nil {
		tb.Fatal(err)
	}
	repos := repov1.NewFile()
	repos.Add(&repov1.Entry{Name: RepoName, URL: RepoURL})
	if err := repos.WriteFile(filepath.Join(dir, "repositories.yaml"), 0o644); err != nil {
		tb.Fatal(err)
	}
}
