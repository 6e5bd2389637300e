package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing/object"

	"github.com/syncgate/syncgate/internal/golden"
)

const selectorDeployment = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: web}
spec:
  replicas: REPLICAS
  selector: {matchLabels: {app: APP}}
  template:
    metadata: {labels: {app: APP}}
    spec:
      containers: [{name: web, image: "web:1.0"}]
`

func deploymentWith(app, replicas string) string {
	return strings.NewReplacer("APP", app, "REPLICAS", replicas).Replace(selectorDeployment)
}

// gitRepo commits app/deployment.yaml into a new repository and returns
// its directory; the working tree then holds what tests write.
func gitRepo(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	repo, err := git.PlainInit(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, dir, "app/deployment.yaml", deploymentWith("web", "2"))
	wt, err := repo.Worktree()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := wt.Add("app/deployment.yaml"); err != nil {
		t.Fatal(err)
	}
	sig := &object.Signature{Name: "test", Email: "test@example.com", When: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	if _, err := wt.Commit("base", &git.CommitOptions{Author: sig}); err != nil {
		t.Fatal(err)
	}
	return dir
}

func writeFile(t *testing.T, dir, name, content string) {
	t.Helper()
	p := filepath.Join(dir, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestDiffCommand(t *testing.T) {
	tests := []struct {
		name     string
		head     string // the working tree's app/deployment.yaml
		args     []string
		wantCode int
		golden   string
		wantOut  string
		wantErr  string
	}{
		{name: "selector change blocks", head: deploymentWith("web2", "2"), args: []string{"diff", "--base", "HEAD", "--in-process"}, wantCode: 1, golden: "diff-selector.txt"},
		{name: "in worker processes", head: deploymentWith("web2", "2"), args: []string{"diff", "--base", "HEAD"}, wantCode: 1, golden: "diff-selector.txt"},
		{name: "markdown", head: deploymentWith("web2", "2"), args: []string{"diff", "--base", "HEAD", "--in-process", "-o", "markdown"}, wantCode: 1, golden: "diff-selector.md"},
		{name: "harmless change", head: deploymentWith("web", "3"), args: []string{"diff", "--base", "HEAD", "--in-process"}, wantOut: "spec.replicas: 2 → 3"},
		{name: "--exit-code", head: deploymentWith("web", "3"), args: []string{"diff", "--base", "HEAD", "--in-process", "--exit-code"}, wantCode: 1},
		{name: "no change with --exit-code", head: deploymentWith("web", "2"), args: []string{"diff", "--base", "HEAD", "--in-process", "--exit-code"},
			wantOut: "0 objects added, 0 removed, 0 modified in 0 targets (1 targets unaffected)"},
		{name: "ignored field", head: deploymentWith("web", "3"), args: []string{"diff", "--base", "HEAD", "--in-process", "--exit-code", "--ignore-field", "spec.replicas"}},
		{name: "unknown revision", head: deploymentWith("web", "2"), args: []string{"diff", "--base", "main", "--in-process"}, wantCode: 2,
			wantErr: `revision "main": unknown revision; name a branch, tag or commit; a remote branch is origin/main (git fetch origin main)`},
		{name: "no --base", args: []string{"diff", "--in-process"}, wantCode: 2, wantErr: "--base is required"},
		{name: "check --base marks new findings", head: deploymentWith("web2", "2"), args: []string{"check", "--base", "HEAD", "--in-process", "--stage", "validate", "-o", "github"},
			wantCode: 1, wantOut: "::error file=app/deployment.yaml,line=6,title=new change/immutable-selector::"},
		{name: "--new-only needs --base", args: []string{"check", "--new-only", "--in-process"}, wantCode: 2, wantErr: "--head, --merge-base, --new-only and --all-targets need --base"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := gitRepo(t)
			if tt.head != "" {
				writeFile(t, dir, "app/deployment.yaml", tt.head)
			}
			var first string
			for i := range 2 {
				var out, errOut bytes.Buffer
				code := run(append(tt.args, dir), &out, &errOut)
				if code != tt.wantCode {
					t.Fatalf("exit code %d, want %d; stdout: %s stderr: %s", code, tt.wantCode, out.String(), errOut.String())
				}
				if tt.wantErr != "" && !strings.Contains(errOut.String(), tt.wantErr) {
					t.Errorf("stderr %q does not contain %q", errOut.String(), tt.wantErr)
				}
				if !strings.Contains(out.String(), tt.wantOut) {
					t.Errorf("stdout %q does not contain %q", out.String(), tt.wantOut)
				}
				if i == 0 {
					first = out.String()
				} else if out.String() != first {
					t.Fatalf("second run differs from the first:\n%s\n---\n%s", first, out.String())
				}
			}
			if tt.golden != "" {
				golden.Assert(t, filepath.Join("testdata", tt.golden), []byte(first))
			}
		})
	}
}
