package render

import (
	"fmt"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"
)

// An InputFinder that reuses another's answers takes them for the
// directories reported the same, and reads its own file system for the
// others: the base below refers to other files in both overlay and base,
// so each answer shows where it came from.
func TestInputFinderReuse(t *testing.T) {
	head := fstest.MapFS{
		"overlay/kustomization.yaml": {Data: []byte("resources: [../base]\npatches: [{path: head-patch.yaml}]\n")},
		"base/kustomization.yaml":    {Data: []byte("resources: [head.yaml]\n")},
	}
	base := fstest.MapFS{
		"overlay/kustomization.yaml": {Data: []byte("resources: [../base]\npatches: [{path: base-patch.yaml}]\n")},
		"base/kustomization.yaml":    {Data: []byte("resources: [base.yaml]\n")},
	}
	tests := []struct {
		name string
		same map[string]bool
		want []string
	}{
		{name: "nothing the same", same: nil, want: []string{"base", "base/base.yaml", "overlay", "overlay/base-patch.yaml"}},
		{name: "base the same", same: map[string]bool{"base": true}, want: []string{"base", "base/head.yaml", "overlay", "overlay/base-patch.yaml"}},
		{name: "both the same", same: map[string]bool{"base": true, "overlay": true}, want: []string{"base", "base/head.yaml", "overlay", "overlay/head-patch.yaml"}},
	}
	from := NewInputFinder(head)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := NewInputFinder(base)
			f.Reuse(from, func(dir string) bool { return tt.same[dir] })
			got := f.Inputs(Target{Name: "overlay", Path: "overlay", Kind: KindKustomize})
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Inputs (-want +got):\n%s", diff)
			}
		})
	}
}

// readKustomization answers from what it parsed before only for the same
// name and contents: an edit, or the same contents elsewhere (whose
// errors name another file), is parsed afresh.
func TestReadKustomizationParsedOnce(t *testing.T) {
	fsys := fstest.MapFS{
		"a/kustomization.yaml": {Data: []byte("resources: [x.yaml]\n")},
		"b/kustomization.yaml": {Data: []byte("resources: [y.yaml]\n")},
		"c/kustomization.yaml": {Data: []byte("- not a mapping\n")},
		"d/kustomization.yaml": {Data: []byte("- not a mapping\n")},
	}
	steps := []struct {
		file, data, want string
	}{
		{file: "a/kustomization.yaml", want: "[x.yaml]"},
		{file: "a/kustomization.yaml", data: "resources: [z.yaml]\n", want: "[z.yaml]"},
		{file: "a/kustomization.yaml", data: "resources: [x.yaml]\n", want: "[x.yaml]"},
		{file: "b/kustomization.yaml", want: "[y.yaml]"},
		{file: "c/kustomization.yaml", want: "c/kustomization.yaml:1: kustomization is not a mapping"},
		{file: "d/kustomization.yaml", want: "d/kustomization.yaml:1: kustomization is not a mapping"},
	}
	for i, s := range steps {
		if s.data != "" {
			fsys[s.file] = &fstest.MapFile{Data: []byte(s.data)}
		}
		var got string
		if k, err := readKustomization(fsys, s.file); err != nil {
			got = err.Error()
		} else {
			got = fmt.Sprint(k.resources)
		}
		if got != s.want {
			t.Errorf("step %d, %s: got %q, want %q", i, s.file, got, s.want)
		}
	}
}

// What readKustomization keeps is bounded in bytes, not entries: a
// server's checks must not pin every kustomization they ever read.
func TestKustomizationMemoBound(t *testing.T) {
	memo := &kustomizationMemo{m: map[kustomizationKey]parsedKustomization{}}
	half := []byte("# " + strings.Repeat("x", maxParsedBytes/2) + "\nresources: []\n")
	for i, file := range []string{"a/kustomization.yaml", "b/kustomization.yaml", "c/kustomization.yaml"} {
		if _, err := memo.get(file, half); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		if memo.bytes > maxParsedBytes || len(memo.m) != 1 {
			t.Errorf("after %d kustomizations: %d bytes in %d entries, want at most %d in one", i+1, memo.bytes, len(memo.m), maxParsedBytes)
		}
	}
	whole := []byte("# " + strings.Repeat("x", maxParsedBytes) + "\nresources: []\n")
	if _, err := memo.get("d/kustomization.yaml", whole); err != nil {
		t.Fatal(err)
	}
	if _, ok := memo.m[kustomizationKey{"d/kustomization.yaml", string(whole)}]; ok {
		t.Errorf("a kustomization larger than the bound was kept")
	}
}
