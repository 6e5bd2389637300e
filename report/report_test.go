package report

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/syncgate/syncgate"
	"github.com/syncgate/syncgate/internal/golden"
	"github.com/syncgate/syncgate/manifest"
	"github.com/syncgate/syncgate/render"
)

// blocked is a decision with findings from every stage, with and without
// file, line, object and field, at every severity, and failed targets: one
// with findings, one (as a Decision not built by Gate.Check may have) without.
func blocked() *syncgate.Decision {
	web := &manifest.ObjectRef{APIVersion: "apps/v1", Kind: "Deployment", Namespace: "prod", Name: "web"}
	webStaging := &manifest.ObjectRef{APIVersion: "apps/v1", Kind: "Deployment", Namespace: "staging", Name: "web-stg"}
	db := &manifest.ObjectRef{APIVersion: "v1", Kind: "Secret", Namespace: "prod", Name: "db"}
	ns := &manifest.ObjectRef{APIVersion: "v1", Kind: "Namespace", Name: "prod"}
	findings := []manifest.Finding{
		{Rule: "render/failed", Severity: manifest.SeverityError, Target: "charts/api", File: "charts/api/templates/deploy.yaml", Line: 7,
			Message: "template: api/templates/deploy.yaml:7:12: executing \"api/templates/deploy.yaml\" at <.Values.image.tag>:\n  nil pointer evaluating interface {}.tag"},
		{Rule: "schema/unknown-field", Severity: manifest.SeverityError, Target: "apps/web/overlays/prod", Object: web,
			Field: "spec.template.spec.image", File: "apps/web/base/patch.yaml", Line: 19, Message: "unknown field",
			Related: []manifest.Location{{File: "apps/web/base/deployment.yaml", Line: 1, Why: "where the object is defined"}},
			Targets: []manifest.Occurrence{{Target: "apps/web/overlays/prod", Object: web}, {Target: "apps/web/overlays/staging", Object: webStaging}}},
		{Rule: "policy/main/require-limits", Severity: manifest.SeverityWarning, Target: "apps/web/overlays/prod", Object: web,
			Field: "spec.template.spec.containers[0].resources", File: "apps/web/base/deployment.yaml",
			Message: `container "web": no limits | cpu, memory: 100% of nodes at risk`},
		{Rule: "schema/deprecated-api", Severity: manifest.SeverityInfo, Target: "clusters/prod", Object: ns,
			File: "clusters/prod/namespace.yaml", Line: 1, Message: "v1 Namespace <ok> & fine; shown for information"},
		{Rule: "secrets/plaintext-secret", Severity: manifest.SeverityError, Target: "clusters/prod", Object: db,
			File: "clusters/prod/secret.yaml", Line: 3, Message: "Secret prod/db holds plaintext data (keys: password); encrypt it with SOPS"},
		{Rule: "policy/eval-error", Severity: manifest.SeverityError, Target: "clusters/prod",
			Message: "policy main: evaluation exceeded its deadline"},
		{Rule: "config/expired-exception", Severity: manifest.SeverityWarning,
			Message: "exception for policy/main/require-limits expired on 2026-01-01"},
	}
	manifest.SortFindings(findings)
	return &syncgate.Decision{
		Allowed:  false,
		Findings: findings,
		Targets: []syncgate.TargetResult{
			{Name: "apps/web/overlays/prod", Kind: render.KindKustomize, Path: "apps/web/overlays/prod", Objects: 12},
			{Name: "charts/api", Kind: render.KindHelm, Path: "charts/api",
				Error: "charts/api/templates/deploy.yaml:7: template: api/templates/deploy.yaml:7:12: nil pointer"},
			{Name: "clusters/prod", Kind: render.KindManifests, Path: "clusters/prod", Objects: 4},
			{Name: "platform/dns", Kind: render.KindHelm, Path: "platform/dns",
				Error: "render worker exceeded its memory limit"},
			{Name: "platform/ingress", Kind: render.KindKustomize, Path: "platform/ingress", Objects: 9},
		},
		Waived: []syncgate.Waived{{
			Finding: manifest.Finding{Rule: "policy/host-network", Severity: manifest.SeverityError, Target: "platform/ingress",
				Message: "pod shares the host's network namespace", Object: ns, File: "platform/ingress/daemonset.yaml", Line: 3},
			Reason: "the ingress controller binds the node's ports", By: ".syncgate.yaml:12",
		}},
		Overrides: []syncgate.Override{{Rule: "schema/deprecated-api", Severity: manifest.SeverityWarning, By: ".syncgate.yaml:7", Findings: 1}},
		Stats:     syncgate.Stats{Targets: 5, Objects: 25, Render: 900 * time.Millisecond, Total: 1234 * time.Millisecond},
	}
}

// allowed is a clean decision: nothing to report but the counts.
func allowed() *syncgate.Decision {
	return &syncgate.Decision{
		Allowed: true,
		Targets: []syncgate.TargetResult{{Name: "apps/web", Kind: render.KindKustomize, Path: "apps/web", Objects: 3}},
		Stats:   syncgate.Stats{Targets: 1, Objects: 3, Total: 40 * time.Millisecond},
	}
}

// noisy is a large run: more rules than the by-rule summary lists, and
// more warnings than it takes for the summary to say how to tune them.
func noisy() *syncgate.Decision {
	d := &syncgate.Decision{Stats: syncgate.Stats{Targets: 3, Objects: 40}}
	add := func(rule string, severity manifest.Severity, n int) {
		for i := range n {
			d.Findings = append(d.Findings, manifest.Finding{Rule: rule, Severity: severity, Target: "apps/web",
				File: "apps/web/deployment.yaml", Line: i + 1, Message: fmt.Sprintf("%s #%d", rule, i+1)})
		}
	}
	add("policy/cpu-requests-missing", manifest.SeverityWarning, 9)
	add("policy/memory-limits-missing", manifest.SeverityWarning, 9)
	add("schema/unknown-field", manifest.SeverityError, 4)
	add("policy/image-tag-latest", manifest.SeverityWarning, 3)
	for i := range 9 {
		add(fmt.Sprintf("policy/main/rule-%02d", i), manifest.SeverityError, 1)
	}
	add("policy/cpu-limits-missing", manifest.SeverityInfo, 2)
	manifest.SortFindings(d.Findings)
	return d
}

// extensions name each format's golden files.
var extensions = map[Format]string{Text: "txt", JSON: "json", SARIF: "sarif", JUnit: "xml", GitHub: "github.txt", Markdown: "md"}

func TestGolden(t *testing.T) {
	rules := Catalog{{ID: "schema/unknown-field", Severity: manifest.SeverityError,
		Summary: "Fields must exist in the object's schema", Description: "The API server prunes or rejects fields its schema does not declare.",
		Remediation: "Remove the field or fix its spelling.", HelpURI: "https://example.com/rules/schema/unknown-field"}}
	tests := []struct {
		name string
		d    *syncgate.Decision
		opts Options
		// formats default to all of them.
		formats []Format
	}{
		{name: "blocked", d: blocked(), opts: Options{Rules: rules, ToolVersion: "v0.1.0"}},
		{name: "allowed", d: allowed()},
		{name: "blocked-color", d: blocked(), opts: Options{Color: true}, formats: []Format{Text}},
		{name: "blocked-quiet", d: blocked(), opts: Options{Quiet: true}, formats: []Format{Text}},
		{name: "allowed-quiet", d: allowed(), opts: Options{Quiet: true}, formats: []Format{Text}},
		{name: "noisy", d: noisy(), formats: []Format{Text, Markdown}},
		{name: "noisy-quiet", d: noisy(), opts: Options{Quiet: true}, formats: []Format{Text}},
	}
	for _, tt := range tests {
		formats := tt.formats
		if formats == nil {
			formats = Formats
		}
		for _, f := range formats {
			t.Run(tt.name+"/"+string(f), func(t *testing.T) {
				var out bytes.Buffer
				if err := Write(&out, tt.d, f, tt.opts); err != nil {
					t.Fatal(err)
				}
				golden.Assert(t, filepath.Join("testdata", tt.name+"."+extensions[f]), out.Bytes())
			})
		}
	}
}

func TestUnknownFormat(t *testing.T) {
	err := Write(&bytes.Buffer{}, allowed(), "xml", Options{})
	if err == nil {
		t.Fatal("no error for format xml")
	}
	for _, f := range Formats {
		if !strings.Contains(err.Error(), string(f)) {
			t.Errorf("error %q does not list format %s", err, f)
		}
	}
	for _, f := range Formats {
		if _, err := ParseFormat(string(f)); err != nil {
			t.Errorf("ParseFormat(%s): %v", f, err)
		}
	}
	if len(writers) != len(Formats) {
		t.Errorf("%d writers for %d formats: Formats must list every one", len(writers), len(Formats))
	}
}

// TestPure checks that every format is a function of the Decision and
// its Options alone: it neither changes the Decision nor reads the
// environment or the files findings name, so a value that is in neither
// cannot reach the output. The secrets canary builds on this: a secret
// can leave only through a Decision field.
func TestPure(t *testing.T) {
	const canary = "CANARY-6f1d2c-not-in-the-decision"
	t.Setenv("SYNCGATE_CANARY", canary)
	t.Setenv("GITHUB_WORKSPACE", canary)
	dir := t.TempDir()
	for _, f := range blocked().Findings {
		if f.File == "" {
			continue
		}
		p := filepath.Join(dir, filepath.FromSlash(f.File))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(strings.Repeat(canary+"\n", 40)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Chdir(dir)
	for _, f := range Formats {
		for _, opts := range []Options{{}, {Color: true, Quiet: true, ToolVersion: "v1"}} {
			d := blocked()
			var first, second bytes.Buffer
			if err := Write(&first, d, f, opts); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(blocked(), d); diff != "" {
				t.Errorf("%s changed the decision (-before +after):\n%s", f, diff)
			}
			if strings.Contains(first.String(), canary) {
				t.Errorf("%s output holds a value from outside the decision:\n%s", f, first.String())
			}
			if err := Write(&second, d, f, opts); err != nil {
				t.Fatal(err)
			}
			if first.String() != second.String() {
				t.Errorf("%s gives different output for the same decision", f)
			}
		}
	}
}

// TestMessagesReachEveryFormat checks the other half of the contract: no
// format drops a finding. Each message is a distinct marker.
func TestMessagesReachEveryFormat(t *testing.T) {
	d := blocked()
	for i := range d.Findings {
		d.Findings[i].Message = "marker-" + d.Findings[i].Rule
	}
	for _, f := range Formats {
		var out bytes.Buffer
		if err := Write(&out, d, f, Options{}); err != nil {
			t.Fatal(err)
		}
		for _, finding := range d.Findings {
			if !strings.Contains(out.String(), finding.Message) {
				t.Errorf("%s output lacks the finding %s", f, finding.Rule)
			}
		}
	}
}

// TestTextPrintable checks that text from a repository cannot act on the
// terminal or the CI log that shows the text format.
func TestTextPrintable(t *testing.T) {
	d := &syncgate.Decision{Findings: []manifest.Finding{{
		Rule: "policy/main/deny", Severity: manifest.SeverityError, Target: "apps\n::warning::fake target",
		File:    "a.yaml",
		Message: "first line\n::error file=x.yaml::forged annotation\x1b[2J\r\u202eesrever\u0085end",
	}}}
	var out bytes.Buffer
	if err := Write(&out, d, Text, Options{Color: true}); err != nil {
		t.Fatal(err)
	}
	s := out.String()
	for _, bad := range []string{"\n::", "\x1b[2J", "\r", "\u202e", "\u0085"} {
		if strings.Contains(s, bad) {
			t.Errorf("text output holds %q:\n%s", bad, s)
		}
	}
	for _, want := range []string{`\x1b[2J`, `\x0d`, `\u202e`, `\x85`, "\n      ::error file=x.yaml::forged annotation"} {
		if !strings.Contains(s, want) {
			t.Errorf("text output lacks %q:\n%s", want, s)
		}
	}
}

func TestSummarize(t *testing.T) {
	finding := func(rule string, severity manifest.Severity) manifest.Finding {
		return manifest.Finding{Rule: rule, Severity: severity}
	}
	repeat := func(n int, f manifest.Finding) []manifest.Finding {
		out := make([]manifest.Finding, n)
		for i := range out {
			out[i] = f
		}
		return out
	}
	// many has topRules+2 rules of one finding each, a-00 to a-11.
	var many []manifest.Finding
	for i := range topRules + 2 {
		many = append(many, finding(fmt.Sprintf("a-%02d", i), manifest.SeverityInfo))
	}
	tests := []struct {
		name     string
		findings []manifest.Finding
		want     ruleSummary
		wantHint bool
	}{
		{name: "none", want: ruleSummary{}},
		{
			name: "most findings first, then most severe, then by ID",
			findings: []manifest.Finding{
				finding("b", manifest.SeverityWarning), finding("c", manifest.SeverityInfo), finding("c", manifest.SeverityInfo),
				finding("a", manifest.SeverityWarning), finding("d", manifest.SeverityError),
			},
			want: ruleSummary{top: []ruleCount{{"c", manifest.SeverityInfo, 2}, {"d", manifest.SeverityError, 1}, {"a", manifest.SeverityWarning, 1}, {"b", manifest.SeverityWarning, 1}}, warnings: 2},
		},
		{
			name:     "a rule's most severe finding",
			findings: []manifest.Finding{finding("a", manifest.SeverityInfo), finding("a", manifest.SeverityError), finding("a", manifest.SeverityWarning)},
			want:     ruleSummary{top: []ruleCount{{"a", manifest.SeverityError, 3}}, warnings: 1},
		},
		{
			name:     "rules past the top ones counted together",
			findings: append(repeat(3, finding("z", manifest.SeverityInfo)), many...),
			want: ruleSummary{top: []ruleCount{{"z", manifest.SeverityInfo, 3}, {"a-00", manifest.SeverityInfo, 1}, {"a-01", manifest.SeverityInfo, 1},
				{"a-02", manifest.SeverityInfo, 1}, {"a-03", manifest.SeverityInfo, 1}, {"a-04", manifest.SeverityInfo, 1}, {"a-05", manifest.SeverityInfo, 1},
				{"a-06", manifest.SeverityInfo, 1}, {"a-07", manifest.SeverityInfo, 1}, {"a-08", manifest.SeverityInfo, 1}}, restRules: 3, restCount: 3},
		},
		{
			name:     "as many warnings as it takes to say nothing",
			findings: repeat(manyWarnings, finding("w", manifest.SeverityWarning)),
			want:     ruleSummary{top: []ruleCount{{"w", manifest.SeverityWarning, manyWarnings}}, warnings: manyWarnings},
		},
		{
			name:     "one warning more gives the hint",
			findings: repeat(manyWarnings+1, finding("w", manifest.SeverityWarning)),
			want:     ruleSummary{top: []ruleCount{{"w", manifest.SeverityWarning, manyWarnings + 1}}, warnings: manyWarnings + 1},
			wantHint: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := summarize(tt.findings)
			if diff := cmp.Diff(tt.want, got, cmp.AllowUnexported(ruleSummary{}, ruleCount{})); diff != "" {
				t.Errorf("summarize (-want +got):\n%s", diff)
			}
			if hint := got.tuneHint(func(s string) string { return s }); (hint != "") != tt.wantHint {
				t.Errorf("tuneHint = %q, want a hint: %v", hint, tt.wantHint)
			}
		})
	}
}
