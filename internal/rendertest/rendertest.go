// Package rendertest renders repositories in-process for the tests of the
// stages, which check what rendering produces.
package rendertest

import (
	"context"
	"fmt"
	"io/fs"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/syncgate/syncgate/render"
)

// All discovers every target of fsys and renders each in-process with the
// default options. Discovery and renderer errors fail tb; a target that
// fails to render comes back with its error for the caller to judge.
func All(tb testing.TB, fsys fs.FS) []*render.Result {
	tb.Helper()
	targets, r := discover(tb, fsys)
	return r.RenderAll(context.Background(), fsys, targets)
}

// discover finds every target of fsys, with a renderer of the default
// options.
func discover(tb testing.TB, fsys fs.FS) ([]render.Target, *render.Renderer) {
	tb.Helper()
	targets, err := render.Discover(fsys, ".")
	if err != nil {
		tb.Fatal(err)
	}
	r, err := render.New(render.DefaultOptions())
	if err != nil {
		tb.Fatal(err)
	}
	return targets, r
}

// SameObjects renders every target of fsys both ways, printed and decoded
// (Render) and converted directly (RenderObjects), and reports every
// target whose objects or error differ. It returns how many objects it
// compared.
func SameObjects(tb testing.TB, fsys fs.FS) int {
	tb.Helper()
	targets, r := discover(tb, fsys)
	n := 0
	for _, t := range targets {
		printed, perr := r.Render(context.Background(), fsys, t)
		direct, derr := r.RenderObjects(context.Background(), fsys, t)
		if fmt.Sprint(perr) != fmt.Sprint(derr) {
			tb.Errorf("%s: error differs:\nprinted: %v\ndirect:  %v", t.Name, perr, derr)
			continue
		}
		if perr != nil {
			continue
		}
		if direct.YAML != nil {
			tb.Errorf("%s: RenderObjects returned YAML", t.Name)
		}
		if diff := cmp.Diff(printed.Objects, direct.Objects); diff != "" {
			tb.Errorf("%s: objects differ (-printed +direct):\n%s", t.Name, diff)
		}
		n += len(printed.Objects)
	}
	return n
}
