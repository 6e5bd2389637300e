package validate

import (
	"context"
	"log/slog"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/syncgate/syncgate/manifest"
)

func TestNewRefuses(t *testing.T) {
	tests := []struct {
		name string
		opts Options
		want string
	}{
		{"missing-schemas", Options{MissingSchemas: "sometimes"}, `missing-schemas "sometimes"`},
		{"version", Options{KubernetesVersion: "1.12"}, "kubernetes version"},
		{"remote location", Options{SchemaLocations: []string{"https://example.com/schemas"}}, "need --allow-remote"},
		{"bad template", Options{SchemaLocations: []string{"dir/{{ .Nope"}}, "schema location"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.opts)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("New() error = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

// TestKubernetesVersions checks the list that syncgate version prints
// against what New accepts: every version listed loads, and the newest is
// the default.
func TestKubernetesVersions(t *testing.T) {
	versions := KubernetesVersions()
	if len(versions) == 0 {
		t.Fatal("no built-in Kubernetes versions")
	}
	for _, v := range versions {
		if _, err := New(Options{KubernetesVersion: v}); err != nil {
			t.Errorf("listed version %s does not load: %v", v, err)
		}
	}
	v, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := v.KubernetesVersion(), versions[len(versions)-1]; got != want {
		t.Errorf("default version %s, want the newest listed, %s", got, want)
	}
}

func TestSchemaLocations(t *testing.T) {
	objs := decodeObjects(t, "dashboards.yaml", []byte(`apiVersion: monitoring.example.net/v1
kind: Dashboard
metadata:
  name: ok
spec:
  panels: 2
  refresh: 1m30s
---
apiVersion: monitoring.example.net/v1
kind: Dashboard
metadata:
  name: Bad_Name
spec:
  panels: 0
  refresh: soon
  title: x
---
apiVersion: monitoring.example.net/v2
kind: Dashboard
metadata:
  name: newer
`))
	tests := []struct {
		name    string
		missing MissingSchemas
		want    []string
	}{
		{"warning", "", []string{
			"dashboards.yaml:9 schema/format spec.refresh",
			"dashboards.yaml:9 schema/invalid spec.panels",
			"dashboards.yaml:9 schema/name metadata.name",
			"dashboards.yaml:9 schema/unknown-field spec.title",
			"dashboards.yaml:18 schema/missing-schema  warning",
		}},
		{"error", MissingSchemasError, []string{
			"dashboards.yaml:9 schema/format spec.refresh",
			"dashboards.yaml:9 schema/invalid spec.panels",
			"dashboards.yaml:9 schema/name metadata.name",
			"dashboards.yaml:9 schema/unknown-field spec.title",
			"dashboards.yaml:18 schema/missing-schema ",
		}},
		{"ignore", MissingSchemasIgnore, []string{
			"dashboards.yaml:9 schema/format spec.refresh",
			"dashboards.yaml:9 schema/invalid spec.panels",
			"dashboards.yaml:9 schema/name metadata.name",
			"dashboards.yaml:9 schema/unknown-field spec.title",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := New(Options{SchemaLocations: []string{"testdata/schemas"}, MissingSchemas: tt.missing})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, f := range v.Validate(context.Background(), objs) {
				got = append(got, short(f))
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("findings (-want +got):\n%s", diff)
			}
		})
	}
}

// short renders a finding as file:line rule field, with the severity when
// it is not error.
func short(f manifest.Finding) string {
	s := f.File + ":" + itoa(f.Line) + " " + f.Rule + " " + f.Field
	if f.Severity != manifest.SeverityError {
		s += " " + string(f.Severity)
	}
	return s
}

// TestUserCRDsSkipOthers checks that documents of a CRD path that are not
// CRDs are skipped and logged, while a CRD the API server would refuse is
// still reported.
func TestUserCRDsSkipOthers(t *testing.T) {
	crds := corpusCRDs(t)
	others := decodeObjects(t, "crds/extra.yaml", []byte(`apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources: [widgets.yaml]
---
apiVersion: v1
kind: ConfigMap
metadata: {name: sample}
---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: broken.example.com}
spec:
  group: example.com
`))
	var log strings.Builder
	v, err := New(Options{CRDs: append(crds, others...), Logger: slog.New(slog.NewTextHandler(&log, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	if err != nil {
		t.Fatal(err)
	}
	findings := v.CRDFindings()
	var got []string
	for _, f := range findings {
		got = append(got, f.Rule+" "+f.Object.String())
	}
	want := []string{"schema/crd-invalid CustomResourceDefinition/broken.example.com"}
	if diff := cmp.Diff(want, slices.Compact(got)); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}
	for _, skipped := range []string{"Kustomization/", "ConfigMap/sample"} {
		if !strings.Contains(log.String(), "skipped") || !strings.Contains(log.String(), skipped) {
			t.Errorf("debug log does not name %s as skipped:\n%s", skipped, log.String())
		}
	}
}

// TestBuiltin: the Kubernetes version's kinds are built in, a CRD's and
// unknown ones are not.
func TestBuiltin(t *testing.T) {
	v, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		apiVersion, kind string
		want             bool
	}{
		{"apps/v1", "Deployment", true},
		{"v1", "ConfigMap", true},
		{"apiextensions.k8s.io/v1", "CustomResourceDefinition", true},
		{"policy/v1", "PodDisruptionBudget", true},
		{"cert-manager.io/v1", "Certificate", false},
		{"v1", "Nonesuch", false},
	}
	for _, tt := range tests {
		t.Run(tt.apiVersion+"/"+tt.kind, func(t *testing.T) {
			obj := decodeObjects(t, "o.yaml", []byte("apiVersion: "+tt.apiVersion+"\nkind: "+tt.kind+"\nmetadata:\n  name: a\n"))[0]
			if got := v.Builtin(obj); got != tt.want {
				t.Errorf("Builtin = %v, want %v", got, tt.want)
			}
		})
	}
}
