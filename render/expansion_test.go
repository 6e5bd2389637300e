package render

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"
	"helm.sh/helm/v4/pkg/chart/v2/loader"

	"github.com/syncgate/syncgate/manifest"
)

// defineChain writes templates c.t0 ("x") to c.t<n>, one per line, each of which
// calls the one below with body, where %[1]s is the name below.
func defineChain(n int, body string) string {
	var b strings.Builder
	b.WriteString(`{{- define "c.t0" -}}x{{- end -}}` + "\n")
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, `{{- define "c.t%d" -}}%s{{- end -}}`+"\n", i, fmt.Sprintf(body, fmt.Sprintf("c.t%d", i-1)))
	}
	return b.String()
}

func reverseLines(s string) string {
	lines := strings.Split(strings.TrimSuffix(s, "\n"), "\n")
	slices.Reverse(lines)
	return strings.Join(lines, "\n")
}

func TestTemplateExpansion(t *testing.T) {
	const twice = `{{ include %[1]q . }}{{ include %[1]q . }}`
	type result struct {
		Calls, Text int64
		// File, Line and Template are where a refused chart went over.
		File     string
		Line     int
		Template string
	}
	tests := []struct {
		name  string
		files map[string]string // under chart/
		want  result
	}{{
		name: "linear chain",
		files: map[string]string{
			"templates/_chain.tpl": defineChain(30, `{{ include %q . }}`),
			"templates/cm.yaml":    `{{ include "c.t30" . }}`,
		},
		want: result{Calls: 31, Text: 1},
	}, {
		name: "binary tree under the bound",
		files: map[string]string{
			"templates/_chain.tpl": defineChain(18, twice),
			"templates/cm.yaml":    `{{ include "c.t18" . }}`,
		},
		want: result{Calls: 1<<19 - 1, Text: 1 << 18},
	}, {
		// t19 is the first to expand more than 1,000,000 templates:
		// 2^20-2 calls; t18 expands 2^19-2.
		name: "binary tree over the bound",
		files: map[string]string{
			"templates/_chain.tpl": defineChain(30, twice),
			"templates/cm.yaml":    `{{ include "c.t30" . }}`,
		},
		want: result{Calls: 1<<31 - 1, Text: 1 << 30, File: "chart/templates/_chain.tpl", Line: 20, Template: "c.t19"},
	}, {
		name: "template action counts as include",
		files: map[string]string{
			"templates/_chain.tpl": defineChain(30, `{{ template %[1]q . }}{{ template %[1]q . }}`),
			"templates/cm.yaml":    `{{ template "c.t30" . }}`,
		},
		want: result{Calls: 1<<31 - 1, Text: 1 << 30, File: "chart/templates/_chain.tpl", Line: 20, Template: "c.t19"},
	}, {
		// Each level is a tpl call holding two includes: 3(2^k-1) calls.
		name: "tpl of constant text",
		files: map[string]string{
			"templates/_chain.tpl": defineChain(30, `{{ tpl "{{ include \"%[1]s\" . }}{{ include \"%[1]s\" . }}" . }}`),
			"templates/cm.yaml":    `{{ include "c.t30" . }}`,
		},
		want: result{Calls: 3*(1<<30-1) + 1, Text: 1 << 30, File: "chart/templates/_chain.tpl", Line: 20, Template: "c.t19"},
	}, {
		// The same, the top template first: the one named is still where
		// the expansion crosses the bound, not the first over it.
		name: "tpl of constant text, top first",
		files: map[string]string{
			"templates/_chain.tpl": reverseLines(defineChain(30, `{{ tpl "{{ include \"%[1]s\" . }}{{ include \"%[1]s\" . }}" . }}`)),
			"templates/cm.yaml":    `{{ include "c.t30" . }}`,
		},
		want: result{Calls: 3*(1<<30-1) + 1, Text: 1 << 30, File: "chart/templates/_chain.tpl", Line: 12, Template: "c.t19"},
	}, {
		name: "range over a constant",
		files: map[string]string{
			"templates/_chain.tpl": defineChain(30, `{{ range until 2 }}{{ include %q $ }}{{ end }}`),
			"templates/cm.yaml":    `{{ include "c.t30" . }}`,
		},
		want: result{Calls: 1<<31 - 1, Text: 1 << 30, File: "chart/templates/_chain.tpl", Line: 20, Template: "c.t19"},
	}, {
		// 2000 times 40,000 bytes is over 64 MiB; no template is over on
		// its own but the file that ranges.
		name: "constant text",
		files: map[string]string{
			"templates/_big.tpl": `{{- define "c.big" -}}` + strings.Repeat("x", 40000) + `{{- end -}}`,
			"templates/cm.yaml":  "a: 1\n{{ range 2000 }}{{ include \"c.big\" . }}{{ end }}",
		},
		want: result{Calls: 2000, Text: 2000*40000 + 5, File: "chart/templates/cm.yaml", Line: 1, Template: "c/templates/cm.yaml"},
	}, {
		name: "branches count the larger",
		files: map[string]string{
			"templates/_chain.tpl": defineChain(18, twice),
			"templates/cm.yaml":    `{{ if .Values.a }}{{ include "c.t18" . }}{{ else }}{{ include "c.t17" . }}{{ include "c.t17" . }}{{ end }}`,
		},
		want: result{Calls: 1<<19 - 1, Text: 1 << 18},
	}, {
		// Recursion stops on values (here a counter), and Helm cuts it at
		// a depth of 1000: it counts one pass, and the time limit stops
		// the rest.
		name: "recursion counts one pass",
		files: map[string]string{
			"templates/_twice.tpl": `{{- define "c.twice" -}}{{ if lt (int .) 64 }}{{ include "c.twice" (add1 .) }}{{ include "c.twice" (add1 .) }}{{ else }}x{{ end }}{{- end -}}`,
			"templates/cm.yaml":    `{{ include "c.twice" 0 }}`,
		},
		want: result{Calls: 3, Text: 1},
	}, {
		name: "computed name counts one call",
		files: map[string]string{
			"templates/_chain.tpl": defineChain(30, twice),
			"templates/cm.yaml":    `{{ include (print "c.t" 30) . }}`,
		},
		want: result{Calls: 1},
	}, {
		// A subchart's define and its parent's: the larger one counts.
		name: "redefined in a subchart",
		files: map[string]string{
			"templates/_name.tpl":          `{{- define "c.name" -}}{{ include "c.t2" . }}{{- end -}}`,
			"templates/_chain.tpl":         defineChain(2, twice),
			"templates/cm.yaml":            `{{ include "c.name" . }}`,
			"charts/sub/Chart.yaml":        "apiVersion: v2\nname: sub\nversion: 0.1.0\n",
			"charts/sub/templates/_n.tpl":  `{{- define "c.name" -}}{{ include "c.t1" . }}{{- end -}}`,
			"charts/sub/templates/cm.yaml": `{{ include "c.name" . }}`,
		},
		want: result{Calls: 16, Text: 8},
	}, {
		// A library chart of helpers, as charts vendor bitnami's common:
		// helpers call helpers, every file calls several.
		name: "helper library",
		files: map[string]string{
			"charts/common/Chart.yaml": "apiVersion: v2\nname: common\nversion: 0.1.0\ntype: library\n",
			"charts/common/templates/_names.tpl": `{{- define "common.names.name" -}}{{ .Chart.Name | trunc 63 }}{{- end -}}
{{- define "common.names.fullname" -}}{{ include "common.names.name" . }}-{{ .Release.Name }}{{- end -}}
{{- define "common.labels.standard" -}}
app: {{ include "common.names.name" . }}
instance: {{ .Release.Name }}
{{- end -}}
{{- define "common.labels.matchLabels" -}}
{{ include "common.labels.standard" . }}
{{- end -}}`,
			"charts/common/templates/unused.yaml": `{{ include "common.names.name" . }}`,
			"templates/deployment.yaml": `metadata:
  name: {{ include "common.names.fullname" . }}
  labels: {{- include "common.labels.standard" . | nindent 4 }}
spec:
  selector:
    matchLabels: {{- include "common.labels.matchLabels" . | nindent 6 }}
  {{- range .Values.containers }}
  - name: {{ include "common.names.name" $ }}
  {{- end }}`,
		},
		// Calls: fullname 2, standard 2, matchLabels 3, name 1. Text:
		// deployment.yaml 74, fullname 1, standard 16 twice.
		want: result{Calls: 8, Text: 107},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fsys := fstest.MapFS{"chart/Chart.yaml": {Data: []byte("apiVersion: v2\nname: c\nversion: 0.1.0\n")}}
			for name, text := range tt.files {
				fsys["chart/"+name] = &fstest.MapFile{Data: []byte(text)}
			}
			ch, err := newChartLoader(fsys, manifest.DefaultLimits()).load("chart", 0)
			if err != nil {
				t.Fatal(err)
			}
			cost, err := templateExpansion("chart", ch)
			got := result{Calls: cost.calls, Text: cost.text}
			if err != nil {
				if !errors.Is(err, manifest.ErrLimit) {
					t.Fatalf("error does not wrap manifest.ErrLimit: %v", err)
				}
				var se *manifest.SourceError
				if !errors.As(err, &se) {
					t.Fatalf("error is not a SourceError: %v", err)
				}
				got.File, got.Line = se.File, se.Line
				if _, after, ok := strings.Cut(se.Err.Error(), `template "`); ok {
					got.Template, _, _ = strings.Cut(after, `"`)
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("templateExpansion (-want +got):\n%s\nerror: %v", diff, err)
			}
		})
	}
}

// TestTemplateExpansionRealCharts measures every chart under testdata/
// (but testdata/real) and examples/, and under the directories in $SYNCGATE_CHARTS (separated
// by the path-list separator; for example the charts of Go modules in the
// module cache), and fails if one of them is refused. Run with -v for the
// figures.
func TestTemplateExpansionRealCharts(t *testing.T) {
	roots := []string{"testdata", "../testdata", "../examples"}
	roots = append(roots, filepath.SplitList(os.Getenv("SYNCGATE_CHARTS"))...)
	var dirs []string
	for _, root := range roots {
		err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if !d.IsDir() {
				return nil
			}
			// testdata/real is fetched by make accuracy, not in every
			// clone: SYNCGATE_CHARTS=../testdata/real measures it.
			if d.Name() == "hostile" || p != root && p == filepath.Join("..", "testdata", "real") {
				return fs.SkipDir
			}
			if _, err := os.Stat(filepath.Join(p, "Chart.yaml")); err == nil {
				dirs = append(dirs, p)
				return fs.SkipDir // subcharts load with their parent
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	var calls, text templateCost
	measured := 0
	for _, dir := range dirs {
		// Helm's own loader: it leaves out dependencies that are not
		// vendored, and the chart's own templates are still measured.
		ch, err := loader.Load(dir)
		if err != nil {
			t.Logf("not measured: %s: %v", dir, err) // loading is other tests' business
			continue
		}
		cost, err := templateExpansion(dir, ch)
		if err != nil {
			t.Errorf("%s: %v", dir, err)
			continue
		}
		measured++
		if cost.calls > calls.calls {
			calls = cost
		}
		if cost.text > text.text {
			text = cost
		}
		t.Logf("%8d calls %10d bytes  %s", cost.calls, cost.text, dir)
	}
	t.Logf("%d charts: most calls %d (bound %d), most text %d bytes (bound %d)",
		measured, calls.calls, maxTemplateCalls, text.text, maxTemplateText)
	if measured == 0 || !slices.ContainsFunc(dirs, func(d string) bool { return strings.HasPrefix(d, "../examples") }) {
		t.Errorf("measured %d charts; the example repository's charts are missing", measured)
	}
}

// FuzzTemplateExpansion measures a chart whose helpers and template are
// fuzzed: it must not panic, must give the same answer twice, and a
// refusal must wrap manifest.ErrLimit and name a file of the chart.
func FuzzTemplateExpansion(f *testing.F) {
	f.Add(defineChain(30, `{{ include %[1]q . }}{{ include %[1]q . }}`), `{{ include "c.t30" . }}`)
	f.Add(defineChain(3, `{{ tpl "{{ include \"%[1]s\" . }}" . }}{{ template %[1]q . }}`), `{{ range until 3 }}{{ include "c.t3" . }}{{ end }}`)
	f.Add(`{{- define "c.a" -}}{{ include "c.a" . }}{{ block "c.b" . }}{{ include "c.a" . }}{{ end }}{{- end -}}`, `{{ if . }}{{ include (print "c." "a") . }}{{ else }}{{ range 7 }}x{{ end }}{{ end }}`)
	f.Fuzz(func(t *testing.T, helpers, template string) {
		fsys := fstest.MapFS{
			"chart/Chart.yaml":             {Data: []byte("apiVersion: v2\nname: c\nversion: 0.1.0\n")},
			"chart/templates/_helpers.tpl": {Data: []byte(helpers)},
			"chart/templates/cm.yaml":      {Data: []byte(template)},
		}
		ch, err := newChartLoader(fsys, manifest.DefaultLimits()).load("chart", 0)
		if err != nil {
			return
		}
		cost, err := templateExpansion("chart", ch)
		again, errAgain := templateExpansion("chart", ch)
		if cost != again || fmt.Sprint(err) != fmt.Sprint(errAgain) {
			t.Errorf("two measurements differ: %v %v, then %v %v", cost, err, again, errAgain)
		}
		if err == nil {
			return
		}
		var se *manifest.SourceError
		if !errors.Is(err, manifest.ErrLimit) || !errors.As(err, &se) || !strings.HasPrefix(se.File, "chart/") {
			t.Errorf("refusal %v does not wrap manifest.ErrLimit with a file of the chart", err)
		}
	})
}
