package change_test

import (
	"strings"
	"testing"

	"github.com/syncgate/syncgate/change"
	"github.com/syncgate/syncgate/manifest"
)

// FuzzCompare diffs and checks two objects decoded from hostile YAML: no
// panic, and a Secret's values never in the fields.
func FuzzCompare(f *testing.F) {
	f.Add("apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ndata: {a: b}\n", "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ndata: {a: c}\n")
	f.Add(deployment, deployment+"  minReadySeconds: 3\n")
	f.Add("apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: x}\nspec: [1, 2]\n", "apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: x}\nspec: {a: [{name: 1}, {name: 1}]}\n")
	f.Add("apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: {name: x}\nspec: {versions: [{name: v1, storage: true}]}\n", "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: {name: x}\nspec: {versions: 3}\n")
	f.Fuzz(func(t *testing.T, base, head string) {
		b, err := manifest.DecodeObjects("base.yaml", []byte(base), manifest.DefaultLimits())
		if err != nil {
			return
		}
		h, err := manifest.DecodeObjects("head.yaml", []byte(head), manifest.DefaultLimits())
		if err != nil {
			return
		}
		objs, err := change.Compare("t", b, h, change.DefaultOptions())
		if err != nil {
			return
		}
		change.Check(objs)
		for _, o := range objs {
			if o.Kind != "Secret" {
				continue
			}
			for _, fd := range o.Fields {
				for _, v := range []string{fd.From, fd.To} {
					secret := strings.HasPrefix(fd.Path, "data") || strings.HasPrefix(fd.Path, "stringData")
					if secret && v != "" && v != change.Redacted && v != change.RedactedChanged {
						t.Errorf("Secret field %s shows %q", fd.Path, v)
					}
				}
			}
		}
	})
}
