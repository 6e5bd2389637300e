package validate

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestReferenceRule checks schema/reference against the API server's
// scaleTargetRef and roleRef checks.
func TestReferenceRule(t *testing.T) {
	hpa := func(ref string) string {
		return "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {name: web}\nspec:\n" + ref + "  maxReplicas: 3\n"
	}
	binding := func(kind, ref string) string {
		return "apiVersion: rbac.authorization.k8s.io/v1\nkind: " + kind + "\nmetadata: {name: b}\n" + ref + "subjects: [{kind: ServiceAccount, name: app, namespace: shop}]\n"
	}
	runMessageCases(t, []messageCase{
		{name: "valid scale target", stream: hpa("  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}\n")},
		{name: "ReplicationController in the core group", stream: hpa("  scaleTargetRef: {apiVersion: v1, kind: ReplicationController, name: web}\n")},
		{name: "scale target without group", stream: hpa("  scaleTargetRef: {apiVersion: v1, kind: Deployment, name: web}\n"),
			want: []string{`schema/reference spec.scaleTargetRef.apiVersion: Invalid value: "v1": apiVersion must specify API group`}},
		{name: "missing scale target", stream: hpa(""),
			want: []string{
				`schema/reference spec.scaleTargetRef.apiVersion: Invalid value: "": apiVersion must specify API group`,
				"schema/reference spec.scaleTargetRef.kind: Required value",
				"schema/reference spec.scaleTargetRef.name: Required value",
				"schema/required spec.scaleTargetRef: required field is missing",
			}},
		{name: "valid RoleBinding to a ClusterRole", stream: binding("RoleBinding", "roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}\n")},
		{name: "ClusterRoleBinding to a Role", stream: binding("ClusterRoleBinding", "roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: view}\n"),
			want: []string{`schema/reference roleRef.kind: Unsupported value: "Role": supported values: "ClusterRole"`}},
	})
}

// TestClaimAccessModes checks that claims need access modes, as
// ValidatePersistentVolumeClaimSpec says.
func TestClaimAccessModes(t *testing.T) {
	const msg = "Required value: at least 1 access mode is required"
	runMessageCases(t, []messageCase{
		{name: "valid", stream: "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: data}\nspec:\n  accessModes: [ReadWriteOnce]\n  resources: {requests: {storage: 1Gi}}\n"},
		{name: "claim", stream: "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: data}\nspec:\n  resources: {requests: {storage: 1Gi}}\n",
			want: []string{"schema/volume spec.accessModes: " + msg}},
		{name: "StatefulSet template", stream: "apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: db}\nspec:\n  serviceName: db\n  selector: {matchLabels: {app: db}}\n  template:\n    metadata: {labels: {app: db}}\n    spec:\n      containers: [{name: db, image: \"db:1\", volumeMounts: [{name: data, mountPath: /data}]}]\n  volumeClaimTemplates:\n    - metadata: {name: data}\n      spec: {resources: {requests: {storage: 1Gi}}}\n",
			want: []string{"schema/volume spec.volumeClaimTemplates[0].spec.accessModes: " + msg}},
	})
}

// TestNativeListDuplicates checks the keyed lists the API server names
// differently from a list-map key check: topology spread constraints (the
// earlier of two, by a pseudo-field) and resource claims (the item).
func TestNativeListDuplicates(t *testing.T) {
	const c = `containers: [{name: app, image: "app:1"}]` + "\n"
	runMessageCases(t, []messageCase{
		{name: "repeated spread constraint", stream: pod(c + "topologySpreadConstraints: [{maxSkew: 1, topologyKey: zone, whenUnsatisfiable: DoNotSchedule}, {maxSkew: 2, topologyKey: zone, whenUnsatisfiable: DoNotSchedule}]\n"),
			want: []string{`schema/duplicate-key spec.topologySpreadConstraints[0].{topologyKey, whenUnsatisfiable}: Duplicate value: "{zone, DoNotSchedule}"`}},
		{name: "claims of the pod", stream: pod(`containers: [{name: app, image: "app:1", resources: {claims: [{name: gpu}]}}]` + "\nresourceClaims: [{name: gpu, resourceClaimName: gpu-claim}]\n")},
		{name: "repeated claim not in the pod", stream: pod(`containers: [{name: app, image: "app:1", resources: {claims: [{name: gpu}, {name: gpu}]}}]` + "\n"),
			want: []string{
				`schema/resources spec.containers[0].resources.claims[0]: Not found: "gpu": must be one of the names in pod.spec.resourceClaims which is empty`,
				`schema/resources spec.containers[0].resources.claims[1]: Duplicate value: "gpu"`,
				`schema/resources spec.containers[0].resources.claims[1]: Not found: "gpu": must be one of the names in pod.spec.resourceClaims which is empty`,
			}},
	})
}

// TestUnservedCRDVersion checks that an object whose kind a given CRD
// defines, but not in the object's version or not served there, is an
// error, as the API server has no such kind; a kind no given CRD defines
// stays a missing schema.
func TestUnservedCRDVersion(t *testing.T) {
	const crd = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: gadgets.example.com}
spec:
  group: example.com
  names: {kind: Gadget, plural: gadgets, singular: gadget, listKind: GadgetList}
  scope: Namespaced
  versions:
    - name: v1
      served: true
      storage: true
      schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}
    - name: v1alpha1
      served: false
      storage: false
      schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}
`
	v, err := New(Options{CRDs: decodeObjects(t, "crd.yaml", []byte(crd))})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, apiVersion, kind string
		want                   []string
	}{
		{"served", "example.com/v1", "Gadget", nil},
		{"not served", "example.com/v1alpha1", "Gadget", []string{`schema/unknown-kind apiVersion: no matches for kind "Gadget" in version "example.com/v1alpha1": CustomResourceDefinition gadgets.example.com serves v1`}},
		{"not defined", "example.com/v2", "Gadget", []string{`schema/unknown-kind apiVersion: no matches for kind "Gadget" in version "example.com/v2": CustomResourceDefinition gadgets.example.com serves v1`}},
		{"other kind", "example.com/v1", "Widget", []string{"schema/missing-schema no schema for example.com/v1 Widget in Kubernetes 1.37, the CRDs or the schema locations"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stream := "apiVersion: " + tt.apiVersion + "\nkind: " + tt.kind + "\nmetadata: {name: g, namespace: shop}\n"
			var got []string
			for _, f := range v.Validate(t.Context(), decodeObjects(t, "g.yaml", []byte(stream))) {
				got = append(got, f.Rule+" "+apiserverWording(f))
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("findings (-want +got):\n%s", diff)
			}
		})
	}
}
