package syncgate

import (
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/syncgate/syncgate/internal/isolate"
)

// A check starts a render worker early when the tree it checks changed
// since the last check of the same paths that succeeded: each change
// below is seen once, and what is not part of the checked tree (git's
// directory, the cache's, other paths, a symbolic link's target) is not.
func TestTreeChanged(t *testing.T) {
	dir := cacheRepo(t)
	outside := t.TempDir()
	writeFile(t, outside, "linked/file.yaml", "a: 1\n")
	writeFile(t, dir, ".git/HEAD", "ref: refs/heads/main\n")
	if err := os.Symlink(filepath.Join(outside, "linked"), filepath.Join(dir, "linked")); err != nil {
		t.Fatal(err)
	}
	cacheDir := filepath.Join(dir, ".cache")
	logger := slog.New(slog.DiscardHandler)
	g := &Gate{opts: Options{Logger: logger}, cache: openCache(cacheDir, logger)}
	src := &Source{Dir: dir}
	sub := &Source{Dir: dir, Paths: []string{"apps"}}
	// Modification times a second apart, whatever the file system's
	// precision: an edit that keeps a file's size is still seen.
	tick := time.Now()
	touch := func(name string) {
		tick = tick.Add(time.Second)
		if err := os.Chtimes(filepath.Join(dir, filepath.FromSlash(name)), tick, tick); err != nil {
			t.Fatal(err)
		}
	}

	tests := []struct {
		name    string
		change  func()
		src     *Source
		changed bool
		saved   bool // the check succeeded: the tree is saved
	}{
		{"first check", func() {}, src, true, false},
		{"first check, failed before", func() {}, src, true, true},
		{"nothing changed", func() {}, src, false, true},
		{"a file edited, same size", func() {
			edit(t, dir, "apps/web/base/deployment.yaml", "web", "bew")
			touch("apps/web/base/deployment.yaml")
		}, src, true, true},
		{"a file added", func() { writeFile(t, dir, "apps/web/base/new.yaml", "x: 1\n") }, src, true, true},
		{"a file removed", func() {
			if err := os.Remove(filepath.Join(dir, "apps/web/base/new.yaml")); err != nil {
				t.Fatal(err)
			}
		}, src, true, true},
		{"git's directory", func() { writeFile(t, dir, ".git/HEAD", "ref: refs/heads/other\n") }, src, false, true},
		{"the cache's directory", func() { writeFile(t, cacheDir, "other", "x") }, src, false, true},
		{"a symbolic link's target", func() { writeFile(t, outside, "linked/file.yaml", "a: 2\n") }, src, false, true},
		{"other paths, first check", func() {}, sub, true, true},
		{"outside the checked paths", func() { writeFile(t, dir, "platform/new.yaml", "x: 1\n") }, sub, false, true},
		{"inside the checked paths", func() {
			edit(t, dir, "apps/web/base/deployment.yaml", "bew", "web")
			touch("apps/web/base/deployment.yaml")
		}, sub, true, true},
	}
	for _, tt := range tests {
		tt.change()
		changed, save := g.treeChanged(tt.src)
		if changed != tt.changed {
			t.Errorf("%s: changed = %v, want %v", tt.name, changed, tt.changed)
		}
		if tt.saved {
			save()
		}
	}
}

// A tree larger than the walk's bound is taken as changed, not walked to
// its end.
func TestTreePrintBound(t *testing.T) {
	dir := t.TempDir()
	for i := range 3 {
		writeFile(t, dir, filepath.Join("d", string(rune('a'+i))), "x")
	}
	if _, err := treePrint([]string{dir}, "", 5); err != nil {
		t.Fatal(err)
	}
	if _, err := treePrint([]string{dir}, "", 4); err == nil {
		t.Error("a tree of 5 entries printed with a bound of 4")
	}
}

// Rendering in workers, a second render (and worker) starts only once
// enough targets wait; in-process, every render starts at once.
func TestRenderQueueWidens(t *testing.T) {
	isolated := &Gate{workers: &isolate.Pool{}}
	tests := []struct {
		name  string
		g     *Gate
		added int
		wide  bool
	}{
		{"in-process, nothing waits", &Gate{}, 0, true},
		{"workers, a few wait", isolated, wideBacklog - 1, false},
		{"workers, enough wait", isolated, wideBacklog, true},
	}
	for _, tt := range tests {
		q := tt.g.renderQueue(tt.added)
		for i := range tt.added {
			q.add(i)
		}
		q.close()
		if got := q.widened(); got != tt.wide {
			t.Errorf("%s: widened = %v, want %v", tt.name, got, tt.wide)
		}
	}
}
