// Package rendertest renders repositories in-process for the tests of the
// stages, which check what rendering produces.
package rendertest

import (
	"context"
	"io/fs"
	"testing"

	"github.com/syncgate/syncgate/render"
)

// All discovers every target of fsys and renders each in-process with the
// default options. Discovery and renderer errors fail tb; a target that
// fails to render comes back with its error for the caller to judge.
func All(tb testing.TB, fsys fs.FS) []*render.Result {
	tb.Helper()
	targets, err := render.Discover(fsys, ".")
	if err != nil {
		tb.Fatal(err)
	}
	r, err := render.New(render.DefaultOptions())
	if err != nil {
		tb.Fatal(err)
	}
	return r.RenderAll(context.Background(), fsys, targets)
}
