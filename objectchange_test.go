package syncgate_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"

	"github.com/syncgate/syncgate"
	"github.com/syncgate/syncgate/change"
	"github.com/syncgate/syncgate/manifest"
	"github.com/syncgate/syncgate/render"
)

// decoded decodes YAML documents as target t's objects, from file.
func decoded(t *testing.T, file, text string) []*manifest.Object {
	t.Helper()
	objs, err := manifest.DecodeObjects(file, []byte(text), manifest.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range objs {
		o.Origin.Target = "t"
	}
	return objs
}

func prodDeployment(selector string, replicas int) string {
	return fmt.Sprintf(`apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: prod}
spec:
  replicas: %d
  selector: {matchLabels: {app: %s}}
  template:
    metadata: {labels: {app: %s}}
    spec:
      containers: [{name: api, image: "api:1.0"}]
`, replicas, selector, selector)
}

const pvc = "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: data, namespace: prod}\nspec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}\n"

// TestCheckObjectsChange: CheckObjects with Base checks one object's
// change, as the admission webhook does with a review's oldObject and
// object: the change/* rules, CEL transition rules and change policies.
func TestCheckObjectsChange(t *testing.T) {
	opts := syncgate.DefaultOptions()
	opts.Validate.NoCRDCatalog = true
	g, err := syncgate.New(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { g.Close() })
	// The trusted configuration's change package, read from FS.
	trusted := &syncgate.Config{StageConfig: syncgate.StageConfig{Policies: []string{"policies"}}}
	policies := fstest.MapFS{"policies/change.rego": {Data: []byte(`package change

deny contains msg if {
	input.operation == "DELETE"
	input.old.kind == "PersistentVolumeClaim"
	msg := sprintf("%s deletes PersistentVolumeClaim %s", [input.target, input.old.metadata.name])
}
`)}}
	scaler := func(replicas int) string {
		return fmt.Sprintf("apiVersion: example.com/v1\nkind: Scaler\nmetadata: {name: s, namespace: prod}\nspec: {replicas: %d}\n", replicas)
	}
	tests := []struct {
		name     string
		old, new string // "" for none
		noBase   bool
		want     []string // change/* and change policy findings
		wantDiff []string
	}{
		{name: "replicas of a prod Deployment drop to 0", old: prodDeployment("api", 3), new: prodDeployment("api", 0),
			want:     []string{"error policy/replicas-to-zero t Deployment/prod/api "},
			wantDiff: []string{"modified Deployment/prod/api"}},
		{name: "selector change", old: prodDeployment("api", 3), new: prodDeployment("api2", 3),
			want:     []string{"error change/immutable-selector t Deployment/prod/api spec.selector"},
			wantDiff: []string{"modified Deployment/prod/api"}},
		{name: "delete a PVC", old: pvc,
			want:     []string{"error change/prune-data-loss t PersistentVolumeClaim/prod/data ", "error policy/change/deny t PersistentVolumeClaim/prod/data "},
			wantDiff: []string{"removed PersistentVolumeClaim/prod/data"}},
		{name: "create", new: pvc, wantDiff: []string{"added PersistentVolumeClaim/prod/data"}},
		{name: "no change", old: prodDeployment("api", 3), new: prodDeployment("api", 3), wantDiff: []string{}},
		{name: "CEL transition rule", old: fixtureCRD + "---\n" + scaler(3), new: fixtureCRD + "---\n" + scaler(2),
			want:     []string{"error change/cel-transition t Scaler/prod/s spec"},
			wantDiff: []string{"modified Scaler/prod/s"}},
		{name: "without Base, a plain check", new: prodDeployment("api", 0), noBase: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			target := render.Target{Name: "t"}
			in := syncgate.Objects{Trusted: trusted, FS: policies, Change: change.DefaultOptions(),
				Targets: []*render.Result{{Target: target, Objects: decoded(t, "new.yaml", tt.new)}}}
			if !tt.noBase {
				in.Base = []*render.Result{{Target: target, Objects: decoded(t, "old.yaml", tt.old)}}
			}
			d, err := g.CheckObjects(context.Background(), in)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, f := range d.Findings {
				if strings.HasPrefix(f.Rule, "change/") || f.Rule == "policy/replicas-to-zero" || strings.HasPrefix(f.Rule, "policy/change/") {
					got = append(got, findingLine(f))
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("findings (-want +got):\n%s", diff)
			}
			if tt.noBase {
				if d.Diff != nil {
					t.Errorf("Diff = %+v without Base, want nil", d.Diff)
				}
				return
			}
			gotDiff := []string{}
			for _, o := range d.Diff.Objects {
				gotDiff = append(gotDiff, fmt.Sprintf("%s %s", o.Change, o.Ref()))
			}
			if diff := cmp.Diff(tt.wantDiff, gotDiff); diff != "" {
				t.Errorf("diff (-want +got):\n%s", diff)
			}
		})
	}
}
