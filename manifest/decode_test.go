package manifest

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestDecodeObjects(t *testing.T) {
	tests := []struct {
		name    string
		input   string
		want    []*Object
		wantErr string
	}{
		{
			name: "multi-document stream with lines",
			input: `# leading comment
apiVersion: v1
kind: ConfigMap
metadata:
  name: a
  namespace: ns
data:
  n: "1"
---
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: b
spec:
  replicas: 3
`,
			want: []*Object{
				{APIVersion: "v1", Kind: "ConfigMap", Namespace: "ns", Name: "a", Origin: Origin{File: "f.yaml", Line: 2},
					Content: map[string]any{"apiVersion": "v1", "kind": "ConfigMap", "metadata": map[string]any{"name": "a", "namespace": "ns"}, "data": map[string]any{"n": "1"}}},
				{APIVersion: "apps/v1", Kind: "Deployment", Name: "b", Origin: Origin{File: "f.yaml", Line: 11},
					Content: map[string]any{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": map[string]any{"name": "b"}, "spec": map[string]any{"replicas": int64(3)}}},
			},
		},
		{
			name:  "json document",
			input: `{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "x"}, "spec": {"f": 1.5, "b": true, "n": null}}`,
			want: []*Object{{APIVersion: "v1", Kind: "Namespace", Name: "x", Origin: Origin{File: "f.yaml", Line: 1},
				Content: map[string]any{"apiVersion": "v1", "kind": "Namespace", "metadata": map[string]any{"name": "x"}, "spec": map[string]any{"f": 1.5, "b": true, "n": nil}}}},
		},
		{
			name: "list is expanded",
			input: `apiVersion: v1
kind: List
items:
- {apiVersion: v1, kind: ConfigMap, metadata: {name: a}}
- {apiVersion: v1, kind: ConfigMap, metadata: {name: b}}
`,
			want: []*Object{
				{APIVersion: "v1", Kind: "ConfigMap", Name: "a", Origin: Origin{File: "f.yaml", Line: 1}, Content: map[string]any{"apiVersion": "v1", "kind": "ConfigMap", "metadata": map[string]any{"name": "a"}}},
				{APIVersion: "v1", Kind: "ConfigMap", Name: "b", Origin: Origin{File: "f.yaml", Line: 1}, Content: map[string]any{"apiVersion": "v1", "kind": "ConfigMap", "metadata": map[string]any{"name": "b"}}},
			},
		},
		{
			name: "merge keys: explicit keys win",
			input: `apiVersion: v1
kind: ConfigMap
metadata: {name: m}
base: &b {x: "1", y: "2"}
data:
  <<: *b
  y: "3"
`,
			want: []*Object{{APIVersion: "v1", Kind: "ConfigMap", Name: "m", Origin: Origin{File: "f.yaml", Line: 1},
				Content: map[string]any{"apiVersion": "v1", "kind": "ConfigMap", "metadata": map[string]any{"name": "m"},
					"base": map[string]any{"x": "1", "y": "2"}, "data": map[string]any{"x": "1", "y": "3"}}}},
		},
		{name: "duplicate key", input: "apiVersion: v1\nkind: Pod\nkind: Secret\n", wantErr: `f.yaml:3: duplicate key "kind"`},
		{
			// The API server decodes case-sensitively: these are two keys.
			name:  "case-variant keys are distinct",
			input: "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: m}\ndata: {proxyURL: a, proxyUrl: b}\n",
			want: []*Object{{APIVersion: "v1", Kind: "ConfigMap", Name: "m", Origin: Origin{File: "f.yaml", Line: 1},
				Content: map[string]any{"apiVersion": "v1", "kind": "ConfigMap", "metadata": map[string]any{"name": "m"},
					"data": map[string]any{"proxyURL": "a", "proxyUrl": "b"}}}},
		},
		{name: "NUL byte", input: "apiVersion: v1\nkind: Pod\nmetadata: {name: \"a\x00\"}\n", wantErr: "f.yaml:3: file holds a NUL byte at byte 44"},
		{name: "invalid UTF-8", input: "apiVersion: v1\nkind: Pod\n\nmetadata: {name: \"\xff\"}\n", wantErr: "f.yaml:4: file holds invalid UTF-8 at byte 44"},
		{name: "syntax error names the line", input: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: [a\n", wantErr: "f.yaml:"},
		{name: "missing kind", input: "apiVersion: v1\nmetadata: {name: a}\n", wantErr: "f.yaml:1: object has no apiVersion or kind"},
		{name: "scalar document", input: "---\njust text\n", wantErr: "f.yaml:2: document is a scalar"},
		{name: "cyclic alias", input: "apiVersion: v1\nkind: ConfigMap\ndata: &a {k: *a}\n", wantErr: "refers to itself"},
		{name: "non-scalar key", input: "apiVersion: v1\nkind: ConfigMap\n? [a]\n: b\n", wantErr: "mapping key is not a scalar"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DecodeObjects("f.yaml", []byte(tt.input), Limits{})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want one containing %q", err, tt.wantErr)
				}
				if len(SourceErrors(err)) == 0 {
					t.Errorf("error %v is not a *SourceError", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("DecodeObjects mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDecodeLimits(t *testing.T) {
	laughs := `a: &a ["x","x","x","x","x","x","x","x","x","x"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h,*h]
`
	tests := []struct {
		name   string
		input  string
		limits Limits
	}{
		{name: "alias bomb", input: laughs},
		{name: "file size", input: strings.Repeat("a: b\n", 100), limits: Limits{MaxFileBytes: 64}},
		{name: "depth", input: strings.Repeat("[", 50) + strings.Repeat("]", 50), limits: Limits{MaxDepth: 20}},
		{name: "documents", input: strings.Repeat("---\na: 1\n", 5), limits: Limits{MaxDocuments: 3}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Decode("bomb.yaml", []byte(tt.input), tt.limits)
			if !errors.Is(err, ErrLimit) {
				t.Fatalf("error = %v, want ErrLimit", err)
			}
			if !strings.HasPrefix(err.Error(), "bomb.yaml") {
				t.Errorf("error %q does not name the file", err)
			}
		})
	}
}

func TestDecodeAliasWithinBudget(t *testing.T) {
	input := "defaults: &d {cpu: 100m}\na: *d\nb: *d\n"
	docs, err := Decode("f.yaml", []byte(input), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	want := []Document{{Line: 1, Value: map[string]any{
		"defaults": map[string]any{"cpu": "100m"}, "a": map[string]any{"cpu": "100m"}, "b": map[string]any{"cpu": "100m"},
	}}}
	if diff := cmp.Diff(want, docs, cmpopts.IgnoreFields(Document{}, "Node")); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}
