package validate_test

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/syncgate/syncgate/manifest"
	"github.com/syncgate/syncgate/validate"
)

const scalerCRD = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: scalers.example.com}
spec:
  group: example.com
  names: {kind: Scaler, plural: scalers, singular: scaler, listKind: ScalerList}
  scope: Namespaced
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            x-kubernetes-validations:
            - rule: self.replicas >= oldSelf.replicas
              message: replicas may not decrease
            - rule: self.replicas <= 10
              message: at most 10 replicas
            properties:
              replicas: {type: integer}
              mode: {type: string, x-kubernetes-validations: [{rule: self == oldSelf, message: mode is immutable}]}
`

func scaler(t *testing.T, spec string) *manifest.Object {
	t.Helper()
	objs, err := manifest.DecodeObjects("s.yaml", []byte("apiVersion: example.com/v1\nkind: Scaler\nmetadata: {name: s, namespace: n}\nspec: "+spec+"\n"), manifest.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	return objs[0]
}

func TestTransition(t *testing.T) {
	crds, err := manifest.DecodeObjects("crd.yaml", []byte(scalerCRD), manifest.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	opts := validate.DefaultOptions()
	opts.CRDs = crds
	v, err := validate.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, old, new string
		want           []string // field: message
	}{
		{"grows", "{replicas: 3, mode: a}", "{replicas: 4, mode: a}", nil},
		{"shrinks", "{replicas: 3, mode: a}", "{replicas: 2, mode: a}", []string{"spec: Invalid value: replicas may not decrease"}},
		{"immutable field", "{replicas: 3, mode: a}", "{replicas: 3, mode: b}", []string{"spec.mode: Invalid value: mode is immutable"}},
		{"a rule without oldSelf is Validate's", "{replicas: 3, mode: a}", "{replicas: 11, mode: a}", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, f := range v.Transition(context.Background(), scaler(t, tt.old), scaler(t, tt.new)) {
				if f.Rule != validate.RuleCEL {
					t.Errorf("rule %s, want %s", f.Rule, validate.RuleCEL)
				}
				got = append(got, f.Field+": "+f.Message)
			}
			if diff := cmp.Diff(tt.want, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("Transition (-want +got):\n%s", diff)
			}
		})
	}
	// A built-in kind has no CRD rules.
	cm, _ := manifest.DecodeObjects("c.yaml", []byte("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n"), manifest.DefaultLimits())
	if got := v.Transition(context.Background(), cm[0], cm[0]); len(got) != 0 {
		t.Errorf("ConfigMap: %v", got)
	}
}
