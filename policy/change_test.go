package policy

import (
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/syncgate/syncgate/manifest"
)

func changeObject(kind, name string, fields map[string]any) *manifest.Object {
	content := map[string]any{"apiVersion": "v1", "kind": kind, "metadata": map[string]any{"name": name}}
	for k, v := range fields {
		content[k] = v
	}
	if kind == "Deployment" {
		content["apiVersion"] = "apps/v1"
	}
	return manifest.NewObject(content, manifest.Origin{File: "apps/" + name + ".yaml", Line: 2, Target: "apps"})
}

func withImage(image string) map[string]any {
	return map[string]any{"spec": map[string]any{"template": map[string]any{"spec": map[string]any{
		"containers": []any{map[string]any{"name": "app", "image": image}}}}}}
}

func TestEvaluateChanges(t *testing.T) {
	e, err := Load(context.Background(), Options{Dirs: []string{"testdata/change"}, Bundled: true})
	if err != nil {
		t.Fatal(err)
	}
	labelled := func(name string, labels map[string]any) *manifest.Object {
		o := changeObject("ConfigMap", name, nil)
		o.Content["metadata"] = map[string]any{"name": name, "labels": labels}
		return o
	}
	prod := func(replicas int) *manifest.Object {
		o := changeObject("Deployment", "api", map[string]any{"spec": map[string]any{"replicas": replicas}})
		o.Content["metadata"] = map[string]any{"name": "api", "namespace": "prod"}
		o.Namespace = "prod"
		return o
	}
	tests := []struct {
		name   string
		change Change
		want   []short
		// wantText is in every finding's message, where OPA words it.
		wantText string
	}{
		{name: "update fires the change package", change: Change{Operation: Update, Target: "apps/web",
			Old: changeObject("Deployment", "web", withImage("web:1.0")), New: changeObject("Deployment", "web", withImage("web:0.9"))},
			want: []short{{"policy/change/deny_image_downgrade", manifest.SeverityError, "container app is rolled back to web:0.9 in target apps/web"}}},
		{name: "a harmless update", change: Change{Operation: Update, Target: "apps/web",
			Old: changeObject("Deployment", "web", withImage("web:1.0")), New: changeObject("Deployment", "web", withImage("web:1.1"))}},
		{name: "warn", change: Change{Operation: Update, Target: "t",
			Old: labelled("cm", map[string]any{"team": "a"}), New: labelled("cm", map[string]any{})},
			want: []short{{"policy/change/warn_label_removed", manifest.SeverityWarning, "label team is removed"}}},
		{name: "exception", change: Change{Operation: Update, Target: "t",
			Old: labelled("legacy", map[string]any{"team": "a"}), New: labelled("legacy", map[string]any{})}},
		{name: "delete", change: Change{Operation: Delete, Target: "t", Old: changeObject("Namespace", "shop", nil)},
			want: []short{{"policy/change/deny_delete", manifest.SeverityError, "namespace shop is deleted"}}},
		{name: "create has no old object", change: Change{Operation: Create, Target: "t", New: changeObject("Namespace", "shop", nil)}},
		{name: "bundled change policy", change: Change{Operation: Update, Target: "apps/api/overlays/prod", Old: prod(3), New: prod(0)},
			want: []short{{"policy/replicas-to-zero", manifest.SeverityError, "Deployment api in production namespace prod goes from 3 replicas to 0"}}},
		{name: "a secret value never shows", change: Change{Operation: Update, Target: "t",
			Old: changeObject("Secret", "db", map[string]any{"stringData": map[string]any{"password": secretValue}}),
			New: changeObject("Secret", "db", map[string]any{"stringData": map[string]any{"password": "s3cret-new-value"}})},
			wantText: "secret value"},
		{name: "an evaluation error blocks", change: Change{Operation: Create, Target: "t",
			New: changeObject("ConfigMap", "n", map[string]any{"metadata": map[string]any{"name": "n", "annotations": map[string]any{"number": "many"}}})},
			wantText: "to_number"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			findings := e.EvaluateChanges(context.Background(), []Change{tt.change})
			if tt.wantText != "" {
				if len(findings) == 0 {
					t.Fatalf("no findings, want one with %q", tt.wantText)
				}
				for _, f := range findings {
					if !strings.Contains(f.Message, tt.wantText) {
						t.Errorf("message %q does not contain %q", f.Message, tt.wantText)
					}
					if strings.Contains(f.Message, secretValue) || strings.Contains(f.Message, "s3cret-new-value") {
						t.Errorf("message shows a secret value: %q", f.Message)
					}
					if f.Target != tt.change.Target {
						t.Errorf("target = %q, want %q", f.Target, tt.change.Target)
					}
				}
				return
			}
			var got []short
			for _, f := range findings {
				got = append(got, short{f.Rule, f.Severity, f.Message})
				obj := tt.change.New
				if obj == nil {
					obj = tt.change.Old
				}
				if f.Target != tt.change.Target || f.Object == nil || *f.Object != obj.Ref() || f.File != obj.Origin.File {
					t.Errorf("finding %+v: want target %q, object %s and file %s", f, tt.change.Target, obj.Ref(), obj.Origin.File)
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("findings (-want +got):\n%s", diff)
			}
		})
	}
}

// TestChangePackageNotPerObject: package change is given changes only,
// even when every package is evaluated on objects; its rules are among the
// engine's rule IDs.
func TestChangePackageNotPerObject(t *testing.T) {
	e, err := Load(context.Background(), Options{Dirs: []string{"testdata/change"}, AllNamespaces: true})
	if err != nil {
		t.Fatal(err)
	}
	obj := changeObject("Namespace", "shop", nil)
	if got := e.Evaluate(context.Background(), []*manifest.Object{obj}); len(got) != 0 {
		t.Errorf("Evaluate on an object = %v, want no findings", got)
	}
	ids := e.RuleIDs()
	for _, want := range []string{"policy/change/deny_delete", "policy/change/warn_label_removed"} {
		if !strings.Contains(strings.Join(ids, " "), want) {
			t.Errorf("RuleIDs = %v, want %s", ids, want)
		}
	}
	none, err := Load(context.Background(), Options{Dirs: []string{"testdata/basic"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := none.EvaluateChanges(context.Background(), []Change{{Operation: Delete, Old: obj}}); got != nil {
		t.Errorf("an engine without change policies found %v", got)
	}
}

// TestChangePolicyTests: policy test runs the change package's unit tests.
func TestChangePolicyTests(t *testing.T) {
	results, err := RunTests(context.Background(), Options{Dirs: []string{"testdata/change"}})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range results {
		got = append(got, r.String()+" "+string(r.Outcome))
	}
	want := []string{"data.change_test.test_downgrade_denied PASS", "data.change_test.test_upgrade_allowed PASS"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("tests (-want +got):\n%s", diff)
	}
}
