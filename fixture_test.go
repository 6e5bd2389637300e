package syncgate_test

import (
	"context"
	"testing"

	"github.com/syncgate/syncgate"
)

// openFixture returns a Gate of opts, with the default isolation limits
// when isolated, and the fixture directory dir opened as a repository of
// its own; both are closed when the test ends.
func openFixture(t *testing.T, opts syncgate.Options, isolated bool, dir string) (*syncgate.Gate, *syncgate.Source) {
	t.Helper()
	if isolated {
		limits := syncgate.DefaultIsolation()
		opts.Isolation = &limits
	}
	g, err := syncgate.New(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { g.Close() })
	src, err := syncgate.OpenRoot(dir, dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { src.Close() })
	return g, src
}
