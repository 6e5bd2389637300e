package render

import (
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
