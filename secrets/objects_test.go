package secrets

import (
	"context"
	"os"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"

	"github.com/syncgate/syncgate/manifest"
)

// decodeFixture decodes the objects of a fixture file, with origins
// relative to the fixtures root.
func decodeFixture(t testing.TB, file string) []*manifest.Object {
	t.Helper()
	data, err := os.ReadFile(fixtures + "/" + file)
	if err != nil {
		t.Fatal(err)
	}
	objs, err := manifest.DecodeObjects(file, data, manifest.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	return objs
}

// renamed returns a copy of obj as an overlay would render it.
func renamed(obj *manifest.Object, name, namespace string) *manifest.Object {
	content := map[string]any{}
	for k, v := range obj.Content {
		content[k] = v
	}
	md := map[string]any{"name": name, "namespace": namespace}
	if ann, ok := obj.Content["metadata"].(map[string]any)["annotations"]; ok {
		md["annotations"] = ann
	}
	content["metadata"] = md
	return manifest.NewObject(content, obj.Origin)
}

func TestSealedScope(t *testing.T) {
	src := os.DirFS(fixtures)
	tests := []struct {
		name           string
		file           string
		renderName, ns string
		want           []string
	}{
		{"strict, unchanged", "sealed/valid.yaml", "web-basic-auth", "web", []string{}},
		{"strict, renamed", "sealed/valid.yaml", "dev-web-basic-auth", "web", []string{"sealed/valid.yaml:1 secrets/sealed-scope metadata.name"}},
		{"strict, moved", "sealed/valid.yaml", "web-basic-auth", "web-dev", []string{"sealed/valid.yaml:1 secrets/sealed-scope metadata.namespace"}},
		{"namespace-wide, renamed", "sealed/namespace-wide.yaml", "dev-web-basic-auth", "web", []string{}},
		{"namespace-wide, moved", "sealed/namespace-wide.yaml", "web-basic-auth", "web-dev", []string{"sealed/namespace-wide.yaml:1 secrets/sealed-scope metadata.namespace"}},
		{"cluster-wide, renamed and moved", "sealed/cluster-wide.yaml", "dev-web-basic-auth", "web-dev", []string{}},
	}
	s := newScanner(t, false)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			obj := renamed(decodeFixture(t, tt.file)[0], tt.renderName, tt.ns)
			got := brief(s.Objects(context.Background(), src, []*manifest.Object{obj}))
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Objects (-want +got):\n%s", diff)
			}
		})
	}
	t.Run("no source to compare with", func(t *testing.T) {
		obj := renamed(decodeFixture(t, "sealed/valid.yaml")[0], "dev-web-basic-auth", "web")
		if got := s.Objects(context.Background(), fstest.MapFS{}, []*manifest.Object{obj}); len(got) != 0 {
			t.Errorf("Objects = %v, want none", brief(got))
		}
	})
}

func TestObjects(t *testing.T) {
	tests := []struct {
		name    string
		file    string
		withKey bool
		want    []string
	}{
		{"placeholders", "placeholders/secrets.yaml", false, []string{}},
		{"API names are not credentials", "false-positives/api-names.yaml", false, []string{}},
		{"valid SOPS object", "sops/valid.sops.yaml", true, []string{}},
		{"partial SOPS object", "sops/partial.sops.yaml", true, []string{"sops/partial.sops.yaml:1 secrets/sops-partial stringData.DB_HOST_PASSWORD"}},
		{"SOPS object without a MAC", "sops/no-mac.sops.yaml", false, []string{"sops/no-mac.sops.yaml:1 secrets/sops-metadata sops"}},
		{"valid SealedSecrets", "sealed/valid.yaml", false, []string{}},
		{"SOPS value without metadata", "sops-leftover/secret.yaml", false, []string{"sops-leftover/secret.yaml:3 secrets/sops-metadata stringData.password"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := brief(newScanner(t, tt.withKey).Objects(context.Background(), nil, decodeFixture(t, tt.file)))
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Objects (-want +got):\n%s", diff)
			}
		})
	}
}

func TestPrepare(t *testing.T) {
	objs := decodeFixture(t, "sops/valid.sops.yaml")
	plain := decodeFixture(t, "placeholders/secrets.yaml")[0]
	for _, withKey := range []bool{false, true} {
		got := newScanner(t, withKey).Prepare(append(objs, plain)).Objects
		if len(got) != 2 || got[1] != plain {
			t.Fatalf("key %v: Prepare changed an object that is not SOPS", withKey)
		}
		if _, ok := got[0].Content["sops"]; ok {
			t.Errorf("key %v: the sops key is still there", withKey)
		}
		if got[0].Name != "db-credentials" || got[0].Origin != objs[0].Origin {
			t.Errorf("key %v: identity or origin lost: %s %+v", withKey, got[0].Ref(), got[0].Origin)
		}
		value, _ := nestedMap(got[0].Content, "stringData")["DB_PASSWORD"].(string)
		if decrypted := value == "fixture-password-1f8a2c7e"; decrypted != withKey {
			t.Errorf("key %v: decrypted = %v", withKey, decrypted)
		}
		if _, ok := objs[0].Content["sops"]; !ok {
			t.Fatalf("key %v: Prepare changed its input", withKey)
		}
	}
}

func TestHint(t *testing.T) {
	tests := []struct{ in, want string }{
		{"short-value", ""},
		{"a-value-of-sixteen", ` (starts with "a-va"…)`},
		{"\x01control-chars-here", ""},
		{"ünïcödé-välüé-lông", ` (starts with "ünïc"…)`},
	}
	for _, tt := range tests {
		if got := hint(tt.in); got != tt.want {
			t.Errorf("hint(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestMerge(t *testing.T) {
	files := []manifest.Finding{
		{Rule: RulePlaintextSecret, File: "a.yaml", Line: 1, Field: "data.x"},
		{Rule: RuleCredential, File: "b.txt", Line: 3},
	}
	objects := []manifest.Finding{
		{Rule: RulePlaintextSecret, File: "a.yaml", Line: 1, Field: "data.x", Target: "dev"},
		{Rule: RulePlaintextSecret, File: "a.yaml", Line: 1, Field: "data.x", Target: "prod"},
	}
	want := []string{"a.yaml:1 secrets/plaintext-secret data.x", "a.yaml:1 secrets/plaintext-secret data.x", "b.txt:3 secrets/credential "}
	if diff := cmp.Diff(want, brief(Merge(files, objects))); diff != "" {
		t.Errorf("Merge (-want +got):\n%s", diff)
	}
}

// TestConcurrent runs one Scanner from several goroutines: every run must
// give the findings of a run alone.
func TestConcurrent(t *testing.T) {
	s := newScanner(t, true)
	objs := append(decodeFixture(t, "plaintext/secrets.yaml"), decodeFixture(t, "sops/valid.sops.yaml")...)
	want := brief(s.Objects(context.Background(), nil, objs))
	results := make(chan []string, 4)
	for range 4 {
		go func() {
			s.Prepare(objs)
			results <- brief(s.Objects(context.Background(), nil, objs))
		}()
	}
	for range 4 {
		if diff := cmp.Diff(want, <-results); diff != "" {
			t.Errorf("concurrent Objects (-want +got):\n%s", diff)
		}
	}
}
