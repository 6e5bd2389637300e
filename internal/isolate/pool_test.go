package isolate

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/syncgate/syncgate/manifest"
	"github.com/syncgate/syncgate/render"
)

// The workers are this test binary re-executed.
func TestMain(m *testing.M) {
	Main()
	os.Exit(m.Run())
}

func newPool(t *testing.T, limits Limits) *Pool {
	t.Helper()
	opts := render.DefaultOptions()
	opts.Jobs = 2
	p, err := NewPool(opts, limits)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

func absDir(t *testing.T, dir string) string {
	t.Helper()
	abs, err := filepath.Abs(dir)
	if err != nil {
		t.Fatal(err)
	}
	return abs
}

// A worker must give back exactly what rendering in-process gives, errors
// included, for good and bad repositories alike.
func TestPoolMatchesInProcess(t *testing.T) {
	pool := newPool(t, DefaultLimits())
	for _, dir := range []string{"../../examples/gitops-repo", "../../examples/broken", "../../testdata/render", "../../testdata/bad"} {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			root, err := os.OpenRoot(dir)
			if err != nil {
				t.Fatal(err)
			}
			defer root.Close()
			targets, err := render.Discover(root.FS(), ".")
			if err != nil {
				t.Fatal(err)
			}
			r, err := render.New(render.DefaultOptions())
			if err != nil {
				t.Fatal(err)
			}
			want := r.RenderAll(context.Background(), root.FS(), targets)
			got, _ := pool.RenderAll(context.Background(), absDir(t, dir), targets, nil)
			for i := range want {
				if diff := cmp.Diff(summarise(want[i]), summarise(got[i])); diff != "" {
					t.Errorf("%s: pool differs from in-process (-in-process +pool):\n%s", targets[i].Name, diff)
				}
			}
		})
	}
}

// summary is what a caller reads of a Result.
type summary struct {
	YAML    string
	Objects []*manifest.Object
	Err     string
	Sources []sourceSummary
}

type sourceSummary struct {
	File, Message string
	Line          int
	Limit         bool
}

func summarise(res *render.Result) summary {
	s := summary{YAML: string(res.YAML), Objects: res.Objects}
	if res.Err != nil {
		s.Err = res.Err.Error()
		for _, se := range manifest.SourceErrors(res.Err) {
			s.Sources = append(s.Sources, sourceSummary{se.File, se.Err.Error(), se.Line, errors.Is(se, manifest.ErrLimit)})
		}
	}
	return s
}

// Each limit stops its target with a limit error naming it, and the pool
// goes on rendering with a fresh worker.
func TestPoolLimits(t *testing.T) {
	long := time.Minute
	spin := render.Target{Name: "spin", Kind: render.KindHelm, Path: "spin"}
	grow := render.Target{Name: "memory", Kind: render.KindHelm, Path: "memory"}
	web := render.Target{Name: "web", Kind: render.KindKustomize, Path: "apps/web/overlays/prod"}
	tests := []struct {
		name   string
		root   string
		target render.Target
		limits Limits
		want   string
	}{
		{"cpu time", "testdata", spin, Limits{Memory: 1 << 30, CPU: time.Second, Wall: long, Output: 1 << 20}, "cpu-time limit of 1s"},
		{"wall time", "testdata", spin, Limits{Memory: 1 << 30, CPU: long, Wall: time.Second, Output: 1 << 20}, "wall-time limit of 1s"},
		{"memory", "testdata", grow, Limits{Memory: 256 << 20, CPU: long, Wall: long, Output: 1 << 20}, "memory limit of 256 MiB"},
		{"output", "../../examples/gitops-repo", web, Limits{Memory: 1 << 30, CPU: long, Wall: long, Output: 8 << 10}, "output limit of 8 KiB"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pool := newPool(t, tt.limits)
			_, _, err := pool.Render(context.Background(), absDir(t, tt.root), tt.target, nil)
			if !errors.Is(err, manifest.ErrLimit) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got error %v, want a limit error naming %q", err, tt.want)
			}
			ok := render.Target{Name: "small", Kind: render.KindManifests, Path: "small"}
			res, _, err := pool.Render(context.Background(), absDir(t, "testdata"), ok, nil)
			if err != nil || len(res.Objects) == 0 {
				t.Fatalf("after the limit, rendering a good target: %v", err)
			}
		})
	}
}

// Cancelling the context stops a target that the template engine would
// never let go of.
func TestPoolCancel(t *testing.T) {
	pool := newPool(t, DefaultLimits())
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	_, _, err := pool.Render(ctx, absDir(t, "testdata"), render.Target{Name: "spin", Kind: render.KindHelm, Path: "spin"}, nil)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v, want context.DeadlineExceeded", err)
	}
}

// A program that does not serve as a worker is caught at once, not left
// running as itself.
func TestPoolNeedsServingProgram(t *testing.T) {
	pool := newPool(t, DefaultLimits())
	pool.exe = "/bin/true"
	_, _, err := pool.Render(context.Background(), absDir(t, "testdata"), render.Target{Name: "spin", Kind: render.KindHelm, Path: "spin"}, nil)
	if err == nil || !strings.Contains(err.Error(), "must call syncgate.ServeWorker") {
		t.Fatalf("got %v, want an error asking for ServeWorker", err)
	}
}
