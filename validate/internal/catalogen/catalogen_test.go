package main

import (
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/syncgate/syncgate/manifest"
)

func TestParseSources(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    []source
		wantErr string
	}{
		{name: "globs and types", in: "# comment\n\nflux  github.com/fluxcd/source-controller@v1.9.6  config/*.yaml,!config/kustomization.yaml # why\nhelm github.com/fluxcd/helm-controller/api@v1.6.5 types:./...\n",
			want: []source{
				{Name: "flux", Module: "github.com/fluxcd/source-controller", Version: "v1.9.6", Globs: []string{"config/*.yaml"}, Excludes: []string{"config/kustomization.yaml"}, Line: 3},
				{Name: "helm", Module: "github.com/fluxcd/helm-controller/api", Version: "v1.6.5", Types: "./...", Line: 4},
			}},
		{name: "fields", in: "flux github.com/fluxcd/source-controller@v1.9.6\n", wantErr: "x.txt:1: want NAME MODULE@VERSION FROM, got 2 fields"},
		{name: "no version", in: "flux github.com/fluxcd/source-controller config/*.yaml\n", wantErr: "want MODULE@vX.Y.Z"},
		{name: "branch", in: "flux github.com/fluxcd/source-controller@main config/*.yaml\n", wantErr: "want MODULE@vX.Y.Z"},
		{name: "name", in: "Flux github.com/fluxcd/source-controller@v1.9.6 config/*.yaml\n", wantErr: "project name"},
		{name: "twice", in: "a x.io/a@v1.0.0 a.yaml\na x.io/b@v1.0.0 b.yaml\n", wantErr: "x.txt:2: project a listed twice"},
		{name: "outside", in: "a x.io/a@v1.0.0 ../a.yaml\n", wantErr: "want a pattern inside the module"},
		{name: "bad glob", in: "a x.io/a@v1.0.0 [a.yaml\n", wantErr: "want a pattern inside the module"},
		{name: "only exclusions", in: "a x.io/a@v1.0.0 !a.yaml\n", wantErr: "no glob selects files"},
		{name: "empty types", in: "a x.io/a@v1.0.0 types:\n", wantErr: "types: needs a package pattern"},
		{name: "empty", in: "# nothing\n", wantErr: "no projects"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseSources("x.txt", []byte(tt.in))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want it to contain %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("sources (-want +got):\n%s", diff)
			}
		})
	}
}

// The catalogue's own input parses.
func TestSourcesFile(t *testing.T) {
	b, err := os.ReadFile("../catalog/sources.txt")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := parseSources("sources.txt", b); err != nil {
		t.Fatal(err)
	}
}

const widgetCRD = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
  annotations:
    controller-gen.kubebuilder.io/version: v0.21.0
  labels:
    app: widgets
spec:
  group: example.com
  names:
    kind: Widget
    plural: widgets
  scope: Namespaced
  conversion:
    strategy: None
  versions:
  - name: v1
    served: true
    storage: true
    additionalPrinterColumns:
    - name: Size
      type: integer
      jsonPath: .spec.size
    subresources:
      status: {}
    schema:
      openAPIV3Schema:
        description: A widget.
        type: object
        properties:
          spec:
            description: The widget's wishes.
            type: object
            properties:
              description:
                description: What the widget is, a property named description.
                type: string
              parts:
                type: array
                items:
                  description: One part.
                  type: string
              labels:
                type: object
                additionalProperties:
                  description: A label value.
                  type: string
            x-kubernetes-validations:
            - rule: "!has(self.description) || size(self.description) < 100"
              message: description is short
  - name: v0
    served: false
    storage: false
    schema:
      openAPIV3Schema:
        type: object
`

func TestDecodeAndTrim(t *testing.T) {
	objs, err := decodeCRDs("widgets.yaml", []byte(widgetCRD))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"apiVersion": "apiextensions.k8s.io/v1",
		"kind":       "CustomResourceDefinition",
		"metadata":   map[string]any{"name": "widgets.example.com"},
		"spec": map[string]any{
			"group": "example.com",
			"names": map[string]any{"kind": "Widget", "plural": "widgets"},
			"scope": "Namespaced",
			"versions": []any{
				map[string]any{"name": "v1", "served": true, "storage": true, "schema": map[string]any{"openAPIV3Schema": map[string]any{
					"type": "object",
					"properties": map[string]any{"spec": map[string]any{
						"type": "object",
						"properties": map[string]any{
							"description": map[string]any{"type": "string"},
							"parts":       map[string]any{"type": "array", "items": map[string]any{"type": "string"}},
							"labels":      map[string]any{"type": "object", "additionalProperties": map[string]any{"type": "string"}},
						},
						"x-kubernetes-validations": []any{map[string]any{"rule": "!has(self.description) || size(self.description) < 100", "message": "description is short"}},
					}},
				}}},
				map[string]any{"name": "v0", "served": false, "storage": false, "schema": map[string]any{"openAPIV3Schema": map[string]any{"type": "object"}}},
			},
		},
	}
	if len(objs) != 1 {
		t.Fatalf("%d objects, want 1", len(objs))
	}
	if diff := cmp.Diff(want, objs[0].Content); diff != "" {
		t.Errorf("trimmed CRD (-want +got):\n%s", diff)
	}
	e, err := makeEntry(source{Name: "widgets"}, objs)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"example.com/v1/Widget/widgets.example.com"}, kindIDs(e)); diff != "" {
		t.Errorf("kinds (-want +got):\n%s", diff)
	}
}

func kindIDs(e entry) []string {
	var out []string
	for _, k := range e.Kinds {
		out = append(out, k.Group+"/"+k.Version+"/"+k.Kind+"/"+k.CRD)
	}
	return out
}

func TestMakeEntryRefuses(t *testing.T) {
	tests := []struct {
		name, yaml, want string
	}{
		{"not a CRD", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n", "is not an apiextensions.k8s.io/v1 CustomResourceDefinition"},
		{"v1beta1", strings.Replace(widgetCRD, "apiextensions.k8s.io/v1", "apiextensions.k8s.io/v1beta1", 1), "is not an apiextensions.k8s.io/v1 CustomResourceDefinition"},
		{"bad CEL", strings.Replace(widgetCRD, "size(self.description) < 100", "size(self.nope) < 100", 1), "CRDs the API server would refuse"},
		{"twice", widgetCRD + "---\n" + widgetCRD, "example.com/v1/Widget is defined by both"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			objs, err := decodeCRDs("widgets.yaml", []byte(tt.yaml))
			if err == nil {
				_, err = makeEntry(source{Name: "widgets"}, objs)
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestServedWithoutSchema(t *testing.T) {
	obj := manifest.NewObject(map[string]any{
		"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
		"metadata": map[string]any{"name": "widgets.example.com"},
		"spec": map[string]any{"group": "example.com", "names": map[string]any{"kind": "Widget"},
			"versions": []any{map[string]any{"name": "v1", "served": true}}},
	}, manifest.Origin{File: "w.yaml"})
	if _, err := servedKinds(obj); err == nil || !strings.Contains(err.Error(), "served version v1 has no schema") {
		t.Fatalf("error = %v, want served version v1 has no schema", err)
	}
}

func TestExcluded(t *testing.T) {
	ex := []string{"crd/*_vap_*.yaml"}
	for file, want := range map[string]bool{
		"/m/crd/gateway.networking.k8s.io_vap_safeupgrades.yaml": true,
		"/m/crd/gateway.networking.k8s.io_httproutes.yaml":       false,
	} {
		if got := excluded("/m", file, ex); got != want {
			t.Errorf("excluded(%s) = %v, want %v", file, got, want)
		}
	}
}
