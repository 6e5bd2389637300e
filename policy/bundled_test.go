package policy

import (
	"context"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/syncgate/syncgate/internal/rendertest"
	"github.com/syncgate/syncgate/manifest"
)

// renderRepo renders every target under dir in-process and returns the
// objects of each target.
func renderRepo(t testing.TB, dir string) [][]*manifest.Object {
	t.Helper()
	var objects [][]*manifest.Object
	for _, res := range rendertest.All(t, os.DirFS(dir)) {
		if res.Err != nil {
			t.Fatalf("%s: %v", res.Target.Name, res.Err)
		}
		objects = append(objects, res.Objects)
	}
	return objects
}

// bundledFindings evaluates the bundled library alone on each target.
func bundledFindings(t *testing.T, e *Engine, targets [][]*manifest.Object) []manifest.Finding {
	t.Helper()
	var findings []manifest.Finding
	for _, objects := range targets {
		findings = append(findings, e.Evaluate(context.Background(), objects)...)
	}
	return findings
}

// Every bundled check fires on the broken example or the fixtures, and
// none fires on the example that is meant to pass.
func TestBundledOnExamples(t *testing.T) {
	e, err := Load(context.Background(), Options{Bundled: true, Namespaces: []string{"none"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range bundledFindings(t, e, renderRepo(t, "../examples/gitops-repo")) {
		t.Errorf("gitops-repo: %s %s: %s (%s:%d)", f.Rule, f.Object, f.Message, f.File, f.Line)
	}
	fired := map[string]bool{}
	for _, dir := range []string{"../examples/broken", "../testdata/policy/bundled"} {
		for _, f := range bundledFindings(t, e, renderRepo(t, dir)) {
			if f.Rule == "policy/eval-error" {
				t.Errorf("%s: %s %s: %s", dir, f.Rule, f.Object, f.Message)
			}
			if testing.Verbose() && !fired[f.Rule] {
				t.Logf("%s: %s %s: %s", dir, f.Rule, f.Object, f.Message)
			}
			fired[f.Rule] = true
		}
	}
	for _, r := range e.Rules() {
		// Change policies see changes, not objects: TestEvaluateChanges
		// and their Rego tests make them fire.
		if !fired[r.ID] && !strings.HasPrefix(r.Package, bundledChangesPrefix+".") {
			t.Errorf("%s fires neither on examples/broken nor on testdata/policy/bundled", r.ID)
		}
	}
}

// The bundled checks carry what the docs and reports need.
func TestBundledRules(t *testing.T) {
	e, err := Load(context.Background(), Options{Bundled: true})
	if err != nil {
		t.Fatal(err)
	}
	rules := e.Rules()
	if len(rules) < 30 {
		t.Errorf("%d bundled checks, want at least 30", len(rules))
	}
	var ids []string
	for _, r := range rules {
		ids = append(ids, r.ID)
		if !strings.HasPrefix(r.ID, "policy/") || strings.Count(r.ID, "/") != 1 || strings.ToLower(r.ID) != r.ID {
			t.Errorf("%s: want an ID policy/<kebab-case>", r.ID)
		}
		if r.Title == "" || r.Description == "" || r.Remediation == "" || r.Severity == "" || !(strings.HasPrefix(r.Package, bundledPrefix+".") || strings.HasPrefix(r.Package, bundledChangesPrefix+".")) {
			t.Errorf("%s: incomplete metadata %+v", r.ID, r)
		}
	}
	if len(slices.Compact(ids)) != len(rules) {
		t.Errorf("duplicate IDs in %v", ids)
	}
}

// The library's Rego unit tests pass, and every check has at least one
// test that makes it fire and one that keeps it quiet.
func TestBundledRegoTests(t *testing.T) {
	results, err := RunTests(context.Background(), Options{Bundled: true})
	if err != nil {
		t.Fatal(err)
	}
	perCheck := map[string]int{}
	for _, r := range results {
		if r.Outcome != TestPass {
			t.Errorf("%s (%s:%d): %s %s\n%s", r, r.File, r.Line, r.Outcome, r.Err, r.Output)
		}
		// data.syncgate.checks_test.x tests syncgate.checks.x.
		perCheck[strings.Replace(strings.TrimPrefix(r.Package, "data."), "_test.", ".", 1)]++
	}
	e, err := Load(context.Background(), Options{Bundled: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range e.Rules() {
		if n := perCheck[r.Package]; n < 2 {
			t.Errorf("%s has %d tests, want a firing and a passing one at least", r.ID, n)
		}
	}
}

// The stage registry lists the bundled checks and policy/eval-error.
func TestStageRules(t *testing.T) {
	rules := Rules()
	if len(rules) < 31 || !slices.ContainsFunc(rules, func(r Rule) bool { return r.ID == RuleEvalError && r.Severity == manifest.SeverityError }) {
		t.Fatalf("Rules() = %d rules, want the bundled checks and %s", len(rules), RuleEvalError)
	}
	if !slices.IsSortedFunc(rules, func(a, b Rule) int { return strings.Compare(a.ID, b.ID) }) {
		t.Error("Rules() is not sorted by ID")
	}
}
