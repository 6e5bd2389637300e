package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/syncgate/syncgate"
	"github.com/syncgate/syncgate/internal/golden"
)

// The commands render in worker processes: this test binary re-executed.
func TestMain(m *testing.M) {
	syncgate.ServeWorker()
	os.Exit(m.Run())
}

// durationMs is the one field that changes from run to run.
var durationMs = regexp.MustCompile(`"durationMs": \d+`)

func TestCommands(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		wantCode int
		// golden names the file under testdata/ holding the expected stdout.
		golden string
		// wantErr is a substring of stderr, when stderr matters.
		wantErr string
	}{
		{name: "check example", args: []string{"check", "../../examples/gitops-repo"}, golden: "check-example.txt"},
		{name: "check example json", args: []string{"check", "-o", "json", "../../examples/gitops-repo"}, golden: "check-example.json"},
		{name: "check bad input json", args: []string{"check", "-o", "json", "../../testdata/bad"}, wantCode: 1, golden: "check-bad.json"},
		{name: "check bad input text", args: []string{"check", "../../testdata/bad"}, wantCode: 1, golden: "check-bad.txt"},
		{name: "check bad input sarif", args: []string{"check", "-o", "sarif", "../../testdata/bad"}, wantCode: 1, golden: "check-bad.sarif"},
		{name: "check bad input github", args: []string{"check", "-o", "github", "../../testdata/bad"}, wantCode: 1, golden: "check-bad.github.txt"},
		{name: "check bad input junit", args: []string{"check", "-o", "junit", "../../testdata/bad"}, wantCode: 1, golden: "check-bad.xml"},
		{name: "check bad input markdown", args: []string{"check", "-o", "markdown", "../../testdata/bad"}, wantCode: 1, golden: "check-bad.md"},
		{name: "check example markdown", args: []string{"check", "-o", "markdown", "../../examples/gitops-repo"}, golden: "check-example.md"},
		{name: "check example quiet", args: []string{"check", "--quiet", "../../examples/gitops-repo"}, golden: "check-example-quiet.txt"},
		{name: "check broken example", args: []string{"check", "../../examples/broken"}, wantCode: 1, golden: "check-broken.txt"},
		{name: "check broken example sarif", args: []string{"check", "-o", "sarif", "../../examples/broken"}, wantCode: 1, golden: "check-broken.sarif"},
		{name: "check changed files", args: []string{"check", "../../examples/broken/apps/web/base/deployment.yaml", "../../examples/broken/platform/legacy.yaml"}, wantCode: 1, golden: "check-changed-files.txt"},
		{name: "check unknown stage", args: []string{"check", "--stage", "lint", "../../examples/gitops-repo"}, wantCode: 2, wantErr: `unknown stage "lint"`},
		{name: "rules", args: []string{"rules"}, golden: "rules.txt"},
		{name: "targets", args: []string{"targets", "../../examples/gitops-repo"}, golden: "targets.txt"},
		{name: "render kustomize", args: []string{"render", "../../testdata/render/kustomize/overlay"}, golden: "render-kustomize.yaml"},
		{name: "render chart with values", args: []string{"render", "../../testdata/render/helm/chart", "-f", "../../testdata/render/helm/chart/values/prod.yaml",
			"--release-name", "demo", "--namespace", "apps", "--kubernetes-version", "1.33.1"}, golden: "render-helm.yaml"},
		{name: "render failure", args: []string{"render", "../../testdata/bad/remote-base/app"}, wantCode: 1, wantErr: "kustomization.yaml:3: remote reference"},
		{name: "unknown format", args: []string{"check", "-o", "xml", "../../examples/gitops-repo"}, wantCode: 2, wantErr: `unknown output format "xml" (want one of text, json, sarif, junit, github, markdown)`},
		{name: "unknown format before the check", args: []string{"check", "-o", "xml", "../../no/such/dir"}, wantCode: 2, wantErr: `unknown output format "xml"`},
		{name: "report without a file", args: []string{"check", "--report", "sarif", "../../no/such/dir"}, wantCode: 2, wantErr: `--report "sarif": want FORMAT=FILE`},
		{name: "report in an unknown format", args: []string{"check", "--report", "xml=out.xml", "../../no/such/dir"}, wantCode: 2, wantErr: `unknown output format "xml"`},
		{name: "bad fail-on", args: []string{"check", "--fail-on", "fatal", "../../examples/gitops-repo"}, wantCode: 2, wantErr: `unknown severity "fatal"`},
		{name: "missing path", args: []string{"check", "../../no/such/dir"}, wantCode: 2, wantErr: "no such file or directory"},
		{name: "unknown flag", args: []string{"check", "--frobnicate"}, wantCode: 2, wantErr: "unknown flag"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Run twice: the same input must give byte-identical output.
			var first string
			for i := range 2 {
				var out, errOut bytes.Buffer
				code := run(tt.args, &out, &errOut)
				if code != tt.wantCode {
					t.Fatalf("exit code %d, want %d; stderr: %s", code, tt.wantCode, errOut.String())
				}
				if tt.wantErr != "" && !strings.Contains(errOut.String(), tt.wantErr) {
					t.Errorf("stderr %q does not contain %q", errOut.String(), tt.wantErr)
				}
				got := durationMs.ReplaceAllString(out.String(), `"durationMs": 0`)
				if i == 0 {
					first = got
					continue
				}
				if got != first {
					t.Fatalf("second run differs from the first:\n%s\n---\n%s", first, got)
				}
			}
			if tt.golden != "" {
				golden.Assert(t, filepath.Join("testdata", tt.golden), []byte(first))
			}
		})
	}
}

// TestReportFiles checks that --report writes, in one run, what -o would
// have printed for each format.
func TestReportFiles(t *testing.T) {
	dir := t.TempDir()
	sarif, junit := filepath.Join(dir, "out.sarif"), filepath.Join(dir, "out.xml")
	var out, errOut bytes.Buffer
	code := run([]string{"check", "-o", "github", "--report", "sarif=" + sarif, "--report", "junit=" + junit, "../../testdata/bad"}, &out, &errOut)
	if code != exitFindings {
		t.Fatalf("exit code %d, want %d; stderr: %s", code, exitFindings, errOut.String())
	}
	for path, golden := range map[string]string{sarif: "check-bad.sarif", junit: "check-bad.xml"} {
		got, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		want, err := os.ReadFile(filepath.Join("testdata", golden))
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != string(want) {
			t.Errorf("--report file %s differs from testdata/%s", filepath.Base(path), golden)
		}
	}
	want, err := os.ReadFile(filepath.Join("testdata", "check-bad.github.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if out.String() != string(want) {
		t.Errorf("stdout differs from testdata/check-bad.github.txt:\n%s", out.String())
	}
}

func TestVersion(t *testing.T) {
	var out bytes.Buffer
	if code := run([]string{"version"}, &out, &out); code != 0 {
		t.Fatalf("exit code %d: %s", code, out.String())
	}
	if !strings.HasPrefix(out.String(), "syncgate ") {
		t.Errorf("version output %q", out.String())
	}
}
