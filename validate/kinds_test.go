package validate

import "testing"

// TestUnknownKind checks that a kind no Kubernetes version serves in one
// of its own groups is an error naming the kind meant.
func TestUnknownKind(t *testing.T) {
	runMessageCases(t, []messageCase{
		{name: "lower case", stream: "apiVersion: v1\nkind: configmap\nmetadata: {name: a}\n",
			want: []string{"schema/unknown-kind kind: v1 configmap is not a Kubernetes 1.37 API; did you mean v1 ConfigMap?"}},
		{name: "typo", stream: "apiVersion: apps/v1\nkind: Deployement\nmetadata: {name: a}\n",
			want: []string{"schema/unknown-kind kind: apps/v1 Deployement is not a Kubernetes 1.37 API; did you mean apps/v1 Deployment?"}},
		{name: "typo in a beta version", stream: "apiVersion: networking.k8s.io/v1\nkind: Ingres\nmetadata: {name: a}\n",
			want: []string{"schema/unknown-kind kind: networking.k8s.io/v1 Ingres is not a Kubernetes 1.37 API; did you mean networking.k8s.io/v1 Ingress?"}},
		{name: "unknown version", stream: "apiVersion: apps/v2\nkind: Deployment\nmetadata: {name: a}\n",
			want: []string{"schema/unknown-kind apiVersion: apps/v2 Deployment is not a Kubernetes 1.37 API; did you mean apps/v1 Deployment?"}},
		{name: "nothing near", stream: "apiVersion: apps/v1\nkind: Widget\nmetadata: {name: a}\n",
			want: []string{`schema/unknown-kind kind: apps/v1 Widget is not a Kubernetes 1.37 API; group "apps" serves ControllerRevision, DaemonSet, Deployment, ReplicaSet, StatefulSet`}},
		// A kind of another Kubernetes version is a lifecycle matter,
		// and a group of its own a missing schema (ignored here).
		{name: "removed kind", stream: "apiVersion: extensions/v1beta1\nkind: Ingress\nmetadata: {name: a}\n",
			want: []string{"schema/removed-api extensions/v1beta1 Ingress was removed in Kubernetes 1.22 and is not served by 1.37; use networking.k8s.io/v1 Ingress"}},
		// Not an unknown kind: the CRD catalogue's schema checks it.
		{name: "CRD group", stream: "apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: a}\n",
			want: []string{"schema/required spec: required field is missing"}},
		{name: "CRD group in a k8s.io suffix", stream: "apiVersion: snapshot.storage.k8s.io/v1\nkind: VolumeSnapshot\nmetadata: {name: a}\n"},
	})
}
