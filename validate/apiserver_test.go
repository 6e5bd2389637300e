package validate_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/syncgate/syncgate/internal/apiservertest"
	"github.com/syncgate/syncgate/internal/golden"
	"github.com/syncgate/syncgate/manifest"
	"github.com/syncgate/syncgate/validate"
)

// The real API server as the judge (docs/apiserver.md). Every case under
// testdata/apiserver/cases is one object; TestApiserverLabels records the
// verdict kube-apiserver gives it in labels.json, and TestApiserverAgreement
// checks syncgate against those labels without an API server.
const (
	judgeDir = "../testdata/apiserver"
	// judgeNamespace is where namespaced cases are created.
	judgeNamespace = "judge"
)

// judgeLabels is the content of labels.json.
type judgeLabels struct {
	// Kubernetes is the version of the API server that judged.
	Kubernetes string `json:"kubernetes"`
	// Namespace is where namespaced cases were sent.
	Namespace string `json:"namespace"`
	// Cases maps a case ID (its path under cases/, without .yaml) to its
	// verdict.
	Cases map[string]apiservertest.Verdict `json:"cases"`
}

// judgeCase is one object of the corpus.
type judgeCase struct {
	id       string // "pod/container-no-image"
	category string // "pod"
	obj      *manifest.Object
}

// judgeCases reads the corpus, sorted by ID; each file holds one object.
func judgeCases(t *testing.T) []judgeCase {
	t.Helper()
	root := filepath.Join(judgeDir, "cases")
	var cases []judgeCase
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		id, ok := strings.CutSuffix(rel, ".yaml")
		category, _, nested := strings.Cut(id, "/")
		if !ok || !nested || strings.Contains(strings.TrimPrefix(id, category+"/"), "/") {
			return fmt.Errorf("%s: want cases/CATEGORY/NAME.yaml", p)
		}
		objs := decodeFile(t, p)
		if len(objs) != 1 {
			return fmt.Errorf("%s: holds %d objects, want 1", p, len(objs))
		}
		cases = append(cases, judgeCase{id: id, category: category, obj: objs[0]})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(cases) == 0 {
		t.Fatalf("no cases under %s", root)
	}
	return cases
}

// judgeCRDs reads the CRDs installed before the cases are judged.
func judgeCRDs(t *testing.T) []*manifest.Object {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(judgeDir, "crds", "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no CRDs in %s/crds (%v)", judgeDir, err)
	}
	var crds []*manifest.Object
	for _, f := range files {
		crds = append(crds, decodeFile(t, f)...)
	}
	return crds
}

func decodeFile(t *testing.T, p string) []*manifest.Object {
	t.Helper()
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	objs, err := manifest.DecodeObjects(strings.TrimPrefix(filepath.ToSlash(p), "../"), data, manifest.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	return objs
}

// TestApiserverLabels sends every case to a real kube-apiserver as a
// server-side dry-run create and compares the verdicts with labels.json;
// with -update (`make labels`) it writes them there. It skips, saying why,
// when `make apiserver` has not built the binaries.
func TestApiserverLabels(t *testing.T) {
	cases := judgeCases(t)
	crds := judgeCRDs(t)
	s := apiservertest.Start(t)
	ctx := t.Context()
	version, err := s.Version(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ns := map[string]any{"apiVersion": "v1", "kind": "Namespace", "metadata": map[string]any{"name": judgeNamespace}}
	if err := s.Create(ctx, ns); err != nil {
		t.Fatal(err)
	}
	for _, crd := range crds {
		if err := s.InstallCRD(ctx, crd.Content); err != nil {
			t.Fatalf("%s: %v", crd.Origin.File, err)
		}
	}
	got := judgeLabels{Kubernetes: version, Namespace: judgeNamespace, Cases: map[string]apiservertest.Verdict{}}
	for _, c := range cases {
		v, err := s.Judge(ctx, c.obj.Content, judgeNamespace)
		if err != nil {
			t.Fatalf("%s: %v", c.id, err)
		}
		got.Cases[c.id] = v
	}
	golden.AssertJSON(t, filepath.Join(judgeDir, "labels.json"), got)
}

// Kinds of disagreement between syncgate and the API server.
const (
	// missed: the API server rejects, syncgate reports no error.
	disagreeMissed = "missed"
	// falseAlarm: the API server accepts, syncgate reports an error.
	disagreeFalseAlarm = "false-alarm"
	// field: both reject, but no error of syncgate names a field the API
	// server names.
	disagreeField = "field"
)

// knownDisagreement is an entry of disagreements.yaml.
type knownDisagreement struct {
	Kind   string `yaml:"kind"`
	Reason string `yaml:"reason"`
}

func readDisagreements(t *testing.T) map[string]knownDisagreement {
	t.Helper()
	f, err := os.Open(filepath.Join(judgeDir, "disagreements.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	dec := yaml.NewDecoder(f)
	dec.KnownFields(true)
	known := map[string]knownDisagreement{}
	if err := dec.Decode(&known); err != nil {
		t.Fatalf("disagreements.yaml: %v", err)
	}
	for id, k := range known {
		if !slices.Contains([]string{disagreeMissed, disagreeFalseAlarm, disagreeField}, k.Kind) || strings.TrimSpace(k.Reason) == "" {
			t.Errorf("disagreements.yaml: %s: want kind missed, false-alarm or field, and a reason", id)
		}
	}
	return known
}

// TestApiserverAgreement runs the validator on every case and compares
// its verdict with the API server's recorded one: rejected exactly when
// syncgate reports an error-severity schema/* finding, and for a rejection
// naming fields, a finding on one of them. Disagreements listed in
// disagreements.yaml are expected; a new one fails, and so does a listed
// one that no longer happens. `make accuracy` prints the table it logs.
func TestApiserverAgreement(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(judgeDir, "labels.json"))
	if err != nil {
		t.Fatal(err)
	}
	var labels judgeLabels
	if err := json.Unmarshal(data, &labels); err != nil {
		t.Fatalf("labels.json: %v", err)
	}
	cases := judgeCases(t)
	known := readDisagreements(t)
	v, err := validate.New(validate.Options{KubernetesVersion: labels.Kubernetes, CRDs: judgeCRDs(t)})
	if err != nil {
		t.Fatal(err)
	}
	tally := map[string]*agreement{}
	seen := map[string]bool{}
	for _, c := range cases {
		seen[c.id] = true
		verdict, ok := labels.Cases[c.id]
		if !ok {
			t.Errorf("%s: no label; run `make labels`", c.id)
			continue
		}
		findings := checkCase(t.Context(), v, c.obj)
		got := disagreement(verdict, findings)
		tally[c.category] = tally[c.category].add(got)
		want := known[c.id].Kind
		switch {
		case got == want:
		case want == "":
			t.Errorf("%s: new disagreement (%s): API server %s; syncgate %s", c.id, got, describeVerdict(verdict), describeFindings(findings))
		case got == "":
			t.Errorf("%s: listed in disagreements.yaml as %s but now agrees: remove it", c.id, want)
		default:
			t.Errorf("%s: listed in disagreements.yaml as %s but is now %s: API server %s; syncgate %s", c.id, want, got, describeVerdict(verdict), describeFindings(findings))
		}
	}
	for id := range labels.Cases {
		if !seen[id] {
			t.Errorf("labels.json: %s has no case; run `make labels`", id)
		}
	}
	for id := range known {
		if !seen[id] {
			t.Errorf("disagreements.yaml: %s has no case", id)
		}
	}
	t.Logf("syncgate against kube-apiserver %s:\n%s", labels.Kubernetes, accuracyTable(tally))
}

// checkCase validates one case as a run of its own, as the gate would:
// the CRDs among the objects first, then the objects.
func checkCase(ctx context.Context, v *validate.Validator, obj *manifest.Object) []manifest.Finding {
	objs := []*manifest.Object{obj}
	run := v.WithCRDs(objs)
	return append(run.CRDFindings(), run.Validate(ctx, objs)...)
}

// disagreement compares a verdict with syncgate's findings and returns
// the kind of disagreement, or "" when they agree.
func disagreement(verdict apiservertest.Verdict, findings []manifest.Finding) string {
	var errs []manifest.Finding
	for _, f := range findings {
		if f.Severity == manifest.SeverityError && strings.HasPrefix(f.Rule, "schema/") {
			errs = append(errs, f)
		}
	}
	switch {
	case verdict.Accepted && len(errs) > 0:
		return disagreeFalseAlarm
	case verdict.Accepted:
		return ""
	case len(errs) == 0:
		return disagreeMissed
	case len(verdict.Fields) == 0:
		return ""
	}
	decoded := verdict.Reason == "BadRequest"
	for _, want := range verdict.Fields {
		for _, f := range errs {
			if sameField(want, f.Field, decoded) {
				return ""
			}
		}
	}
	return disagreeField
}

// listIndex matches a list index in a field path.
var listIndex = regexp.MustCompile(`\[\d+\]`)

// sameField says whether syncgate's field path got is the API server's
// want. The API server prints the object's root as "<nil>". When the body
// did not decode (decoded), the JSON decoder names a field of the wrong
// type by its Go struct path: without list indices, and a map (labels,
// data) rather than its entry; so got matches with its indices removed,
// and as an entry of want.
func sameField(want, got string, decoded bool) bool {
	switch {
	case want == got, want == "<nil>" && got == "":
		return true
	case decoded && !strings.Contains(want, "["):
		got = listIndex.ReplaceAllString(got, "")
		return got == want || strings.HasPrefix(got, want+".")
	}
	return false
}

func describeVerdict(v apiservertest.Verdict) string {
	if v.Accepted {
		return "accepts"
	}
	return fmt.Sprintf("rejects (%s, fields %v): %s", v.Reason, v.Fields, v.Message)
}

func describeFindings(findings []manifest.Finding) string {
	if len(findings) == 0 {
		return "reports nothing"
	}
	var parts []string
	for _, f := range findings {
		parts = append(parts, fmt.Sprintf("%s %s [%s]", f.Severity, f.Rule, f.Message))
	}
	return strings.Join(parts, "; ")
}

// agreement counts the cases of one category.
type agreement struct {
	cases, agree int
	kinds        map[string]int
}

func (a *agreement) add(disagreement string) *agreement {
	if a == nil {
		a = &agreement{kinds: map[string]int{}}
	}
	a.cases++
	if disagreement == "" {
		a.agree++
	} else {
		a.kinds[disagreement]++
	}
	return a
}

// accuracyTable formats the tally, one line per category and a total.
func accuracyTable(tally map[string]*agreement) string {
	var b strings.Builder
	line := func(name string, a *agreement) {
		fmt.Fprintf(&b, "%-10s %6d %6d %9d %7d %12d %6d\n", name, a.cases, a.agree, a.cases-a.agree,
			a.kinds[disagreeMissed], a.kinds[disagreeFalseAlarm], a.kinds[disagreeField])
	}
	fmt.Fprintf(&b, "%-10s %6s %6s %9s %7s %12s %6s\n", "category", "cases", "agree", "disagree", "missed", "false-alarm", "field")
	total := &agreement{kinds: map[string]int{}}
	names := make([]string, 0, len(tally))
	for name := range tally {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		a := tally[name]
		line(name, a)
		total.cases += a.cases
		total.agree += a.agree
		for k, n := range a.kinds {
			total.kinds[k] += n
		}
	}
	line("total", total)
	return b.String()
}

// TestApiserverFieldMatch pins the field comparison the agreement test
// relies on.
func TestApiserverFieldMatch(t *testing.T) {
	tests := []struct {
		name      string
		want, got string
		decoded   bool
		match     bool
	}{
		{name: "same path", want: "spec.replicas", got: "spec.replicas", match: true},
		{name: "indexed path", want: "spec.containers[1].name", got: "spec.containers[1].name", match: true},
		{name: "other index", want: "spec.containers[1].name", got: "spec.containers[0].name"},
		{name: "root", want: "<nil>", got: "", match: true},
		{name: "root is not a field", want: "<nil>", got: "metadata.name"},
		{name: "parent is not the field", want: "spec.ports[0].port", got: "spec.ports[0]"},
		{name: "child is not the field", want: "spec.selector", got: "spec.selector.matchLabels"},
		{name: "decoder path without indices", want: "spec.template.spec.containers.ports.containerPort", got: "spec.template.spec.containers[0].ports[2].containerPort", decoded: true, match: true},
		{name: "indices count without the decoder", want: "spec.containers.args", got: "spec.containers[0].args"},
		{name: "decoder names the map", want: "metadata.labels", got: "metadata.labels.tier", decoded: true, match: true},
		{name: "decoder: a sibling is not the field", want: "metadata.labels", got: "metadata.labelsx", decoded: true},
		{name: "unknown field path keeps its indices", want: "spec.containers[0].tyy", got: "spec.containers[1].tyy", decoded: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := sameField(tt.want, tt.got, tt.decoded); got != tt.match {
				t.Errorf("sameField(%q, %q, %v) = %v, want %v", tt.want, tt.got, tt.decoded, got, tt.match)
			}
		})
	}
}

// TestApiserverDisagreement pins how a verdict and findings compare.
func TestApiserverDisagreement(t *testing.T) {
	schemaErr := manifest.Finding{Rule: validate.RuleName, Severity: manifest.SeverityError, Field: "metadata.name"}
	warning := manifest.Finding{Rule: validate.RuleDeprecatedAPI, Severity: manifest.SeverityWarning}
	otherErr := manifest.Finding{Rule: "policy/x", Severity: manifest.SeverityError, Field: "metadata.name"}
	tests := []struct {
		name     string
		verdict  apiservertest.Verdict
		findings []manifest.Finding
		want     string
	}{
		{name: "both accept", verdict: apiservertest.Verdict{Accepted: true}, findings: []manifest.Finding{warning}, want: ""},
		{name: "false alarm", verdict: apiservertest.Verdict{Accepted: true}, findings: []manifest.Finding{schemaErr}, want: disagreeFalseAlarm},
		{name: "missed", verdict: apiservertest.Verdict{Reason: "Invalid", Fields: []string{"metadata.name"}}, findings: []manifest.Finding{warning}, want: disagreeMissed},
		{name: "only schema rules count", verdict: apiservertest.Verdict{Reason: "Invalid", Fields: []string{"metadata.name"}}, findings: []manifest.Finding{otherErr}, want: disagreeMissed},
		{name: "same field", verdict: apiservertest.Verdict{Reason: "Invalid", Fields: []string{"spec", "metadata.name"}}, findings: []manifest.Finding{schemaErr}, want: ""},
		{name: "other field", verdict: apiservertest.Verdict{Reason: "Invalid", Fields: []string{"spec.replicas"}}, findings: []manifest.Finding{schemaErr}, want: disagreeField},
		{name: "rejection without fields", verdict: apiservertest.Verdict{Reason: "NotServed"}, findings: []manifest.Finding{schemaErr}, want: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := disagreement(tt.verdict, tt.findings); got != tt.want {
				t.Errorf("disagreement = %q, want %q", got, tt.want)
			}
		})
	}
}
