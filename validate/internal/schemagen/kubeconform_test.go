package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/syncgate/syncgate/validate/internal/builtin"
)

func TestKubeconformFileName(t *testing.T) {
	tests := []struct{ kind, apiVersion, want string }{
		{"Deployment", "apps/v1", "deployment-apps-v1.json"},
		{"Pod", "v1", "pod-v1.json"},
		{"Ingress", "networking.k8s.io/v1", "ingress-networking-v1.json"},
		{"FlowSchema", "flowcontrol.apiserver.k8s.io/v1", "flowschema-flowcontrol-v1.json"},
		{"CustomResourceDefinition", "apiextensions.k8s.io/v1", "customresourcedefinition-apiextensions-v1.json"},
	}
	for _, tt := range tests {
		if got := kubeconformFileName(tt.kind, tt.apiVersion); got != tt.want {
			t.Errorf("kubeconformFileName(%q, %q) = %q, want %q", tt.kind, tt.apiVersion, got, tt.want)
		}
	}
}

func TestEmitKubeconform(t *testing.T) {
	dir := t.TempDir()
	version := builtin.Newest()
	out, n, err := emitKubeconform(dir, version)
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(dir, "v"+version+".0-standalone-strict"); out != want {
		t.Errorf("emitted into %s, want %s", out, want)
	}
	set, err := builtin.Load(version)
	if err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(out)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != len(set.Kinds) || n != len(set.Kinds) {
		t.Errorf("%d files (%d reported) for %d kinds", len(entries), n, len(set.Kinds))
	}
	for _, name := range []string{"deployment-apps-v1.json", "pod-v1.json", "configmap-v1.json", "customresourcedefinition-apiextensions-v1.json", "apiservice-apiregistration-v1.json"} {
		b, err := os.ReadFile(filepath.Join(out, name))
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(b), `"$ref":"`) {
			t.Errorf("%s: not standalone, has a $ref", name)
		}
	}

	// kubeconform v0.8.0 compiles a schema file with draft 4 as default.
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft4)
	schema, err := c.Compile(filepath.Join(out, "deployment-apps-v1.json"))
	if err != nil {
		t.Fatal(err)
	}
	valid := map[string]any{
		"apiVersion": "apps/v1", "kind": "Deployment",
		"metadata": map[string]any{"name": "web", "creationTimestamp": nil},
		"spec": map[string]any{
			"selector": map[string]any{"matchLabels": map[string]any{"app": "web"}},
			"template": map[string]any{
				"metadata": map[string]any{"labels": map[string]any{"app": "web"}},
				"spec":     map[string]any{"containers": []any{map[string]any{"name": "web", "image": "nginx"}}},
			},
		},
	}
	if err := schema.Validate(valid); err != nil {
		t.Errorf("valid Deployment rejected: %v", err)
	}
	podSpec := valid["spec"].(map[string]any)["template"].(map[string]any)["spec"].(map[string]any)
	podSpec["image"] = "nginx"
	if err := schema.Validate(valid); err == nil || !strings.Contains(err.Error(), "image") {
		t.Errorf("unknown field spec.template.spec.image: got %v, want an error naming it", err)
	}
}
