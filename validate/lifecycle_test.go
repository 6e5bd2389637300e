package validate

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestLifecycleByVersion checks that deprecated and removed APIs are
// judged against the selected Kubernetes version.
func TestLifecycleByVersion(t *testing.T) {
	objs := decodeObjects(t, "lifecycle.yaml", []byte(`apiVersion: v1
kind: Endpoints
metadata:
  name: db
---
apiVersion: flowcontrol.apiserver.k8s.io/v1beta3
kind: FlowSchema
metadata:
  name: tenants
spec:
  priorityLevelConfiguration:
    name: workload-low
`))
	tests := []struct {
		version string
		want    []string
	}{
		{"1.31", []string{
			"lifecycle.yaml:6 schema/deprecated-api flowcontrol.apiserver.k8s.io/v1beta3 FlowSchema is deprecated since Kubernetes 1.29 and removed in 1.32; use flowcontrol.apiserver.k8s.io/v1 FlowSchema",
		}},
		{"v1.37.2", []string{
			"lifecycle.yaml:1 schema/deprecated-api v1 Endpoints is deprecated since Kubernetes 1.33; use discovery.k8s.io/v1 EndpointSlice",
			"lifecycle.yaml:6 schema/removed-api flowcontrol.apiserver.k8s.io/v1beta3 FlowSchema was removed in Kubernetes 1.32 and is not served by 1.37; use flowcontrol.apiserver.k8s.io/v1 FlowSchema",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.version, func(t *testing.T) {
			v, err := New(Options{KubernetesVersion: tt.version})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, f := range v.Validate(context.Background(), objs) {
				got = append(got, f.File+":"+itoa(f.Line)+" "+f.Rule+" "+f.Message)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("findings (-want +got):\n%s", diff)
			}
		})
	}
}
