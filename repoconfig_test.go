package syncgate

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// A repository's .syncgate.yaml adds its own policies, CRDs and schema
// settings to those of the Gate.
func TestRepositoryStageConfig(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		".syncgate.yaml": "policies: [policy]\ncrds: [crds]\nmissingSchemas: error\nsecrets:\n  disabledCredentialRules: [generic-api-key]\n",
		"policy/cm.rego": "package main\n\ndeny contains msg if {\n\tinput.kind == \"ConfigMap\"\n\tmsg := \"no ConfigMaps here\"\n}\n",
		"crds/widget.yaml": `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.io
spec:
  group: example.io
  names: {kind: Widget, listKind: WidgetList, plural: widgets, singular: widget}
  scope: Namespaced
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec:
              type: object
              properties:
                size: {type: integer}
`,
		"app/cm.yaml":     "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: shop\n",
		"app/widget.yaml": "apiVersion: example.io/v1\nkind: Widget\nmetadata:\n  name: w\n  namespace: shop\nspec:\n  size: big\n",
		"app/gadget.yaml": "apiVersion: example.io/v1\nkind: Gadget\nmetadata:\n  name: g\n  namespace: shop\n",
	})
	opts := DefaultOptions()
	opts.Policy.Bundled = false
	d := checkDirWith(t, opts, dir)
	var got []string
	for _, f := range d.Findings {
		got = append(got, string(f.Severity)+" "+f.Rule+" "+f.File)
	}
	want := []string{
		"error policy/main/deny app/cm.yaml",
		"error schema/missing-schema app/gadget.yaml",
		"error schema/type app/widget.yaml",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}
}

func TestRepositoryStageConfigErrors(t *testing.T) {
	tests := []struct{ config, want string }{
		{"policies: [../outside]\n", `policies: "../outside" is not a path inside the repository`},
		{"crds: [/etc]\n", `crds: "/etc" is not a path inside the repository`},
		{"schemaLocations: [\"../schemas/{{ .ResourceKind }}.json\"]\n", "schemaLocations"},
		{"missingSchemas: sometimes\n", `missingSchemas: "sometimes"`},
	}
	for _, tt := range tests {
		_, err := ParseConfig(ConfigFileName, []byte(tt.config))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("ParseConfig(%q) = %v, want an error containing %q", tt.config, err, tt.want)
		}
	}
}
