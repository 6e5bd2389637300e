package validate

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/syncgate/syncgate/manifest"
)

// lazyCRDObjects are CRDs of three lists, the user's (Sprocket) and two
// targets' (Widget in a, Gadget in b, whose CEL rule does not compile),
// and objects of target a.
func lazyCRDObjects(t *testing.T) (user, run, objs []*manifest.Object) {
	t.Helper()
	crd := func(kind, rule string) string {
		return fmt.Sprintf(`apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: %[2]ss.example.com
spec:
  group: example.com
  names: {kind: %[1]s, listKind: %[1]sList, plural: %[2]ss, singular: %[2]s}
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
              x-kubernetes-validations: [{rule: %[3]q}]
              properties:
                size: {type: integer}
`, kind, strings.ToLower(kind), rule)
	}
	in := func(target string, objs []*manifest.Object) []*manifest.Object {
		for _, o := range objs {
			o.Origin.Target = target
		}
		return objs
	}
	user = in("", decodeObjects(t, "sprockets.yaml", []byte(crd("Sprocket", "self.size > 0"))))
	run = append(in("a", decodeObjects(t, "widgets.yaml", []byte(crd("Widget", "self.size > 1")))),
		in("b", decodeObjects(t, "gadgets.yaml", []byte(crd("Gadget", "self.size >"))))...)
	objs = in("a", decodeObjects(t, "objects.yaml", []byte(`apiVersion: v1
kind: ConfigMap
metadata: {name: c, namespace: x}
---
apiVersion: example.com/v1
kind: Widget
metadata: {name: w, namespace: x}
spec: {size: 1}
---
apiVersion: example.com/v1
kind: Gadget
metadata: {name: g, namespace: x}
spec: {size: "large"}
`)))
	return user, run, objs
}

// WithCRDs compiles no CRD: a list is loaded when an object needs it, in
// the order of the lookup (its own target's, the user's, the others'), or
// by CRDFindings.
func TestCRDsLoadedOnFirstUse(t *testing.T) {
	user, run, objs := lazyCRDObjects(t)
	tests := []struct {
		name     string
		validate []*manifest.Object
		findings bool // call CRDFindings
		loaded   []string
	}{
		{name: "nothing validated"},
		{name: "built-in kind", validate: objs[:1]},
		{name: "own target's kind", validate: objs[1:2], loaded: []string{"a"}},
		{name: "other target's kind", validate: objs[2:], loaded: []string{"a", "b", "user"}},
		{name: "CRDFindings", findings: true, loaded: []string{"a", "b", "user"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := New(Options{CRDs: user, NoCRDCatalog: true})
			if err != nil {
				t.Fatal(err)
			}
			rv := v.WithCRDs(run)
			rv.Validate(context.Background(), tt.validate)
			if tt.findings {
				rv.CRDFindings()
			}
			var loaded []string
			for _, name := range []string{"a", "b", "user"} {
				list := rv.targetCRDs[name]
				if name == "user" {
					list = rv.userCRDs
				}
				if list.set != nil {
					loaded = append(loaded, name)
				}
			}
			if diff := cmp.Diff(tt.loaded, loaded); diff != "" {
				t.Errorf("lists loaded (-want +got):\n%s", diff)
			}
		})
	}
}

// Lists loaded on first use by many checks at once give what loading them
// one check at a time gives (go test -race finds a load that is not once).
func TestCRDsLoadedConcurrently(t *testing.T) {
	user, run, objs := lazyCRDObjects(t)
	check := func(rv *Validator) []string {
		var got []string
		for _, f := range append(rv.Validate(context.Background(), objs), rv.CRDFindings()...) {
			got = append(got, short(f)+" "+f.Message)
		}
		return got
	}
	v, err := New(Options{CRDs: user, NoCRDCatalog: true})
	if err != nil {
		t.Fatal(err)
	}
	want := check(v.WithCRDs(run))
	if len(want) < 2 {
		t.Fatalf("want findings on the Gadget CRD and object, got %q", want)
	}
	v, err = New(Options{CRDs: user, NoCRDCatalog: true})
	if err != nil {
		t.Fatal(err)
	}
	rv := v.WithCRDs(run)
	got := make([][]string, 8)
	var wg sync.WaitGroup
	for i := range got {
		wg.Go(func() { got[i] = check(rv) })
	}
	wg.Wait()
	for i, g := range got {
		if diff := cmp.Diff(want, g); diff != "" {
			t.Errorf("check %d (-once +at once):\n%s", i, diff)
		}
	}
}
