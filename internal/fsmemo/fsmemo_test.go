package fsmemo

import (
	"io/fs"
	"sync/atomic"
	"testing"
	"testing/fstest"
)

var repo = fstest.MapFS{
	"kustomization.yaml":       {Data: []byte("resources: [base]\n")},
	"base/kustomization.yaml":  {Data: []byte("resources: [deployment.yaml]\n")},
	"base/deployment.yaml":     {Data: []byte("kind: Deployment\n")},
	"charts/app/Chart.yaml":    {Data: []byte("name: app\n")},
	"charts/app/values.yaml":   {Data: []byte("replicas: 1\n")},
	"charts/app/templates/a.y": {Data: []byte("{{ .Values.replicas }}\n")},
}

// counting counts the calls that reach a file system.
type counting struct {
	fs.FS
	opens atomic.Int64
}

func (c *counting) Open(name string) (fs.File, error) {
	c.opens.Add(1)
	return c.FS.Open(name)
}

// A memory answers as the file system it remembers does, whether its
// contents are kept or the budget keeps none.
func TestFS(t *testing.T) {
	for _, budget := range []int64{0, 20, 1 << 20} {
		m := New(repo, budget)
		// Twice: the second pass is answered from memory.
		for range 2 {
			if err := fstest.TestFS(m, "kustomization.yaml", "base/deployment.yaml", "charts/app/templates/a.y"); err != nil {
				t.Fatalf("budget %d: %v", budget, err)
			}
		}
	}
}

// Each answer reaches the underlying file system once; file contents stay
// within the budget.
func TestFSRemembers(t *testing.T) {
	tests := []struct {
		name   string
		budget int64
		// opens is how many Opens reach the file system for two rounds
		// of a Stat, a ReadDir and a ReadFile of a file, and two Stats of a
		// missing one.
		opens int64
	}{
		{name: "everything kept", budget: 1 << 20, opens: 4},
		{name: "no contents kept", budget: 0, opens: 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &counting{FS: repo}
			m := New(c, tt.budget)
			for range 2 {
				if _, err := fs.Stat(m, "base/deployment.yaml"); err != nil {
					t.Fatal(err)
				}
				if _, err := fs.ReadDir(m, "base"); err != nil {
					t.Fatal(err)
				}
				data, err := fs.ReadFile(m, "base/deployment.yaml")
				if err != nil || string(data) != "kind: Deployment\n" {
					t.Fatalf("ReadFile = %q, %v", data, err)
				}
				data[0] = 'X' // a caller may change what it was given
			}
			if _, err := fs.Stat(m, "missing.yaml"); err == nil {
				t.Fatal("Stat of a missing file: no error")
			}
			if _, err := fs.Stat(m, "missing.yaml"); err == nil {
				t.Fatal("Stat of a missing file, remembered: no error")
			}
			if got := c.opens.Load(); got != tt.opens {
				t.Errorf("%d opens reached the file system, want %d", got, tt.opens)
			}
			if tt.budget > 0 && m.budget != tt.budget-int64(len("kind: Deployment\n")) {
				t.Errorf("budget left %d, want %d", m.budget, tt.budget-int64(len("kind: Deployment\n")))
			}
		})
	}
}
