package manifest

import (
	"errors"
	"testing"
)

// FuzzDecode feeds arbitrary bytes to the decoder of untrusted input: it
// must return documents or a *SourceError, never panic or run away.
func FuzzDecode(f *testing.F) {
	seeds := []string{
		"apiVersion: v1\nkind: Pod\nmetadata: {name: a}\n",
		"a: &a [*a]\n",
		"a: &x {b: 1}\nc: {<<: *x, d: 2}\n",
		"---\n- 1\n- [2, {3: 4}]\n---\nnull\n",
		`{"kind": "Pod", "Kind": "Secret"}`,
		"k: v\nk: w\n",
		"x: !!binary aGVsbG8=\ny: 2001-12-14t21:59:43.10-05:00\n",
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	limits := Limits{MaxFileBytes: 1 << 16, MaxDepth: 32, MaxAliasNodes: 1000, MaxDocuments: 64}
	f.Fuzz(func(t *testing.T, data []byte) {
		docs, err := Decode("fuzz.yaml", data, limits)
		if err != nil {
			var se *SourceError
			if !errors.As(err, &se) || se.File != "fuzz.yaml" {
				t.Fatalf("error %v is not a *SourceError naming the file", err)
			}
			return
		}
		if len(docs) > limits.MaxDocuments {
			t.Fatalf("%d documents exceed the limit", len(docs))
		}
	})
}
