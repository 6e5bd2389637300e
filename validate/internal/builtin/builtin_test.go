package builtin

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"path"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

var wantVersions = []string{"1.31", "1.32", "1.33", "1.34", "1.35", "1.36", "1.37"}

func TestVersions(t *testing.T) {
	if diff := cmp.Diff(wantVersions, Versions()); diff != "" {
		t.Errorf("Versions() (-want +got)\n%s", diff)
	}
	if got := Newest(); got != "1.37" {
		t.Errorf("Newest() = %q, want 1.37", got)
	}
}

func TestLoadEveryVersion(t *testing.T) {
	for _, v := range Versions() {
		t.Run(v, func(t *testing.T) {
			set, err := Load(v)
			if err != nil {
				t.Fatal(err)
			}
			minor := strings.TrimPrefix(v, "1.")
			if set.Version != v || !strings.HasPrefix(set.Source, "k8s.io/api v0."+minor+".") {
				t.Errorf("Version %q, Source %q", set.Version, set.Source)
			}
			if len(set.Kinds) <= 50 {
				t.Errorf("%d kinds, want > 50", len(set.Kinds))
			}
			sorted := slices.IsSortedFunc(set.Kinds, func(a, b Kind) int {
				return strings.Compare(a.Group+"\x00"+a.Version+"\x00"+a.Kind, b.Group+"\x00"+b.Version+"\x00"+b.Kind)
			})
			if !sorted {
				t.Error("kinds are not sorted by group, version, kind")
			}
			for _, k := range set.Kinds {
				if _, ok := set.Definitions[k.Definition]; !ok {
					t.Errorf("%s %s: definition %s missing", k.APIVersion(), k.Kind, k.Definition)
				}
				if strings.HasSuffix(k.Kind, "List") || strings.HasSuffix(k.Kind, "Options") || k.Kind == "WatchEvent" || k.Kind == "Status" {
					t.Errorf("%s %s: not a manifest kind", k.APIVersion(), k.Kind)
				}
			}
			for _, want := range []string{"v1 Pod", "apps/v1 Deployment", "apiextensions.k8s.io/v1 CustomResourceDefinition", "apiregistration.k8s.io/v1 APIService"} {
				apiVersion, kind, _ := strings.Cut(want, " ")
				if _, ok := set.Lookup(apiVersion, kind); !ok {
					t.Errorf("%s missing", want)
				}
			}
		})
	}
}

func TestLoadVersionSpellings(t *testing.T) {
	for _, v := range []string{"1.33", "v1.33", "1.33.4", "v1.33.0"} {
		set, err := Load(v)
		if err != nil {
			t.Errorf("Load(%q): %v", v, err)
			continue
		}
		if set.Version != "1.33" {
			t.Errorf("Load(%q).Version = %q", v, set.Version)
		}
	}
	for _, v := range []string{"1.20", "2.33", "1.x", "", "1.33.4.1", "latest"} {
		_, err := Load(v)
		if err == nil || !strings.Contains(err.Error(), "1.31, 1.32") {
			t.Errorf("Load(%q): got %v, want an error listing the supported versions", v, err)
		}
	}
}

// compile compiles the definition of one kind from the set's document.
func compile(t *testing.T, set *Set, apiVersion, kind string) *jsonschema.Schema {
	t.Helper()
	k, ok := set.Lookup(apiVersion, kind)
	if !ok {
		t.Fatalf("%s %s not in %s", apiVersion, kind, set.Version)
	}
	s, err := newCompiler(t, set).Compile("builtin.json#/definitions/" + k.Definition)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// newCompiler returns a compiler holding the set's whole document as
// builtin.json, its definitions reachable by JSON pointer.
func newCompiler(t *testing.T, set *Set) *jsonschema.Compiler {
	t.Helper()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(set.Document()))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	if err := c.AddResource("builtin.json", doc); err != nil {
		t.Fatal(err)
	}
	return c
}

const deployment = `{
  "apiVersion": "apps/v1", "kind": "Deployment",
  "metadata": {"name": "web", "labels": {"app": "web"}, "creationTimestamp": null},
  "spec": {
    "replicas": 2,
    "selector": {"matchLabels": {"app": "web"}},
    "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1, "maxUnavailable": "25%"}},
    "template": {
      "metadata": {"labels": {"app": "web"}},
      "spec": {"containers": [{
        "name": "web", "image": "nginx:1.27",
        "ports": [{"containerPort": 80}],
        "resources": {"limits": {"cpu": "500m", "memory": "128Mi"}, "requests": {"cpu": 0.25, "memory": 64}},
        "livenessProbe": {"httpGet": {"path": "/", "port": "http"}}
      }]}
    }
  }
}`

// patch applies a change to a decoded copy of deployment.
func patch(t *testing.T, change func(d map[string]any)) any {
	t.Helper()
	d, err := jsonschema.UnmarshalJSON(strings.NewReader(deployment))
	if err != nil {
		t.Fatal(err)
	}
	if change != nil {
		change(d.(map[string]any))
	}
	return d
}

func field(d map[string]any, path ...string) map[string]any {
	for _, p := range path {
		switch v := d[p].(type) {
		case map[string]any:
			d = v
		case []any:
			d = v[0].(map[string]any)
		}
	}
	return d
}

func TestDeploymentSchema(t *testing.T) {
	for _, v := range Versions() {
		set, err := Load(v)
		if err != nil {
			t.Fatal(err)
		}
		s := compile(t, set, "apps/v1", "Deployment")
		tests := []struct {
			name    string
			change  func(d map[string]any)
			wantErr string // a substring of the error; "" for valid
		}{
			{"valid", nil, ""},
			{"unknown field spec.template.spec.image", func(d map[string]any) {
				field(d, "spec", "template", "spec")["image"] = "nginx"
			}, "'image'"},
			{"unknown field in metadata", func(d map[string]any) { field(d, "metadata")["lables"] = map[string]any{} }, "'lables'"},
			{"wrong kind", func(d map[string]any) { d["kind"] = "StatefulSet" }, "/kind"},
			{"wrong apiVersion", func(d map[string]any) { d["apiVersion"] = "apps/v1beta1" }, "/apiVersion"},
			{"wrong type", func(d map[string]any) { field(d, "spec")["replicas"] = "two" }, "replicas"},
			{"bad enum", func(d map[string]any) {
				field(d, "spec", "template", "spec", "containers")["imagePullPolicy"] = "Sometimes"
			}, "imagePullPolicy"},
			{"missing required container name", func(d map[string]any) {
				delete(field(d, "spec", "template", "spec", "containers"), "name")
			}, "name"},
			{"int-or-string as string", func(d map[string]any) { field(d, "spec", "strategy", "rollingUpdate")["maxSurge"] = "50%" }, ""},
			{"int-or-string as integer", func(d map[string]any) {
				field(d, "spec", "strategy", "rollingUpdate")["maxUnavailable"] = json.Number("0")
			}, ""},
			{"int-or-string as boolean", func(d map[string]any) { field(d, "spec", "strategy", "rollingUpdate")["maxSurge"] = true }, "maxSurge"},
			{"quantity as object", func(d map[string]any) {
				field(d, "spec", "template", "spec", "containers", "resources", "limits")["cpu"] = map[string]any{}
			}, "cpu"},
			{"optional field null", func(d map[string]any) { field(d, "spec")["strategy"] = nil }, ""},
			{"optional scalar null", func(d map[string]any) { field(d, "spec")["replicas"] = nil }, ""},
			{"required field null", func(d map[string]any) { field(d, "spec")["selector"] = nil }, "selector"},
			{"list item null", func(d map[string]any) { field(d, "spec", "template", "spec")["containers"] = []any{nil} }, "containers"},
		}
		for _, tt := range tests {
			t.Run(v+"/"+tt.name, func(t *testing.T) {
				err := s.Validate(patch(t, tt.change))
				switch {
				case tt.wantErr == "" && err != nil:
					t.Errorf("rejected: %v", err)
				case tt.wantErr != "" && err == nil:
					t.Error("accepted")
				case tt.wantErr != "" && !strings.Contains(err.Error(), tt.wantErr):
					t.Errorf("error does not mention %q: %v", tt.wantErr, err)
				}
			})
		}
	}
}

// TestEveryKindCompiles compiles the schema of every kind of the newest set.
func TestEveryKindCompiles(t *testing.T) {
	set, err := Load(Newest())
	if err != nil {
		t.Fatal(err)
	}
	c := newCompiler(t, set)
	for _, k := range set.Kinds {
		if _, err := c.Compile("builtin.json#/definitions/" + k.Definition); err != nil {
			t.Errorf("%s %s: %v", k.APIVersion(), k.Kind, err)
		}
	}
}

func TestLifecycle(t *testing.T) {
	tests := []struct {
		version string
		want    Kind // Group, Version, Kind select; the rest is compared
	}{
		{"1.37", Kind{Group: "flowcontrol.apiserver.k8s.io", Version: "v1beta3", Kind: "FlowSchema",
			Introduced: "1.26", Deprecated: "1.29", Removed: "1.32", Replacement: "flowcontrol.apiserver.k8s.io/v1 FlowSchema"}},
		{"1.37", Kind{Group: "extensions", Version: "v1beta1", Kind: "Ingress",
			Introduced: "1.1", Deprecated: "1.14", Removed: "1.22", Replacement: "networking.k8s.io/v1 Ingress"}},
		{"1.37", Kind{Group: "batch", Version: "v1beta1", Kind: "CronJob",
			Introduced: "1.8", Deprecated: "1.21", Removed: "1.25", Replacement: "batch/v1 CronJob"}},
		{"1.37", Kind{Group: "apiextensions.k8s.io", Version: "v1beta1", Kind: "CustomResourceDefinition",
			Introduced: "1.7", Deprecated: "1.16", Removed: "1.22", Replacement: "apiextensions.k8s.io/v1 CustomResourceDefinition"}},
		{"1.37", Kind{Group: "", Version: "v1", Kind: "Endpoints",
			Introduced: "1.0", Deprecated: "1.33", Replacement: "discovery.k8s.io/v1 EndpointSlice"}},
		{"1.37", Kind{Group: "apps", Version: "v1", Kind: "Deployment"}},
		// k8s.io/api drops a group version some releases after its removal:
		// autoscaling/v2beta2 is in the 1.31 set, not in the 1.37 one.
		{"1.31", Kind{Group: "autoscaling", Version: "v2beta2", Kind: "HorizontalPodAutoscaler",
			Introduced: "1.12", Deprecated: "1.23", Removed: "1.26", Replacement: "autoscaling/v2 HorizontalPodAutoscaler"}},
	}
	for _, tt := range tests {
		set, err := Load(tt.version)
		if err != nil {
			t.Fatal(err)
		}
		got, ok := set.Lookup(Kind{Group: tt.want.Group, Version: tt.want.Version}.APIVersion(), tt.want.Kind)
		if !ok {
			t.Errorf("%s: %s %s missing", tt.version, tt.want.APIVersion(), tt.want.Kind)
			continue
		}
		got.Definition = ""
		if tt.want.Introduced == "" {
			got.Introduced = "" // GA types of some versions carry Introduced only
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("%s %s %s (-want +got)\n%s", tt.version, tt.want.APIVersion(), tt.want.Kind, diff)
		}
	}
}

// TestRemarshalDeterministic checks that a loaded set marshals back to the
// embedded bytes exactly: no field is lost in decoding, and encoding is
// stable.
func TestRemarshalDeterministic(t *testing.T) {
	for _, v := range Versions() {
		zipped, err := data.ReadFile(path.Join("data", v+".json.gz"))
		if err != nil {
			t.Fatal(err)
		}
		zr, err := gzip.NewReader(bytes.NewReader(zipped))
		if err != nil {
			t.Fatal(err)
		}
		embedded, err := io.ReadAll(zr)
		if err != nil {
			t.Fatal(err)
		}
		var first []byte
		for i := range 2 {
			set, err := Load(v)
			if err != nil {
				t.Fatal(err)
			}
			got, err := json.Marshal(set)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, embedded) {
				t.Fatalf("%s: re-marshalled set differs from the embedded data", v)
			}
			doc := set.Document()
			if i == 1 && !bytes.Equal(doc, first) {
				t.Fatalf("%s: Document differs between loads", v)
			}
			first = doc
		}
	}
}
