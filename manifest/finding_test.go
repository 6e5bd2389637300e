package manifest

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestSortFindings(t *testing.T) {
	pod := &ObjectRef{APIVersion: "v1", Kind: "Pod", Name: "p"}
	svc := &ObjectRef{APIVersion: "v1", Kind: "Service", Name: "s"}
	got := []Finding{
		{Rule: "b", File: "z.yaml", Line: 1},
		{Rule: "b", File: "a.yaml", Line: 9, Object: svc},
		{Rule: "a", File: "a.yaml", Line: 9, Object: svc},
		{Rule: "c", File: "a.yaml", Line: 9, Object: pod},
		{Rule: "a", File: "a.yaml", Line: 2},
		{Rule: "a", Message: "no file"},
	}
	want := []Finding{
		{Rule: "a", Message: "no file"},
		{Rule: "a", File: "a.yaml", Line: 2},
		{Rule: "c", File: "a.yaml", Line: 9, Object: pod},
		{Rule: "a", File: "a.yaml", Line: 9, Object: svc},
		{Rule: "b", File: "a.yaml", Line: 9, Object: svc},
		{Rule: "b", File: "z.yaml", Line: 1},
	}
	SortFindings(got)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("SortFindings (-want +got):\n%s", diff)
	}
}

func TestParseSeverity(t *testing.T) {
	for _, s := range []string{"error", "warning", "info"} {
		if _, err := ParseSeverity(s); err != nil {
			t.Errorf("ParseSeverity(%q): %v", s, err)
		}
	}
	if _, err := ParseSeverity("fatal"); err == nil {
		t.Error("ParseSeverity(fatal) succeeded")
	}
}
