package render_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/syncgate/syncgate/internal/rendertest"
)

// TestDirectObjects checks, on every render fixture and example
// repository, that RenderObjects gives the objects Render decodes.
func TestDirectObjects(t *testing.T) {
	roots, err := filepath.Glob("../testdata/render/*")
	if err != nil {
		t.Fatal(err)
	}
	examples, err := filepath.Glob("../examples/*")
	if err != nil {
		t.Fatal(err)
	}
	for _, root := range append(roots, examples...) {
		if info, err := os.Stat(root); err != nil || !info.IsDir() {
			continue
		}
		t.Run(filepath.Base(root), func(t *testing.T) {
			rendertest.SameObjects(t, os.DirFS(root))
		})
	}
}
