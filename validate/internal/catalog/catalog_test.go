package catalog

import (
	"strings"
	"testing"
)

// Every project of the index has a data file that holds the CRD of each
// of its kinds, and no data file is left without a project.
func TestIndexMatchesData(t *testing.T) {
	files, err := data.ReadDir("data")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != len(Entries()) {
		t.Errorf("%d data files, %d projects", len(files), len(Entries()))
	}
	for _, e := range Entries() {
		crds, err := Load(e.Name)
		if err != nil {
			t.Fatal(err)
		}
		used := map[string]bool{}
		for _, k := range e.Kinds {
			if _, ok := crds[k.CRD]; !ok {
				t.Errorf("%s: %s/%s %s: no CRD %s in the data file", e.Name, k.Group, k.Version, k.Kind, k.CRD)
			}
			used[k.CRD] = true
		}
		if len(used) != len(crds) {
			t.Errorf("%s: %d CRDs in the data file, %d in the index", e.Name, len(crds), len(used))
		}
	}
}

func TestLoadUnknown(t *testing.T) {
	if _, err := Load("nope"); err == nil || !strings.Contains(err.Error(), `no project "nope"`) {
		t.Errorf("Load(nope) = %v, want no project", err)
	}
}
