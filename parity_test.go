package syncgate

import (
	"context"
	"io/fs"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/syncgate/syncgate/manifest"
)

// Pre-commit parity: for every file F of a repository, checking F alone,
// as a pre-commit hook does with the files it changed, reports every
// finding that checking the whole repository reports on F.
func TestPreCommitParity(t *testing.T) {
	g, err := New(context.Background(), DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	compared, withFindings := 0, 0
	for _, root := range []string{"examples/broken", "testdata/secrets"} {
		whole := checkRoot(t, g, root, root)
		byFile := map[string][]manifest.Finding{}
		for _, f := range whole.Findings {
			byFile[f.File] = append(byFile[f.File], f)
		}
		err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			rel, _ := filepath.Rel(root, p)
			file := filepath.ToSlash(rel)
			want := byFile[file]
			compared++
			if len(want) > 0 {
				withFindings++
			}
			got := checkRoot(t, g, root, p)
			var missing []manifest.Finding
			for _, f := range want {
				if !containsFinding(got.Findings, f) {
					missing = append(missing, f)
				}
			}
			if len(missing) > 0 {
				t.Errorf("%s: check %s misses what check . reports on it:\n%s", root, file, cmp.Diff([]manifest.Finding(nil), missing))
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("compared %d files, %d of them with findings", compared, withFindings)
}

// checkRoot checks path, relative to the working directory, in the
// repository at root.
func checkRoot(t *testing.T, g *Gate, root, path string) *Decision {
	t.Helper()
	src, err := OpenRoot(root, path)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	d, err := g.Check(context.Background(), src)
	if err != nil {
		t.Fatalf("check %s in %s: %v", path, root, err)
	}
	return d
}

func containsFinding(findings []manifest.Finding, want manifest.Finding) bool {
	for _, f := range findings {
		if cmp.Equal(f, want) {
			return true
		}
	}
	return false
}
