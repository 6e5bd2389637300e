package provenance_test

import (
	"context"
	"fmt"
	"os"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/syncgate/syncgate/engine"
	"github.com/syncgate/syncgate/internal/rendertest"
	"github.com/syncgate/syncgate/manifest"
	"github.com/syncgate/syncgate/provenance"
	"github.com/syncgate/syncgate/render"
)

// TestLocate renders testdata/provenance and, for one field per kind of
// writer, asks where a finding on it belongs. The rows are the table of
// issue 16: what sets the field, the file:line a person must change, and
// the related locations.
func TestLocate(t *testing.T) {
	fsys := os.DirFS("../testdata/provenance")
	results := rendertest.All(t, fsys)
	tests := []struct {
		writer  string
		target  string
		kind    string
		name    string
		field   string
		want    string
		related []string
	}{
		{writer: "base", target: "kustomize/overlay", kind: "Deployment", name: "prod-web",
			field: "spec.template.spec.containers[0].ports[0].containerPort", want: "kustomize/base/deployment.yaml:22"},
		{writer: "base, whole object", target: "kustomize/overlay", kind: "Deployment", name: "prod-web",
			want: "kustomize/base/deployment.yaml:2"},
		{writer: "base, missing field: its deepest parent", target: "kustomize/overlay", kind: "Deployment", name: "prod-web",
			field: "spec.template.spec.containers[0].livenessProbe", want: "kustomize/base/deployment.yaml:19"},
		{writer: "SMP patch", target: "kustomize/overlay", kind: "Deployment", name: "prod-web",
			field: "spec.template.spec.containers[0].resources.limits.memory", want: "kustomize/overlay/memory.yaml:12",
			related: []string{"kustomize/base/deployment.yaml:2 where the object is defined"}},
		{writer: "SMP patch, privileged", target: "kustomize/overlay", kind: "Deployment", name: "prod-web",
			field: "spec.template.spec.containers[0].securityContext.privileged", want: "kustomize/overlay/memory.yaml:14",
			related: []string{"kustomize/base/deployment.yaml:2 where the object is defined"}},
		{writer: "missing field: the container the base makes, which patches merge into", target: "kustomize/overlay", kind: "Deployment", name: "prod-web",
			field: "spec.template.spec.containers[0]", want: "kustomize/base/deployment.yaml:19"},
		{writer: "missing field: the limits the base makes, which a patch merges into", target: "kustomize/overlay", kind: "Deployment", name: "prod-web",
			field: "spec.template.spec.containers[0].resources.limits", want: "kustomize/base/deployment.yaml:24"},
		{writer: "missing field: the container an SMP patch adds", target: "kustomize/overlay", kind: "Deployment", name: "prod-web",
			field: "spec.template.spec.containers[1]", want: "kustomize/overlay/memory.yaml:15",
			related: []string{"kustomize/base/deployment.yaml:2 where the object is defined"}},
		{writer: "missing field: the securityContext an SMP patch makes, which a later one merges into", target: "kustomize/overlay", kind: "Deployment", name: "prod-web",
			field: "spec.template.spec.containers[0].securityContext", want: "kustomize/overlay/memory.yaml:13",
			related: []string{"kustomize/base/deployment.yaml:2 where the object is defined"}},
		{writer: "missing field: the spec the base makes, which SMP and JSON 6902 patches write into", target: "kustomize/overlay", kind: "Deployment", name: "prod-web",
			field: "spec", want: "kustomize/base/deployment.yaml:8"},
		{writer: "JSON 6902 patch", target: "kustomize/overlay", kind: "Deployment", name: "prod-web",
			field: "spec.replicas", want: "kustomize/overlay/replicas.json6902.yaml:2",
			related: []string{"kustomize/base/deployment.yaml:2 where the object is defined"}},
		{writer: "inline patch", target: "kustomize/overlay", kind: "Deployment", name: "prod-web",
			field: "spec.template.spec.containers[0].securityContext.runAsNonRoot", want: "kustomize/overlay/kustomization.yaml:29",
			related: []string{"kustomize/base/deployment.yaml:2 where the object is defined"}},
		{writer: "generator literal, merged by the overlay", target: "kustomize/overlay", kind: "ConfigMap", name: "prod-settings-49bfgm455t",
			field: "data.LOG_LEVEL", want: "kustomize/overlay/kustomization.yaml:11",
			related: []string{"kustomize/base/kustomization.yaml:6 where the object is defined"}},
		{writer: "generator literal", target: "kustomize/overlay", kind: "ConfigMap", name: "prod-settings-49bfgm455t",
			field: "data.MODE", want: "kustomize/base/kustomization.yaml:9"},
		{writer: "images transformer", target: "kustomize/overlay", kind: "Deployment", name: "prod-web",
			field: "spec.template.spec.containers[0].image", want: "kustomize/overlay/kustomization.yaml:32",
			related: []string{"kustomize/base/deployment.yaml:2 where the object is defined"}},
		{writer: "namespace transformer", target: "kustomize/overlay", kind: "Deployment", name: "prod-web",
			field: "metadata.namespace", want: "kustomize/overlay/kustomization.yaml:3",
			related: []string{"kustomize/base/deployment.yaml:2 where the object is defined"}},
		{writer: "prefix transformer", target: "kustomize/overlay", kind: "Deployment", name: "prod-web",
			field: "metadata.name", want: "kustomize/overlay/kustomization.yaml:4",
			related: []string{"kustomize/base/deployment.yaml:2 where the object is defined"}},
		{writer: "Helm template", target: "chart:prod", kind: "Deployment", name: "release-name-shop",
			field: "spec.template.spec.containers[0].ports[0].containerPort", want: "chart/templates/deployment.yaml:21"},
		{writer: "Helm template, missing field: the container", target: "chart:prod", kind: "Deployment", name: "release-name-shop",
			field: "spec.template.spec.containers[0]", want: "chart/templates/deployment.yaml:18"},
		{writer: "Helm template, through include", target: "chart", kind: "Deployment", name: "release-name-shop",
			field: "metadata.labels.app.kubernetes.io/instance", want: "chart/templates/_helpers.tpl:4",
			related: []string{"chart/templates/deployment.yaml:5 template that includes it"}},
		{writer: "Helm values, environment file", target: "chart:prod", kind: "Deployment", name: "release-name-shop",
			field: "spec.template.spec.containers[0].image", want: "chart/values-prod.yaml:4",
			related: []string{"chart/templates/deployment.yaml:19 template that writes the field"}},
		{writer: "Helm values, chart default", target: "chart", kind: "Deployment", name: "release-name-shop",
			field: "spec.template.spec.containers[0].image", want: "chart/values.yaml:4",
			related: []string{"chart/templates/deployment.yaml:19 template that writes the field"}},
		{writer: "Helm values, last file to set it", target: "chart:prod", kind: "Deployment", name: "release-name-shop",
			field: "spec.replicas", want: "chart/values-prod.yaml:2",
			related: []string{"chart/templates/deployment.yaml:8 template that writes the field"}},
		{writer: "Helm template, second document of its kind", target: "chart", kind: "ClusterRole", name: "release-name-secrets",
			field: "rules[0].verbs", want: "chart/templates/rbac.yaml:18"},
		{writer: "Helm template, second document of its kind, whole object", target: "chart", kind: "ClusterRole", name: "release-name-secrets",
			want: "chart/templates/rbac.yaml:11"},
		{writer: "plain file", target: "plain", kind: "Service", name: "api",
			field: "spec.ports[0].targetPort", want: "plain/app.yaml:10"},
		{writer: "plain file, second document", target: "plain", kind: "ConfigMap", name: "api",
			field: "data.greeting", want: "plain/app.yaml:17"},
	}
	for _, tt := range tests {
		t.Run(tt.writer, func(t *testing.T) {
			obj := find(t, results, tt.target, tt.kind, tt.name)
			ref := obj.Ref()
			findings := []manifest.Finding{{Rule: "test/rule", Severity: manifest.SeverityError, Target: tt.target,
				Object: &ref, Field: tt.field, File: obj.Origin.File, Line: obj.Origin.Line}}
			provenance.New(fsys, manifest.Limits{}).Locate(results, findings)
			f := findings[0]
			got := fmt.Sprintf("%s:%d", f.File, f.Line)
			var related []string
			for _, r := range f.Related {
				related = append(related, fmt.Sprintf("%s:%d %s", r.File, r.Line, r.Why))
			}
			t.Logf("%-45s want %-45s got %s", tt.writer, tt.want, got)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("location (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.related, related); diff != "" {
				t.Errorf("related (-want +got):\n%s", diff)
			}
		})
	}
}

// TestLocateKeepsPreciseFindings leaves alone a finding a stage placed
// on another line than its object's, and one of no known target.
func TestLocateKeepsPreciseFindings(t *testing.T) {
	fsys := os.DirFS("../testdata/provenance")
	results := rendertest.All(t, fsys)
	obj := find(t, results, "plain", "Service", "api")
	ref := obj.Ref()
	findings := []manifest.Finding{
		{Rule: "test/precise", Target: "plain", Object: &ref, Field: "spec.ports[0].targetPort", File: obj.Origin.File, Line: 9},
		{Rule: "test/no-target", Target: "elsewhere", Object: &ref, Field: "spec.ports[0].targetPort", File: obj.Origin.File, Line: obj.Origin.Line},
	}
	want := append([]manifest.Finding(nil), findings...)
	provenance.New(fsys, manifest.Limits{}).Locate(results, findings)
	if diff := cmp.Diff(want, findings); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}
}

func find(t *testing.T, results []*render.Result, target, kind, name string) *manifest.Object {
	t.Helper()
	for _, res := range results {
		if res.Target.Name != target {
			continue
		}
		if res.Err != nil {
			t.Fatalf("render %s: %v", target, res.Err)
		}
		for _, o := range res.Objects {
			if o.Kind == kind && o.Name == name {
				return o
			}
		}
	}
	t.Fatalf("no %s %s in target %s", kind, name, target)
	return nil
}

// TestLocateArtifact places a finding of an object an ArtifactGenerator
// copied on the repository file's line, with the generator as a related
// place.
func TestLocateArtifact(t *testing.T) {
	fsys := os.DirFS("../testdata/engine/artifact")
	targets, err := engine.Discover(fsys, ".", engine.Options{RepoURL: "https://github.com/example/fleet"})
	if err != nil {
		t.Fatal(err)
	}
	targets = slices.DeleteFunc(targets, func(tg render.Target) bool { return tg.Name != "flux/flux-system/podinfo" })
	r, err := render.New(render.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	results := r.RenderAll(context.Background(), fsys, targets)
	obj := find(t, results, "flux/flux-system/podinfo", "Deployment", "podinfo")
	ref := obj.Ref()
	findings := []manifest.Finding{{Rule: "test/replicas", Target: "flux/flux-system/podinfo", Object: &ref, Field: "spec.replicas", File: obj.Origin.File, Line: obj.Origin.Line}}
	provenance.New(fsys, manifest.Limits{}).Locate(results, findings)
	want := manifest.Finding{Rule: "test/replicas", Target: "flux/flux-system/podinfo", Object: &ref, Field: "spec.replicas", File: "apps/podinfo/deployment.yaml", Line: 6,
		Related: []manifest.Location{{File: "clusters/prod/generators.yaml", Line: 1, Why: "ArtifactGenerator that copies the object's file into the artifact the target renders"}}}
	if diff := cmp.Diff(want, findings[0]); diff != "" {
		t.Errorf("finding (-want +got):\n%s", diff)
	}
}
