package change_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/syncgate/syncgate/change"
	"github.com/syncgate/syncgate/manifest"
)

// objects decodes a YAML stream as one target's rendered objects.
func objects(t *testing.T, file, stream string) []*manifest.Object {
	t.Helper()
	if stream == "" {
		return nil
	}
	objs, err := manifest.DecodeObjects(file, []byte(stream), manifest.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	return objs
}

const deployment = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: prod
  labels: {app: web, helm.sh/chart: web-1.0.0, app.kubernetes.io/version: "1.0"}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata:
      labels: {app: web}
      annotations: {checksum/config: abc}
    spec:
      containers:
      - {name: web, image: "web:1.0"}
      - {name: sidecar, image: "proxy:1"}
`

func TestCompare(t *testing.T) {
	tests := []struct {
		name       string
		base, head string
		opts       change.Options
		want       []change.Object
	}{
		{
			name: "release noise only",
			base: deployment,
			head: strings.NewReplacer("web-1.0.0", "web-1.1.0", `version: "1.0"`, `version: "1.1"`, "checksum/config: abc", "checksum/config: def").Replace(deployment),
			opts: change.DefaultOptions(),
		},
		{
			name: "noise counts without the defaults",
			base: deployment,
			head: strings.Replace(deployment, "checksum/config: abc", "checksum/config: def", 1),
			want: []change.Object{{Target: "t", APIVersion: "apps/v1", Kind: "Deployment", Namespace: "prod", Name: "web", Change: change.Modified,
				Fields: []change.Field{{Path: "spec.template.metadata.annotations.checksum/config", Change: change.Modified, From: "abc", To: "def"}}}},
		},
		{
			name: "container matched by name",
			base: deployment,
			head: strings.Replace(deployment, "proxy:1", "proxy:2", 1),
			opts: change.DefaultOptions(),
			want: []change.Object{{Target: "t", APIVersion: "apps/v1", Kind: "Deployment", Namespace: "prod", Name: "web", Change: change.Modified,
				Fields: []change.Field{{Path: "spec.template.spec.containers[name=sidecar].image", Change: change.Modified, From: "proxy:1", To: "proxy:2"}}}},
		},
		{
			name: "ignored field",
			base: deployment,
			head: strings.Replace(deployment, "replicas: 2", "replicas: 5", 1),
			opts: change.Options{IgnoredFields: []string{"spec.replicas"}, IgnoredAnnotations: []string{"checksum/*"}},
		},
		{
			name: "added and removed",
			base: "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: old}\n",
			head: "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: new}\n",
			want: []change.Object{
				{Target: "t", APIVersion: "v1", Kind: "ConfigMap", Name: "new", Change: change.Added},
				{Target: "t", APIVersion: "v1", Kind: "ConfigMap", Name: "old", Change: change.Removed},
			},
		},
		{
			name: "same name, other kind",
			base: "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n",
			head: "apiVersion: v1\nkind: Secret\nmetadata: {name: x}\n",
			want: []change.Object{
				{Target: "t", APIVersion: "v1", Kind: "ConfigMap", Name: "x", Change: change.Removed},
				{Target: "t", APIVersion: "v1", Kind: "Secret", Name: "x", Change: change.Added},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := change.Compare("t", objects(t, "base.yaml", tt.base), objects(t, "head.yaml", tt.head), tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got, cmpopts.IgnoreFields(change.Object{}, "Base", "Head"), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("Compare (-want +got):\n%s", diff)
			}
		})
	}
}

// TestSecretValuesNeverShown: a Secret's diff names the keys that changed
// and never a value, old or new, plain or base64.
func TestSecretValuesNeverShown(t *testing.T) {
	const canaryOld, canaryNew = "c2VjcmV0LW9sZC1jYW5hcnk=", "secret-new-canary"
	base := "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ndata: {password: " + canaryOld + ", same: c2FtZS1jYW5hcnk=}\n"
	head := "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ndata: {same: c2FtZS1jYW5hcnk=}\nstringData: {password: " + canaryNew + "}\n"
	got, err := change.Compare("t", objects(t, "b.yaml", base), objects(t, "h.yaml", head), change.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	want := []change.Field{
		{Path: "stringData.password", Change: change.Added, To: change.RedactedChanged},
		{Path: "data.password", Change: change.Removed, From: change.Redacted},
	}
	if len(got) != 1 {
		t.Fatalf("got %d changes, want 1", len(got))
	}
	if diff := cmp.Diff(want, got[0].Fields); diff != "" {
		t.Errorf("fields (-want +got):\n%s", diff)
	}
	out, err := json.Marshal(got)
	if err != nil {
		t.Fatal(err)
	}
	for _, canary := range []string{canaryOld, canaryNew, "c2FtZS1jYW5hcnk=", "secret-old-canary", "same-canary"} {
		if strings.Contains(string(out), canary) {
			t.Errorf("output holds secret value %q: %s", canary, out)
		}
	}
	changedValue := strings.Replace(head, "stringData: {password: "+canaryNew+"}", "", 1)
	changedValue = strings.Replace(changedValue, "c2FtZS1jYW5hcnk=", "b3RoZXI=", 1)
	got, err = change.Compare("t", objects(t, "b.yaml", base), objects(t, "h.yaml", changedValue), change.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	want = []change.Field{
		{Path: "data.password", Change: change.Removed, From: change.Redacted},
		{Path: "data.same", Change: change.Modified, From: change.Redacted, To: change.RedactedChanged},
	}
	if diff := cmp.Diff(want, got[0].Fields); diff != "" {
		t.Errorf("fields (-want +got):\n%s", diff)
	}
}

func TestCheck(t *testing.T) {
	tests := []struct {
		name       string
		base, head string
		want       []manifest.Finding
	}{
		{
			name: "selector",
			base: deployment,
			head: strings.Replace(deployment, "selector: {matchLabels: {app: web}}", "selector: {matchLabels: {app: web2}}", 1),
			want: []manifest.Finding{{Rule: change.RuleImmutableSelector, Severity: manifest.SeverityError, Field: "spec.selector", Message: "Deployment's spec.selector is immutable: the update is refused"}},
		},
		{
			name: "replicas are fine",
			base: deployment,
			head: strings.Replace(deployment, "replicas: 2", "replicas: 3", 1),
		},
		{
			name: "statefulset",
			base: "apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: db}\nspec: {serviceName: db, replicas: 1, podManagementPolicy: OrderedReady}\n",
			head: "apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: db}\nspec: {serviceName: db, replicas: 3, podManagementPolicy: Parallel}\n",
			want: []manifest.Finding{{Rule: change.RuleStatefulSetSpec, Severity: manifest.SeverityError, Field: "spec.podManagementPolicy",
				Message: "StatefulSet spec.podManagementPolicy cannot change: only replicas, ordinals, template, updateStrategy, revisionHistoryLimit, persistentVolumeClaimRetentionPolicy and minReadySeconds may"}},
		},
		{
			name: "service",
			base: "apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: {type: ExternalName, externalName: a.example.com, clusterIP: 10.0.0.1}\n",
			head: "apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: {clusterIP: 10.0.0.2}\n",
			want: []manifest.Finding{
				{Rule: change.RuleServiceClusterIP, Severity: manifest.SeverityError, Field: "spec.clusterIP", Message: "spec.clusterIP cannot change once allocated (10.0.0.1 to 10.0.0.2)"},
				{Rule: change.RuleServiceType, Severity: manifest.SeverityWarning, Field: "spec.type", Message: "the Service moves from ExternalName to ClusterIP"},
			},
		},
		{
			name: "service becomes headless",
			base: "apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: {ports: [{port: 80}]}\n",
			head: "apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: {clusterIP: None, ports: [{port: 80}]}\n",
			want: []manifest.Finding{{Rule: change.RuleServiceClusterIP, Severity: manifest.SeverityError, Field: "spec.clusterIP",
				Message: "spec.clusterIP cannot change once allocated: a Service with a cluster IP cannot become headless"}},
		},
		{
			name: "headless from ExternalName",
			base: "apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: {type: ExternalName, externalName: a.example.com}\n",
			head: "apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: {type: ExternalName, externalName: a.example.com, clusterIP: None}\n",
		},
		{
			name: "pvc",
			base: "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: data}\nspec: {storageClassName: a, accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}\n",
			head: "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: data}\nspec: {storageClassName: b, accessModes: [ReadWriteOnce], resources: {requests: {storage: 2Gi}}}\n",
			want: []manifest.Finding{{Rule: change.RulePVCSpec, Severity: manifest.SeverityError, Field: "spec.storageClassName", Message: "a bound PersistentVolumeClaim's spec.storageClassName cannot change"}},
		},
		{
			name: "job template",
			base: "apiVersion: batch/v1\nkind: Job\nmetadata: {name: migrate}\nspec: {template: {spec: {containers: [{name: m, image: 'm:1'}]}}}\n",
			head: "apiVersion: batch/v1\nkind: Job\nmetadata: {name: migrate}\nspec: {template: {spec: {containers: [{name: m, image: 'm:2'}]}}}\n",
			want: []manifest.Finding{{Rule: change.RuleJobTemplate, Severity: manifest.SeverityError, Field: "spec.template", Message: "a Job's spec.template is immutable: the update is refused"}},
		},
		{
			name: "immutable configmap",
			base: "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\nimmutable: true\ndata: {a: '1'}\n",
			head: "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\nimmutable: true\ndata: {a: '2'}\n",
			want: []manifest.Finding{{Rule: change.RuleImmutableData, Severity: manifest.SeverityError, Field: "data", Message: "the ConfigMap is immutable: true, so its data cannot change"}},
		},
		{
			name: "mutable configmap",
			base: "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {a: '1'}\n",
			head: "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\nimmutable: true\ndata: {a: '2'}\n",
		},
		{
			name: "removals",
			base: "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: data}\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: team}\n---\napiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: db}\nspec: {volumeClaimTemplates: [{metadata: {name: d}}]}\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\n",
			want: []manifest.Finding{
				{Rule: change.RulePruneDataLoss, Severity: manifest.SeverityError, Message: "the PersistentVolumeClaim is removed: pruning it deletes its volume's data unless the PersistentVolume's reclaim policy is Retain"},
				{Rule: change.RulePruneDataLoss, Severity: manifest.SeverityError, Message: "the Namespace is removed: pruning it deletes every object in it, those no repository manages included"},
				{Rule: change.RulePruneDataLoss, Severity: manifest.SeverityWarning, Message: "the StatefulSet with volumeClaimTemplates is removed: its claims stay unless persistentVolumeClaimRetentionPolicy.whenDeleted is Delete"},
			},
		},
		{
			name: "crd storage version",
			base: "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: {name: a.example.com}\nspec: {versions: [{name: v1, served: true, storage: true}, {name: v2, served: true, storage: false}]}\n",
			head: "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: {name: a.example.com}\nspec: {versions: [{name: v2, served: true, storage: true}]}\n",
			want: []manifest.Finding{{Rule: change.RuleCRDStorageVersion, Severity: manifest.SeverityError, Field: "spec.versions", Message: "version v1, the storage version at base, is removed: objects stored in it cannot be read"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			objs, err := change.Compare("t", objects(t, "base.yaml", tt.base), objects(t, "head.yaml", tt.head), change.DefaultOptions())
			if err != nil {
				t.Fatal(err)
			}
			got := change.Check(objs)
			for i := range got {
				got[i].Target, got[i].Object, got[i].File, got[i].Line = "", nil, "", 0
			}
			if diff := cmp.Diff(tt.want, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("Check (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRulesHaveSeverities(t *testing.T) {
	for _, r := range change.Rules() {
		if r.Severity.Rank() == 0 || !strings.HasPrefix(r.ID, "change/") || r.Summary == "" || r.Remediation == "" {
			t.Errorf("rule %+v is incomplete", r)
		}
	}
}
