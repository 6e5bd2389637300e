package syncgate

import (
	"encoding/json"
	"fmt"
	"iter"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/syncgate/syncgate/change"
	"github.com/syncgate/syncgate/internal/apiservertest"
	"github.com/syncgate/syncgate/internal/golden"
	"github.com/syncgate/syncgate/manifest"
	"github.com/syncgate/syncgate/validate"
)

// The real API server as the judge of the change rules (docs/apiserver.md,
// Judge 2). Each file of testdata/apiserver/changes holds a base object and
// its head. TestApiserverChangeLabels applies the base for real and the head
// as a server-side dry run, as Argo CD and Flux sync a changed object, and
// records the verdict in changes.json; TestApiserverChangeAgreement checks
// that syncgate reports a change/* error exactly where the API server
// refuses the update.
const changeJudgeDir = "testdata/apiserver/changes"

// changeLabels is the content of changes.json.
type changeLabels struct {
	Kubernetes string                           `json:"kubernetes"`
	Cases      map[string]apiservertest.Verdict `json:"cases"`
}

type changeCase struct {
	id         string
	base, head *manifest.Object
}

func changeCases(t *testing.T) []changeCase {
	t.Helper()
	var cases []changeCase
	for f, objs := range decodeGlob(t, filepath.Join(changeJudgeDir, "*.yaml")) {
		if len(objs) != 2 {
			t.Fatalf("%s: holds %d objects, want a base and its head", f, len(objs))
		}
		cases = append(cases, changeCase{id: strings.TrimSuffix(filepath.Base(f), ".yaml"), base: objs[0], head: objs[1]})
	}
	return cases
}

// changeCRDs are the CRDs the cases' custom objects need, with the
// transition rules under judgement.
func changeCRDs(t *testing.T) []*manifest.Object {
	t.Helper()
	var crds []*manifest.Object
	for _, objs := range decodeGlob(t, filepath.Join(changeJudgeDir, "crds", "*.yaml")) {
		crds = append(crds, objs...)
	}
	return crds
}

// decodeGlob decodes the files matching pattern, in order of name.
func decodeGlob(t *testing.T, pattern string) iter.Seq2[string, []*manifest.Object] {
	t.Helper()
	files, err := filepath.Glob(pattern)
	if err != nil || len(files) == 0 {
		t.Fatalf("no files match %s (%v)", pattern, err)
	}
	return func(yield func(string, []*manifest.Object) bool) {
		for _, f := range files {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			objs, err := manifest.DecodeObjects(filepath.ToSlash(f), data, manifest.Limits{})
			if err != nil {
				t.Fatal(err)
			}
			if !yield(f, objs) {
				return
			}
		}
	}
}

func readChangeLabels(t *testing.T) changeLabels {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(changeJudgeDir, "changes.json"))
	if err != nil {
		t.Fatal(err)
	}
	var labels changeLabels
	if err := json.Unmarshal(data, &labels); err != nil {
		t.Fatal(err)
	}
	return labels
}

// TestApiserverChangeLabels judges every case with a real kube-apiserver,
// each in a namespace of its own, and compares with changes.json (-update,
// `make labels`, rewrites it). It skips, saying why, without the binaries.
func TestApiserverChangeLabels(t *testing.T) {
	cases := changeCases(t)
	s := apiservertest.Start(t)
	ctx := t.Context()
	version, err := s.Version(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, crd := range changeCRDs(t) {
		if err := s.InstallCRD(ctx, crd.Content); err != nil {
			t.Fatalf("%s: %v", crd.Origin.File, err)
		}
	}
	got := changeLabels{Kubernetes: version, Cases: map[string]apiservertest.Verdict{}}
	for i, c := range cases {
		ns := fmt.Sprintf("change-%d", i)
		if err := s.Create(ctx, map[string]any{"apiVersion": "v1", "kind": "Namespace", "metadata": map[string]any{"name": ns}}); err != nil {
			t.Fatal(err)
		}
		base, err := s.Apply(ctx, c.base.Content, ns, false)
		if err != nil {
			t.Fatalf("%s: %v", c.id, err)
		}
		if !base.Accepted {
			t.Fatalf("%s: the base is refused: %s", c.id, base.Message)
		}
		v, err := s.Apply(ctx, c.head.Content, ns, true)
		if err != nil {
			t.Fatalf("%s: %v", c.id, err)
		}
		v.Message = strings.ReplaceAll(v.Message, ns, "<namespace>")
		got.Cases[c.id] = v
	}
	golden.AssertJSON(t, filepath.Join(changeJudgeDir, "changes.json"), got)
}

// TestApiserverChangeAgreement needs no API server: a change/* error for a
// case, from the change rules or the CRDs' transition rules, must be
// reported exactly when its label says the update is refused.
func TestApiserverChangeAgreement(t *testing.T) {
	labels := readChangeLabels(t)
	cases := changeCases(t)
	v, err := validate.New(validate.Options{KubernetesVersion: labels.Kubernetes, CRDs: changeCRDs(t)})
	if err != nil {
		t.Fatal(err)
	}
	if len(labels.Cases) != len(cases) {
		t.Fatalf("changes.json labels %d cases, %s holds %d: run make labels", len(labels.Cases), changeJudgeDir, len(cases))
	}
	refused := 0
	for _, c := range cases {
		label, ok := labels.Cases[c.id]
		if !ok {
			t.Errorf("%s: no label: run make labels", c.id)
			continue
		}
		if !label.Accepted {
			refused++
		}
		objects, err := change.Compare("t", []*manifest.Object{c.base}, []*manifest.Object{c.head}, change.DefaultOptions())
		if err != nil {
			t.Fatalf("%s: %v", c.id, err)
		}
		var errs []string
		for _, f := range slices.Concat(change.Check(objects), v.Transition(t.Context(), c.base, c.head)) {
			if f.Severity == manifest.SeverityError {
				errs = append(errs, f.Rule+" "+f.Field)
			}
		}
		if blocked := len(errs) > 0; blocked == label.Accepted {
			t.Errorf("%s: the API server accepts the update: %v; syncgate's change errors: %v (%s)", c.id, label.Accepted, errs, label.Message)
		}
	}
	t.Logf("%d cases, %d of them refused by the API server", len(cases), refused)
}
