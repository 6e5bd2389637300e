package syncgate

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/google/go-cmp/cmp"

	"github.com/syncgate/syncgate/internal/gitfs"
)

// changedFiles finds the same files by blob hash as by reading both
// sides, for every kind of change a working tree has beside its commit.
func TestChangedFilesByBlobHash(t *testing.T) {
	dir := t.TempDir()
	repo, err := git.PlainInit(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	lfs := "version https://git-lfs.github.com/spec/v1\noid sha256:0000\nsize 12\n"
	committed := map[string]string{
		"same.yaml":        "a: 1\n",
		"edited.yaml":      "b: 1\n",
		"same-size.yaml":   "c: 1\n",
		"removed.yaml":     "d: 1\n",
		"big.tgz":          lfs,
		"run.sh":           "echo\n",
		"deep/er/x.yaml":   "x: 1\n",
		"deep/er/new.yaml": "gone: 1\n",
	}
	writeFiles(t, dir, committed)
	wt, err := repo.Worktree()
	if err != nil {
		t.Fatal(err)
	}
	if err := wt.AddWithOptions(&git.AddOptions{All: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := wt.Commit("base", &git.CommitOptions{Author: &object.Signature{Name: "test", Email: "test@example.com", When: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}}); err != nil {
		t.Fatal(err)
	}
	writeFiles(t, dir, map[string]string{
		"edited.yaml":    "b: 2\nmore: true\n",
		"same-size.yaml": "c: 2\n",
		"added.yaml":     "e: 1\n",
	})
	for _, name := range []string{"removed.yaml", "deep/er/new.yaml"} {
		if err := os.Remove(filepath.Join(dir, filepath.FromSlash(name))); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Chmod(filepath.Join(dir, "run.sh"), 0o755); err != nil {
		t.Fatal(err)
	}
	r, err := gitfs.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	c, err := r.Commit("HEAD")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"added.yaml", "big.tgz", "deep/er/new.yaml", "edited.yaml", "removed.yaml", "same-size.yaml"}
	for _, byHash := range []bool{false, true} {
		base, err := r.FS(c)
		if err != nil {
			t.Fatal(err)
		}
		head, err := OpenRoot(dir)
		if err != nil {
			t.Fatal(err)
		}
		defer head.Close()
		var blobs blobHolder
		if byHash {
			blobs = base
		}
		got, err := changedFiles(context.Background(), base, head.FS, nil, nil, blobs)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("by blob hash %v (-want +got):\n%s", byHash, diff)
		}
	}
}

func TestWhole(t *testing.T) {
	tests := []struct {
		paths []string
		want  bool
	}{
		{nil, true},
		{[]string{"."}, true},
		{[]string{"apps", "./"}, true},
		{[]string{"apps"}, false},
		{[]string{"apps/a", "platform"}, false},
	}
	for _, tt := range tests {
		if got := whole(tt.paths); got != tt.want {
			t.Errorf("whole(%q) = %v, want %v", tt.paths, got, tt.want)
		}
	}
}

func TestNear(t *testing.T) {
	tests := []struct {
		dir   string
		paths []string
		want  bool
	}{
		{"apps/a/base", nil, false},
		{"apps/a/base", []string{"apps/a/base"}, true},
		{"apps/a/base", []string{"apps/a/base/kustomization.yaml"}, true},
		{"apps/a/base", []string{"apps/a/base/sub/x.yaml"}, true},
		{"apps/a/base", []string{"apps/a"}, true},
		{"apps/a/base", []string{"apps/a/overlay/kustomization.yaml", "apps/a/basement/x.yaml"}, false},
		{"apps/a/base", []string{"apps/b/base/kustomization.yaml"}, false},
		{".", []string{"x.yaml"}, true},
	}
	for _, tt := range tests {
		if got := near(tt.dir, tt.paths); got != tt.want {
			t.Errorf("near(%q, %q) = %v, want %v", tt.dir, tt.paths, got, tt.want)
		}
	}
}
