package gitfs_test

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/format/gitignore"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/google/go-cmp/cmp"

	"github.com/syncgate/syncgate/internal/gitfs"
)

// commit writes files (empty content deletes) in the worktree of repo
// and commits them.
func commit(t *testing.T, repo *git.Repository, dir, msg string, files map[string]string) plumbing.Hash {
	t.Helper()
	wt, err := repo.Worktree()
	if err != nil {
		t.Fatal(err)
	}
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if content == "" {
			if _, err := wt.Remove(name); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if strings.HasPrefix(content, "symlink:") {
			if err := os.Symlink(strings.TrimPrefix(content, "symlink:"), p); err != nil {
				t.Fatal(err)
			}
		} else if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := wt.Add(name); err != nil {
			t.Fatal(err)
		}
	}
	h, err := wt.Commit(msg, &git.CommitOptions{Author: &object.Signature{Name: "test", Email: "test@example.com", When: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}})
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func readAll(t *testing.T, fsys fs.FS) map[string]string {
	t.Helper()
	got := map[string]string{}
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		got[p] = string(data)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func TestRevisions(t *testing.T) {
	dir := t.TempDir()
	repo, err := git.PlainInit(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	first := commit(t, repo, dir, "first", map[string]string{"apps/a.yaml": "a: 1\n", "README.md": "hi\n"})
	if _, err := repo.CreateTag("v1", first, &git.CreateTagOptions{Message: "v1", Tagger: &object.Signature{Name: "t", Email: "t@example.com"}}); err != nil {
		t.Fatal(err)
	}
	commit(t, repo, dir, "second", map[string]string{"apps/a.yaml": "a: 2\n", "apps/b.yaml": "b: 1\n", "README.md": ""})
	if err := repo.Storer.SetReference(plumbing.NewHashReference("refs/remotes/origin/main", first)); err != nil {
		t.Fatal(err)
	}

	r, err := gitfs.Open(filepath.Join(dir, "apps"))
	if err != nil {
		t.Fatal(err)
	}
	if r.Dir != dir {
		t.Errorf("Dir = %q, want %q", r.Dir, dir)
	}
	old := map[string]string{"apps/a.yaml": "a: 1\n", "README.md": "hi\n"}
	tests := []struct {
		rev  string
		want map[string]string
	}{
		{"HEAD", map[string]string{"apps/a.yaml": "a: 2\n", "apps/b.yaml": "b: 1\n"}},
		{"HEAD~1", old},
		{"v1", old},
		{"origin/main", old},
		{first.String()[:10], old},
		{"master", map[string]string{"apps/a.yaml": "a: 2\n", "apps/b.yaml": "b: 1\n"}},
	}
	for _, tt := range tests {
		t.Run(tt.rev, func(t *testing.T) {
			c, err := r.Commit(tt.rev)
			if err != nil {
				t.Fatal(err)
			}
			fsys, err := r.FS(c)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, readAll(t, fsys)); diff != "" {
				t.Errorf("files (-want +got):\n%s", diff)
			}
			var names []string
			for name := range tt.want {
				names = append(names, name)
			}
			if err := fstest.TestFS(fsys, names...); err != nil {
				t.Error(err)
			}
		})
	}
}

func TestMergeBase(t *testing.T) {
	dir := t.TempDir()
	repo, err := git.PlainInit(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	base := commit(t, repo, dir, "base", map[string]string{"a": "1\n"})
	commit(t, repo, dir, "main moves on", map[string]string{"a": "2\n"})
	if err := repo.Storer.SetReference(plumbing.NewHashReference("refs/heads/feature", base)); err != nil {
		t.Fatal(err)
	}
	wt, _ := repo.Worktree()
	if err := wt.Checkout(&git.CheckoutOptions{Branch: "refs/heads/feature"}); err != nil {
		t.Fatal(err)
	}
	commit(t, repo, dir, "feature", map[string]string{"b": "1\n"})

	r, err := gitfs.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	mb, err := r.MergeBase("master", "")
	if err != nil {
		t.Fatal(err)
	}
	if mb.Hash != base {
		t.Errorf("merge base = %s, want %s", mb.Hash, base)
	}
}

func TestBadRevisions(t *testing.T) {
	empty := t.TempDir()
	if _, err := git.PlainInit(empty, false); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	repo, err := git.PlainInit(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	commit(t, repo, dir, "only", map[string]string{"a": "1\n"})
	tests := []struct {
		name, dir, rev string
		want           string
	}{
		{"no commits", empty, "HEAD", `revision "HEAD": the repository has no commits`},
		{"unknown branch", dir, "main", `revision "main": unknown revision; name a branch, tag or commit; a remote branch is origin/main (git fetch origin main)`},
		{"unknown remote branch", dir, "origin/main", `revision "origin/main": unknown revision`},
		{"before the first commit", dir, "HEAD~1", `revision "HEAD~1": unknown revision`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := gitfs.Open(tt.dir)
			if err != nil {
				t.Fatal(err)
			}
			_, err = r.Commit(tt.rev)
			var re *gitfs.RevisionError
			if !errors.As(err, &re) {
				t.Fatalf("err = %v, want a RevisionError", err)
			}
			if got := err.Error(); !strings.HasPrefix(got, tt.want) {
				t.Errorf("err = %q, want it to start with %q", got, tt.want)
			}
		})
	}
	if _, err := gitfs.Open(t.TempDir()); err == nil || !strings.Contains(err.Error(), "not in a git repository") {
		t.Errorf("Open outside git: err = %v", err)
	}
}

func TestShallowHint(t *testing.T) {
	dir := t.TempDir()
	repo, err := git.PlainInit(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	h := commit(t, repo, dir, "only", map[string]string{"a": "1\n"})
	if err := repo.Storer.SetShallow([]plumbing.Hash{h}); err != nil {
		t.Fatal(err)
	}
	r, err := gitfs.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	_, err = r.Commit("origin/main")
	if err == nil || !strings.Contains(err.Error(), "fetch-depth: 0") {
		t.Errorf("err = %v, want the shallow clone hint", err)
	}
}

func TestSkipsAndLinks(t *testing.T) {
	dir := t.TempDir()
	repo, err := git.PlainInit(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	commit(t, repo, dir, "files", map[string]string{
		"charts/big.tgz":   "version https://git-lfs.github.com/spec/v1\noid sha256:0000\nsize 12\n",
		"base/x.yaml":      "x: 1\n",
		"overlay/link":     "symlink:../base",
		"overlay/x.yaml":   "symlink:../base/x.yaml",
		"escape":           "symlink:../outside",
		"loop/a":           "symlink:b",
		"loop/b":           "symlink:a",
		"selfdir/d":        "symlink:d/e",
		"plain/config.cue": "c\n",
	})
	fsys := headFS(t, dir)
	reads := []struct{ name, want, err string }{
		{name: "overlay/x.yaml", want: "x: 1\n"},
		{name: "overlay/link/x.yaml", want: "x: 1\n"},
		{name: "charts/big.tgz", err: "file does not exist"},
		{name: "escape", err: "symbolic link leaves the repository"},
		{name: "loop/a", err: "too many symbolic links"},
		{name: "selfdir/d/x", err: "too many symbolic links"},
		{name: "../x", err: "invalid argument"},
	}
	for _, tt := range reads {
		t.Run(tt.name, func(t *testing.T) {
			data, err := fs.ReadFile(fsys, tt.name)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if string(data) != tt.want {
				t.Errorf("got %q, want %q", data, tt.want)
			}
		})
	}
	want := []string{"charts/big.tgz: Git LFS pointer, not fetched"}
	if diff := cmp.Diff(want, fsys.Skipped()); diff != "" {
		t.Errorf("Skipped (-want +got):\n%s", diff)
	}
}

func TestSubmoduleSkipped(t *testing.T) {
	dir := t.TempDir()
	repo, err := git.PlainInit(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	commit(t, repo, dir, "files", map[string]string{"a.yaml": "a: 1\n"})
	// Add a gitlink (mode 160000) through the index, as git submodule
	// add does, and commit it.
	idx, err := repo.Storer.Index()
	if err != nil {
		t.Fatal(err)
	}
	e := idx.Add("vendor/lib")
	e.Mode = 0o160000
	e.Hash = plumbing.NewHash("0123456789abcdef0123456789abcdef01234567")
	if err := repo.Storer.SetIndex(idx); err != nil {
		t.Fatal(err)
	}
	wt, _ := repo.Worktree()
	if _, err := wt.Commit("submodule", &git.CommitOptions{Author: &object.Signature{Name: "t", Email: "t@example.com"}}); err != nil {
		t.Fatal(err)
	}
	fsys := headFS(t, dir)
	if diff := cmp.Diff(map[string]string{"a.yaml": "a: 1\n"}, readAll(t, fsys)); diff != "" {
		t.Errorf("files (-want +got):\n%s", diff)
	}
	if _, err := fsys.Open("vendor/lib"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("open submodule: err = %v, want not exist", err)
	}
	if diff := cmp.Diff([]string{"vendor/lib: submodule, not followed"}, fsys.Skipped()); diff != "" {
		t.Errorf("Skipped (-want +got):\n%s", diff)
	}
}

// TestCopyFS: a revision copies out with its links, as worker processes
// need it on disk.
func TestCopyFS(t *testing.T) {
	dir := t.TempDir()
	repo, err := git.PlainInit(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	commit(t, repo, dir, "files", map[string]string{"base/x.yaml": "x: 1\n", "overlay/x.yaml": "symlink:../base/x.yaml"})
	fsys := headFS(t, dir)
	out := t.TempDir()
	if err := os.CopyFS(out, fsys); err != nil {
		t.Fatal(err)
	}
	if target, err := os.Readlink(filepath.Join(out, "overlay", "x.yaml")); err != nil || target != "../base/x.yaml" {
		t.Errorf("link = %q, %v", target, err)
	}
	if data, err := os.ReadFile(filepath.Join(out, "overlay", "x.yaml")); err != nil || string(data) != "x: 1\n" {
		t.Errorf("through the link: %q, %v", data, err)
	}
}

// Holds tells from an entry's blob hash whether the file has given
// contents, and keeps them when it has: the file then reads without its
// object, which the test deletes.
func TestHolds(t *testing.T) {
	dir := t.TempDir()
	repo, err := git.PlainInit(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	lfs := "version https://git-lfs.github.com/spec/v1\noid sha256:0000\nsize 12\n"
	commit(t, repo, dir, "files", map[string]string{
		"a/same.yaml":  "x: 1\n",
		"a/other.yaml": "x: 2\n",
		"a/big.tgz":    lfs,
		"a/link":       "symlink:same.yaml",
		"a/sub/y.yaml": "y: 1\n",
	})
	fsys := headFS(t, dir)
	entries, err := fs.ReadDir(fsys, "a")
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]fs.DirEntry{}
	for _, e := range entries {
		byName[e.Name()] = e
	}
	mapEntries, err := fs.ReadDir(fstest.MapFS{"same.yaml": {Data: []byte("x: 1\n")}}, ".")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		entry    fs.DirEntry
		data     string
		same, ok bool
	}{
		{name: "same contents", entry: byName["same.yaml"], data: "x: 1\n", same: true, ok: true},
		{name: "other contents", entry: byName["other.yaml"], data: "x: 1\n", ok: true},
		{name: "one byte more", entry: byName["same.yaml"], data: "x: 1\n\n", ok: true},
		{name: "LFS pointer", entry: byName["big.tgz"], data: lfs},
		{name: "symbolic link", entry: byName["link"], data: "same.yaml"},
		{name: "directory", entry: byName["sub"], data: ""},
		{name: "another file system's entry", entry: mapEntries[0], data: "x: 1\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			same, ok := fsys.Holds(tt.entry, []byte(tt.data))
			if same != tt.same || ok != tt.ok {
				t.Errorf("Holds = %v, %v; want %v, %v", same, ok, tt.same, tt.ok)
			}
		})
	}
	if err := os.RemoveAll(filepath.Join(dir, ".git", "objects")); err != nil {
		t.Fatal(err)
	}
	if data, err := fs.ReadFile(fsys, "a/same.yaml"); err != nil || string(data) != "x: 1\n" {
		t.Errorf("a/same.yaml without its object: %q, %v", data, err)
	}
}

// Ignored answers as a matcher of every pattern gitignore.ReadPatterns
// reads, for each path a walk that skips ignored directories meets: the
// .gitignore files of ignored directories, negations, patterns anchored
// in a directory and nested info/exclude files included.
func TestIgnored(t *testing.T) {
	dir := t.TempDir()
	repo, err := git.PlainInit(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{
		".gitignore":               "*.log\n/build/\n# a comment\n\n!keep.log\nsecret*\n",
		".git/info/exclude":        "local.yaml\n",
		"keep.log":                 "",
		"a.log":                    "",
		"local.yaml":               "",
		"build/out.yaml":           "",
		"build/.gitignore":         "!out.yaml\n",
		"apps/build/x.yaml":        "",
		"apps/.gitignore":          "*.tmp\n!important.tmp\n/only-here.yaml\n",
		"apps/a.tmp":               "",
		"apps/important.tmp":       "",
		"apps/only-here.yaml":      "",
		"apps/sub/only-here.yaml":  "",
		"apps/sub/b.tmp":           "",
		"apps/sub/.gitignore":      "!b.tmp\nc/\n",
		"apps/sub/c/d.yaml":        "",
		"apps/sub/c/.gitignore":    "!d.yaml\n",
		"apps/secrets/x.yaml":      "",
		"apps/secretsauce.yaml":    "",
		"nested/.git/info/exclude": "n.yaml\n",
		"nested/n.yaml":            "",
		"nested/m.yaml":            "",
	}
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	r, err := gitfs.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	ignored, err := r.Ignored()
	if err != nil {
		t.Fatal(err)
	}
	wt, err := repo.Worktree()
	if err != nil {
		t.Fatal(err)
	}
	patterns, err := gitignore.ReadPatterns(wt.Filesystem, nil)
	if err != nil {
		t.Fatal(err)
	}
	all := gitignore.NewMatcher(patterns)
	var got, want []string
	err = filepath.WalkDir(dir, func(p string, e fs.DirEntry, err error) error {
		if err != nil || p == dir {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		rel = filepath.ToSlash(rel)
		if rel == ".git" {
			return filepath.SkipDir
		}
		if ignored(rel, e.IsDir()) {
			got = append(got, rel)
		}
		if all.Match(strings.Split(rel, "/"), e.IsDir()) {
			want = append(want, rel)
			if e.IsDir() {
				return filepath.SkipDir
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(want) < 6 {
		t.Fatalf("the fixture ignores only %q", want)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ignored (-ReadPatterns +Ignored):\n%s", diff)
	}
}

// headFS opens the repository in dir and returns its HEAD commit's files.
func headFS(t *testing.T, dir string) *gitfs.FS {
	t.Helper()
	r, err := gitfs.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	c, err := r.Commit("HEAD")
	if err != nil {
		t.Fatal(err)
	}
	fsys, err := r.FS(c)
	if err != nil {
		t.Fatal(err)
	}
	return fsys
}
