package isolate

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/syncgate/syncgate/manifest"
	"github.com/syncgate/syncgate/policy"
	"github.com/syncgate/syncgate/render"
)

// The workers are this test binary re-executed.
func TestMain(m *testing.M) {
	Main()
	os.Exit(m.Run())
}

// testPool is a pool of two jobs of this test binary.
func testPool(t *testing.T, limits Limits) *Pool {
	t.Helper()
	return testPoolJobs(t, limits, 2)
}

// testPoolJobs is testPool with jobs jobs: with one, every request goes
// to the same worker.
func testPoolJobs(t *testing.T, limits Limits, jobs int) *Pool {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return testPoolOf(t, exe, limits, jobs)
}

// testPoolOf starts a pool of exe: a pool's workers start as it is made,
// so its program cannot change later.
func testPoolOf(t *testing.T, exe string, limits Limits, jobs int) *Pool {
	t.Helper()
	opts := render.DefaultOptions()
	opts.Jobs = jobs
	p, err := newPool(exe, opts, "", limits)
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
	pool := testPool(t, DefaultLimits())
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
			pool := testPool(t, tt.limits)
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

// Renders one at a time keep to one worker: a worker idle in another slot
// serves before an empty slot starts a second, whose start costs more than
// a few renders.
func TestPoolReusesIdleWorker(t *testing.T) {
	pool := testPool(t, DefaultLimits())
	dir := absDir(t, "../../examples/gitops-repo")
	root, err := os.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	targets, err := render.Discover(root.FS(), ".")
	if err != nil || len(targets) < 2 {
		t.Fatalf("discover: %d targets, %v", len(targets), err)
	}
	for _, target := range targets {
		if _, _, err := pool.Render(context.Background(), dir, target, nil); err != nil {
			t.Fatal(err)
		}
	}
	var slots []*worker
	for range cap(pool.idle) {
		slots = append(slots, <-pool.idle)
	}
	live := 0
	for _, w := range slots {
		if w != nil {
			live++
		}
		pool.idle <- w
	}
	if live != 1 {
		t.Errorf("%d targets rendered one at a time started %d workers, want 1", len(targets), live)
	}
}

// Cancelling the context stops a target that the template engine would
// never let go of.
func TestPoolCancel(t *testing.T) {
	pool := testPool(t, DefaultLimits())
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
	pool := testPoolOf(t, "/bin/true", DefaultLimits(), 2)
	_, _, err := pool.Render(context.Background(), absDir(t, "testdata"), render.Target{Name: "spin", Kind: render.KindHelm, Path: "spin"}, nil)
	if !errors.Is(err, ErrStart) || !strings.Contains(err.Error(), "must call syncgate.ServeWorker") {
		t.Fatalf("got %v, want an ErrStart asking for ServeWorker", err)
	}
}

// A worker evaluates policy sets on what it rendered, the bundled library
// and the repository's own, and finds what in-process evaluation finds.
func TestPoolEvaluatesPolicies(t *testing.T) {
	pool := testPool(t, DefaultLimits())
	target := render.Target{Name: "small", Kind: render.KindManifests, Path: "small"}
	repoPolicies := policy.Options{Dirs: []string{"policy"}}
	eval := &Evaluation{Run: 1, Policies: []Policies{
		{Options: policy.Options{Bundled: true}},
		{Options: repoPolicies, InRepository: true},
	}}
	res, checked, err := pool.Render(context.Background(), absDir(t, "testdata"), target, eval)
	if err != nil {
		t.Fatal(err)
	}
	var want []manifest.Finding
	repoPolicies.FS = os.DirFS("testdata")
	for _, opts := range []policy.Options{{Bundled: true}, repoPolicies} {
		e, err := policy.Load(context.Background(), opts)
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, e.Evaluate(context.Background(), res.Objects)...)
	}
	if !slices.ContainsFunc(want, func(f manifest.Finding) bool { return f.Rule == "policy/main/deny" }) {
		t.Fatalf("in-process evaluation misses the repository's rule: %v", want)
	}
	if diff := cmp.Diff(want, checked.Findings); diff != "" {
		t.Errorf("worker findings differ from in-process (-in-process +worker):\n%s", diff)
	}
}

// A prestarted worker is the one the first render uses, even one that
// is still starting; a pool that started a worker starts no other early;
// Close takes back (and stops) a prestarted worker that no render took.
func TestPoolPrestart(t *testing.T) {
	pool := testPool(t, DefaultLimits())
	pool.Prestart()
	target := render.Target{Name: "web", Kind: render.KindKustomize, Path: "apps/web/base"}
	if _, _, err := pool.Render(context.Background(), absDir(t, "../../examples/gitops-repo"), target, nil); err != nil {
		t.Fatal(err)
	}
	if n := pool.started.Load(); n != 1 {
		t.Errorf("Prestart, then a render: %d workers started, want 1", n)
	}
	pool.Prestart()
	if n := pool.started.Load(); n != 1 || pool.sparing.Load() {
		t.Errorf("Prestart after a render: %d workers started, one prestarted: %v; want 1, false", n, pool.sparing.Load())
	}

	unused := testPool(t, DefaultLimits())
	unused.Prestart()
	unused.Close()
	if unused.sparing.Load() || len(unused.spare) != 0 {
		t.Error("Close left the prestarted worker")
	}
	if n := unused.started.Load(); n != 1 {
		t.Errorf("Prestart: %d workers started, want 1", n)
	}
}

// A worker reads the repository once per run: a file edited during a run
// reads as it was, and a later run, or a render outside any run, reads
// it afresh.
func TestPoolReadsEachRunAfresh(t *testing.T) {
	pool := testPoolJobs(t, DefaultLimits(), 1)
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "app"), 0o755); err != nil {
		t.Fatal(err)
	}
	target := render.Target{Name: "app", Kind: render.KindManifests, Path: "app"}
	for _, step := range []struct {
		write, want string
		run         uint64 // 0: outside any run
	}{
		{write: "one", want: "one", run: 1},
		{write: "two", want: "one", run: 1},
		{write: "three", want: "three", run: 2},
		{write: "four", want: "four"},
		{write: "five", want: "five"},
	} {
		manifest := "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: " + step.write + "\n"
		if err := os.WriteFile(filepath.Join(dir, "app", "cm.yaml"), []byte(manifest), 0o644); err != nil {
			t.Fatal(err)
		}
		var eval *Evaluation
		if step.run != 0 {
			eval = &Evaluation{Run: step.run}
		}
		res, _, err := pool.Render(context.Background(), dir, target, eval)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, o := range res.Objects {
			names = append(names, o.Name)
		}
		if !slices.Equal(names, []string{step.want}) {
			t.Errorf("run %d, file naming %q: rendered %q, want %q", step.run, step.write, names, step.want)
		}
	}
}

// A worker compiles the Gate's own policy set once, as the Gate does
// when it is made, and the repository's once per run: an edit to the
// repository's policy shows in the next run.
func TestPoolCompilesPolicies(t *testing.T) {
	pool := testPoolJobs(t, DefaultLimits(), 1)
	repo, gate := t.TempDir(), t.TempDir()
	for _, d := range []string{filepath.Join(repo, "app"), filepath.Join(repo, "policy")} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	cm := "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n"
	if err := os.WriteFile(filepath.Join(repo, "app", "cm.yaml"), []byte(cm), 0o644); err != nil {
		t.Fatal(err)
	}
	writePolicies := func(version string) {
		for dir, set := range map[string]string{gate: "gate", filepath.Join(repo, "policy"): "repository"} {
			rego := fmt.Sprintf("package main\n\ndeny contains msg if {\n\tinput.kind == \"ConfigMap\"\n\tmsg := \"%s %s\"\n}\n", set, version)
			if err := os.WriteFile(filepath.Join(dir, "main.rego"), []byte(rego), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	target := render.Target{Name: "app", Kind: render.KindManifests, Path: "app"}
	for _, step := range []struct {
		run     uint64
		version string
		want    []string
	}{
		{1, "one", []string{"gate one", "repository one"}},
		{2, "two", []string{"gate one", "repository two"}},
	} {
		writePolicies(step.version)
		eval := &Evaluation{Run: step.run, Policies: []Policies{
			{Options: policy.Options{Dirs: []string{gate}}},
			{Options: policy.Options{Dirs: []string{"policy"}}, InRepository: true},
		}}
		_, checked, err := pool.Render(context.Background(), repo, target, eval)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, f := range checked.Findings {
			got = append(got, f.Message)
		}
		if !slices.Equal(got, step.want) {
			t.Errorf("run %d: findings %q, want %q", step.run, got, step.want)
		}
	}
}
