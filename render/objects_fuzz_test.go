package render

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"sigs.k8s.io/kustomize/api/provider"
	"sigs.k8s.io/kustomize/api/resmap"

	"github.com/syncgate/syncgate/manifest"
)

// FuzzDirectObjects checks that converting kustomize resources directly
// gives what printing and decoding them gives, on any input kustomize
// reads: numbers, strings YAML could read as other types, tags, anchors.
func FuzzDirectObjects(f *testing.F) {
	for _, seed := range []string{
		"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  a: \"1\"\n  b: \"0o17\"\n  c: \"1e3\"\n  d: \"yes\"\n  e: \"~\"\n  f: \"\"\n",
		"apiVersion: v1\nkind: X\nmetadata:\n  name: a\nspec:\n  f: 1.0\n  g: 1e21\n  h: -0.0\n  i: 18446744073709551615\n  j: 0x1F\n  k: 1_000\n  l: .5\n",
		"apiVersion: v1\nkind: X\nmetadata:\n  name: a\nspec:\n  t: 2024-01-02\n  b: !!binary aGVsbG8=\n  s: !!str 12\n  m: {<<: {a: 1}}\n  n: \"a\\u2028b\\tc\\nd\"\n  u: \"\\x85\"\n",
		"apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: a\n",
		"apiVersion: v1\nkind: X\nmetadata:\n  name: a\nx: &a [1, 2]\ny: *a\nz: .inf\n",
	} {
		f.Add([]byte(seed))
	}
	rmf := resmap.NewFactory(provider.NewDefaultDepProvider().GetResourceFactory())
	limits := manifest.DefaultLimits()
	f.Fuzz(func(t *testing.T, data []byte) {
		if _, err := manifest.Decode("in.yaml", data, limits); err != nil {
			return // syncgate refuses it before kustomize reads it
		}
		parse := func() resmap.ResMap {
			m, err := rmf.NewResMapFromBytes(data)
			if err != nil {
				return nil
			}
			return m
		}
		printedMap, directMap := parse(), parse()
		if printedMap == nil {
			return
		}
		target := Target{Name: "fuzz"}
		want, werr := printed(target, printedMap.AsYaml, limits)
		got, gerr := objectsOf(target, directMap.Resources(), directMap.AsYaml, limits)
		if (werr == nil) != (gerr == nil) {
			t.Fatalf("errors differ: printed %v, direct %v", werr, gerr)
		}
		// Render sets the origins, which the stream does not hold.
		if diff := cmp.Diff(want, got, cmpopts.IgnoreFields(manifest.Object{}, "Origin")); diff != "" {
			t.Errorf("objects differ (-printed +direct):\n%s", diff)
		}
	})
}
