package policy

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/syncgate/syncgate/manifest"
)

// syncgate reports the failures and warnings conftest reports on the
// compatibility suite (testdata/policy/conftest/expected.txt, which
// compare-conftest.sh checks against conftest itself): the same messages,
// the same severities, the same rules, exceptions honoured.
func TestConftestCompatibility(t *testing.T) {
	suite := "../testdata/policy/conftest"
	e, err := Load(context.Background(), Options{Dirs: []string{suite + "/policy"}})
	if err != nil {
		t.Fatal(err)
	}
	inputs, err := filepath.Glob(suite + "/inputs/*.yaml")
	if err != nil || len(inputs) == 0 {
		t.Fatalf("no inputs: %v", err)
	}
	var got []string
	for _, file := range inputs {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		rel, _ := filepath.Rel(suite, file)
		objects, err := manifest.DecodeObjects(rel, data, manifest.DefaultLimits())
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range e.Evaluate(context.Background(), objects) {
			kind := map[manifest.Severity]string{manifest.SeverityError: "failure", manifest.SeverityWarning: "warning"}[f.Severity]
			query := "data." + strings.ReplaceAll(strings.TrimPrefix(f.Rule, "policy/"), "/", ".")
			got = append(got, strings.Join([]string{f.File, kind, query, f.Message}, "\t"))
		}
	}
	slices.Sort(got)
	data, err := os.ReadFile(suite + "/expected.txt")
	if err != nil {
		t.Fatal(err)
	}
	want := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("findings (-conftest +syncgate):\n%s", diff)
	}
}

// --all-namespaces evaluates every package of the policy files.
func TestAllNamespaces(t *testing.T) {
	e, err := Load(context.Background(), Options{Dirs: []string{"../testdata/policy/conftest/policy"}, AllNamespaces: true, Bundled: true})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, q := range e.queries {
		got = append(got, q.namespace)
	}
	if diff := cmp.Diff([]string{"lib.kubernetes", "main", bundledPrefix}, got); diff != "" {
		t.Errorf("namespaces (-want +got):\n%s", diff)
	}
}

// Rego v0 policies load with RegoVersion v0, as conftest --rego-version v0,
// and fail to parse as v1 with an error naming the file.
func TestRegoV0(t *testing.T) {
	e, err := Load(context.Background(), Options{Dirs: []string{"testdata/rego-v0"}, RegoVersion: "v0", Bundled: true})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range e.Evaluate(context.Background(), []*manifest.Object{deployment}) {
		if f.Rule == "policy/main/deny" {
			got = append(got, f.Message)
		}
	}
	if diff := cmp.Diff([]string{"web must run as non-root"}, got); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}
	_, err = Load(context.Background(), Options{Dirs: []string{"testdata/rego-v0"}})
	if sources := manifest.SourceErrors(err); len(sources) == 0 || sources[0].File != "testdata/rego-v0/main.rego" {
		t.Errorf("v1 parse: got %v, want an error naming the file", err)
	}
	if _, err := Load(context.Background(), Options{RegoVersion: "v2"}); err == nil {
		t.Error("RegoVersion v2: want an error")
	}
}
