package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestShardsMerge: the shards of a check, merged, are the whole check,
// in every tree and for any number of shards.
func TestShardsMerge(t *testing.T) {
	for _, tree := range []string{"../../examples/gitops-repo", "../../examples/broken", "../../testdata/bad"} {
		for _, n := range []int{1, 2, 3} {
			t.Run(fmt.Sprintf("%s/%d", filepath.Base(tree), n), func(t *testing.T) {
				var whole, errOut bytes.Buffer
				wantCode := run([]string{"check", "--in-process", "-o", "json", tree}, &whole, &errOut)
				if wantCode == 2 {
					t.Fatalf("check: %s", errOut.String())
				}
				dir := t.TempDir()
				var files []string
				for i := 1; i <= n; i++ {
					shard := fmt.Sprintf("%d/%d", i, n)
					f := filepath.Join(dir, fmt.Sprintf("shard%d.json", i))
					files = append(files, f)
					var out, errOut bytes.Buffer
					if code := run([]string{"check", "--in-process", "--shard", shard, "-o", "json", "--report", "json=" + f, tree}, &out, &errOut); code == 2 {
						t.Fatalf("shard %s: %s", shard, errOut.String())
					}
				}
				var merged bytes.Buffer
				errOut.Reset()
				code := run(append([]string{"merge", "-o", "json"}, files...), &merged, &errOut)
				if code != wantCode {
					t.Errorf("merge exit code %d, want the check's %d; stderr: %s", code, wantCode, errOut.String())
				}
				got := durationMs.ReplaceAllString(merged.String(), `"durationMs": 0`)
				want := durationMs.ReplaceAllString(whole.String(), `"durationMs": 0`)
				if got != want {
					t.Errorf("merged shards:\n%s\nwhole check:\n%s", got, want)
				}
			})
		}
	}
}

func TestMergeRefuses(t *testing.T) {
	dir := t.TempDir()
	one := filepath.Join(dir, "one.json")
	var out, errOut bytes.Buffer
	if code := run([]string{"check", "--in-process", "-o", "json", "--report", "json=" + one, "../../examples/gitops-repo"}, &out, &errOut); code != 0 {
		t.Fatalf("check: exit %d: %s", code, errOut.String())
	}
	bad := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(bad, []byte(`{"allowed": "yes"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		args    []string
		wantErr string
	}{
		{"no file", []string{"merge"}, "requires at least 1 arg"},
		{"missing file", []string{"merge", filepath.Join(dir, "none.json")}, "none.json: no such file"},
		{"not a decision", []string{"merge", bad}, "bad.json: not a syncgate JSON decision"},
		{"same shard twice", []string{"merge", one, one}, "is in " + one + " too"},
		{"bad shard", []string{"check", "--shard", "3/2", "../../examples/gitops-repo"}, `shard 3/2: want 1 <= i <= n`},
		{"shard syntax", []string{"check", "--shard", "2", "../../examples/gitops-repo"}, `shard "2": want i/n`},
		{"report modifier", []string{"check", "--report", "sarif:old=x.sarif", "../../examples/gitops-repo"}, `unknown modifier "old"`},
		{"shard with --base", []string{"check", "--shard", "1/2", "--base", "HEAD", "../../examples/gitops-repo"}, "does not take --base"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			if code := run(tt.args, &out, &errOut); code != 2 {
				t.Errorf("exit code %d, want 2", code)
			}
			if !strings.Contains(errOut.String(), tt.wantErr) {
				t.Errorf("stderr %q does not contain %q", errOut.String(), tt.wantErr)
			}
		})
	}
}

// TestReportNewOnly: FORMAT:new=FILE holds the new findings of check
// --base and none of those it marks existing; stdout holds both.
func TestReportNewOnly(t *testing.T) {
	dir := gitRepo(t)
	writeFile(t, dir, "app/deployment.yaml", deploymentWith("web2", "2"))
	file := filepath.Join(t.TempDir(), "new.json")
	var out, errOut bytes.Buffer
	if code := run([]string{"check", "--base", "HEAD", "--in-process", "-o", "json", "--report", "json:new=" + file, dir}, &out, &errOut); code != 1 {
		t.Fatalf("exit code %d, want 1: %s", code, errOut.String())
	}
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	count := func(s, marker string) int { return strings.Count(s, marker) }
	all, onlyNew := out.String(), string(data)
	if count(all, `"new": false`) == 0 || count(all, `"new": true`) == 0 {
		t.Fatalf("the check has no existing and new findings to tell apart:\n%s", all)
	}
	if got, want := count(onlyNew, `"new": true`), count(all, `"new": true`); got != want {
		t.Errorf("%d new findings in the file, want %d", got, want)
	}
	if count(onlyNew, `"new": false`) != 0 {
		t.Errorf("existing findings in the file:\n%s", onlyNew)
	}
}
