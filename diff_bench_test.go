package syncgate_test

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing/object"

	"github.com/syncgate/syncgate"
	"github.com/syncgate/syncgate/change"
	"github.com/syncgate/syncgate/internal/gitfs"
)

// BenchmarkDiff times a pre-merge check in-process, on a git copy of
// examples/gitops-repo or of the directory in SYNCGATE_BENCH_REPO (a
// corpus from bench/corpus; bench/diff.sh times the CLI on one). The head
// is the working tree, as syncgate diff --base has it by default.
//
//   - one-file: a pull request that changes one base file (the first
//     Deployment under apps/*/base): diff and check --base, beside a
//     check of only the targets it affects;
//   - every-target: one that changes every Deployment under apps/ and
//     every chart's values.yaml: diff, beside a check of every target.
func BenchmarkDiff(b *testing.B) {
	src := os.Getenv("SYNCGATE_BENCH_REPO")
	if src == "" {
		src = "examples/gitops-repo"
	}
	opts := syncgate.DefaultOptions()
	g, err := syncgate.New(context.Background(), opts)
	if err != nil {
		b.Fatal(err)
	}
	defer g.Close()
	prs := []struct {
		name  string
		files func(string) bool
	}{
		{"one-file", firstBaseDeployment(b, src)},
		{"every-target", func(p string) bool {
			return strings.HasSuffix(p, "/deployment.yaml") && strings.HasPrefix(p, "apps/") || strings.HasSuffix(p, "/values.yaml")
		}},
	}
	for _, pr := range prs {
		if only := os.Getenv("SYNCGATE_BENCH_PR"); only != "" && only != pr.name {
			continue
		}
		dir := benchRepo(b, src, pr.files)
		rev := benchRevisions(b, dir)
		defer rev.Head.Close()
		d, err := g.Diff(context.Background(), rev)
		if err != nil {
			b.Fatal(err)
		}
		affected := &syncgate.Source{FS: rev.Head.FS, Dir: rev.Head.Dir}
		for _, t := range d.Diff.Targets {
			affected.Paths = append(affected.Paths, t.Name)
		}
		b.Logf("%s: %d files changed, %d targets affected, %d unaffected, %d objects changed",
			pr.name, len(d.Diff.Files), len(d.Diff.Targets), d.Diff.Unaffected, len(d.Diff.Objects))
		run := func(name string, f func() (*syncgate.Decision, error)) {
			b.Run(pr.name+"/"+name, func(b *testing.B) {
				for b.Loop() {
					if _, err := f(); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
		run("diff", func() (*syncgate.Decision, error) {
			rev := benchRevisions(b, dir)
			defer rev.Head.Close()
			return g.Diff(context.Background(), rev)
		})
		if pr.name == "one-file" {
			run("check-base", func() (*syncgate.Decision, error) {
				rev := benchRevisions(b, dir)
				defer rev.Head.Close()
				return g.CheckChange(context.Background(), rev)
			})
			run("check-affected", func() (*syncgate.Decision, error) { return g.Check(context.Background(), affected) })
		} else {
			run("check", func() (*syncgate.Decision, error) { return g.Check(context.Background(), rev.Head) })
		}
	}
}

var replicas = regexp.MustCompile(`(?m)^(\s*(?:replicas|replicaCount):\s*)(\d+)`)

// firstBaseDeployment picks the first apps/*/base/deployment.yaml of src.
func firstBaseDeployment(b *testing.B, src string) func(string) bool {
	matches, _ := filepath.Glob(filepath.Join(src, "apps", "*", "base", "deployment.yaml"))
	if len(matches) == 0 {
		b.Skipf("%s has no apps/*/base/deployment.yaml", src)
	}
	first, _ := filepath.Rel(src, matches[0])
	first = filepath.ToSlash(first)
	return func(p string) bool { return p == first }
}

// benchRepo copies src into a git repository, commits it, and rewrites
// the replicas of the files change picks in the working tree.
func benchRepo(b *testing.B, src string, change func(string) bool) string {
	dir := b.TempDir()
	if err := os.CopyFS(dir, os.DirFS(src)); err != nil {
		b.Fatal(err)
	}
	if err := os.RemoveAll(filepath.Join(dir, ".git")); err != nil {
		b.Fatal(err)
	}
	repo, err := git.PlainInit(dir, false)
	if err != nil {
		b.Fatal(err)
	}
	wt, err := repo.Worktree()
	if err != nil {
		b.Fatal(err)
	}
	// One add of the whole tree: adding file by file rewrites the index
	// each time.
	if err := wt.AddWithOptions(&git.AddOptions{All: true}); err != nil {
		b.Fatal(err)
	}
	if _, err := wt.Commit("base", &git.CommitOptions{Author: &object.Signature{Name: "bench", Email: "bench@example.com"}}); err != nil {
		b.Fatal(err)
	}
	files := map[string]string{}
	err = filepath.WalkDir(dir, func(p string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			if e != nil && e.Name() == ".git" {
				return filepath.SkipDir
			}
			return err
		}
		data, err := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		files[filepath.ToSlash(rel)] = string(data)
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
	changed := 0
	for name, text := range files {
		if !change(name) {
			continue
		}
		next := replicas.ReplaceAllString(text, "${1}7")
		if next == text {
			next = text + "\n# changed\n"
		}
		if err := os.WriteFile(filepath.Join(dir, filepath.FromSlash(name)), []byte(next), 0o644); err != nil {
			b.Fatal(err)
		}
		changed++
	}
	if changed == 0 {
		b.Fatalf("no file of %s to change", src)
	}
	return dir
}

// benchRevisions is what syncgate diff --base HEAD opens: HEAD from git
// objects, the working tree as head.
func benchRevisions(b *testing.B, dir string) syncgate.Revisions {
	repo, err := gitfs.Open(dir)
	if err != nil {
		b.Fatal(err)
	}
	c, err := repo.Commit("HEAD")
	if err != nil {
		b.Fatal(err)
	}
	base, err := repo.FS(c)
	if err != nil {
		b.Fatal(err)
	}
	head, err := syncgate.OpenRoot(dir)
	if err != nil {
		b.Fatal(err)
	}
	ignored, err := repo.Ignored()
	if err != nil {
		b.Fatal(err)
	}
	return syncgate.Revisions{Base: &syncgate.Source{FS: base}, Head: head, Change: change.DefaultOptions(), HeadIgnored: ignored}
}
