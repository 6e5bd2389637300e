package main

import (
	"bytes"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/spf13/cobra"

	"github.com/syncgate/syncgate"
	"github.com/syncgate/syncgate/internal/golden"
	"github.com/syncgate/syncgate/report"
)

// The commands render in worker processes: this test binary re-executed.
func TestMain(m *testing.M) {
	syncgate.ServeWorker()
	os.Exit(runTests(m))
}

// runTests runs the tests with a result cache of their own, which the
// commands run twice use on their second run: cached results must print
// the same bytes.
func runTests(m *testing.M) int {
	dir, err := os.MkdirTemp("", "syncgate-cache-")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	// The go commands the tests run (the hostile suites build syncgate)
	// keep Go's build cache, which moving the user cache would empty.
	if os.Getenv("GOCACHE") == "" {
		if user, err := os.UserCacheDir(); err == nil {
			os.Setenv("GOCACHE", filepath.Join(user, "go-build"))
		}
	}
	os.Setenv("XDG_CACHE_HOME", dir)
	return m.Run()
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
		// stderrGolden names the file under testdata/ holding the expected
		// stderr, when all of it matters.
		stderrGolden string
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
		{name: "targets engine", args: []string{"targets", "--repo-url", "git@github.com:example/fleet.git", "--root", "../../testdata/engine/argocd", "../../testdata/engine/argocd"}, golden: "targets-engine.txt"},
		{name: "render skipped engine target", args: []string{"render", "--target", "argocd/argocd/upstream", "--root", "../../testdata/engine/argocd", "../../testdata/engine/argocd"}, wantCode: 2, wantErr: "is not this repository"},
		{name: "render kustomize", args: []string{"render", "../../testdata/render/kustomize/overlay"}, golden: "render-kustomize.yaml"},
		{name: "render chart with values", args: []string{"render", "../../testdata/render/helm/chart", "-f", "../../testdata/render/helm/chart/values/prod.yaml",
			"--release-name", "demo", "--namespace", "apps", "--kubernetes-version", "1.33.1"}, golden: "render-helm.yaml"},
		{name: "render failure", args: []string{"render", "../../testdata/bad/remote-base/app"}, wantCode: 1, wantErr: "kustomization.yaml:3: remote reference"},
		{name: "render chart with -n", args: []string{"render", "../../testdata/render/helm/chart", "-f", "../../testdata/render/helm/chart/values/prod.yaml",
			"--release-name", "demo", "-n", "apps", "--kubernetes-version", "1.33.1"}, golden: "render-helm.yaml"},
		{name: "render a folder of apps", args: []string{"render", "../../examples/gitops-repo/apps"}, wantCode: 2, stderrGolden: "render-not-a-target.txt"},
		{name: "render an app holding base and overlays", args: []string{"render", "../../examples/gitops-repo/apps/api"}, wantCode: 2,
			wantErr: "syncgate: ../../examples/gitops-repo/apps/api is not a target: it has no kustomization, Chart.yaml or manifests of its own; targets under it:\n" +
				"  kustomize  examples/gitops-repo/apps/api/overlays/dev\n  kustomize  examples/gitops-repo/apps/api/overlays/prod\n  kustomize  examples/gitops-repo/apps/api/overlays/staging\n" +
				"render one with --target NAME, or every one with --all\n"},
		{name: "render a folder of more than 10 targets", args: []string{"render", "../../examples/gitops-repo"}, wantCode: 2, stderrGolden: "render-not-a-target-many.txt"},
		{name: "render a base", args: []string{"render", "../../examples/gitops-repo/apps/api/base"}, golden: "render-base.yaml"},
		{name: "render --target", args: []string{"render", "--target", "examples/gitops-repo/apps/api/overlays/prod", "../../examples/gitops-repo/apps"}, golden: "render-target.yaml"},
		{name: "render --target of a chart's values file", args: []string{"render", "--target", "examples/gitops-repo/charts/webapp:prod", "--release-name", "web", "../../examples/gitops-repo"}, golden: "render-target-chart.yaml"},
		{name: "render an unknown --target", args: []string{"render", "--target", "apps/api", "../../examples/gitops-repo/apps/api"}, wantCode: 2,
			wantErr: "syncgate: no target named apps/api under ../../examples/gitops-repo/apps/api; targets under it:\n  kustomize  examples/gitops-repo/apps/api/overlays/dev\n"},
		{name: "render --target and --all", args: []string{"render", "--all", "--target", "x", "../../examples/gitops-repo"}, wantCode: 2, wantErr: "--all and --target exclude each other"},
		{name: "version", args: []string{"version"}, golden: "version.txt"},
		{name: "version json", args: []string{"version", "-o", "json"}, golden: "version.json"},
		{name: "version in an unknown format", args: []string{"version", "-o", "yaml"}, wantCode: 2, wantErr: `unknown output format "yaml" (want text or json)`},
		{name: "check help", args: []string{"check", "--help"}, golden: "check-help.txt"},
		{name: "render help", args: []string{"render", "--help"}, golden: "render-help.txt"},
		{name: "serve help", args: []string{"serve", "--help"}, golden: "serve-help.txt"},
		{name: "serve with a bad --named-config", args: []string{"serve", "--named-config", "strict"}, wantCode: 2, wantErr: `--named-config "strict": want NAME=FILE`},
		{name: "serve with a missing --policy directory", args: []string{"serve", "--addr", "127.0.0.1:0", "--metrics-addr", "", "--policy", "testdata/no-such-policy"}, wantCode: 2, wantErr: "syncgate: server: reload:"},
		{name: "check --policy-namespace", args: []string{"check", "--stage", "policy", "--no-default-policies", "--policy", "testdata/policy-namespace/policy", "--policy-namespace", "labels", "testdata/policy-namespace/repo"}, wantCode: 1, golden: "check-policy-namespace.txt"},
		{name: "check --all-policy-namespaces", args: []string{"check", "--stage", "policy", "--no-default-policies", "--policy", "testdata/policy-namespace/policy", "--all-policy-namespaces", "testdata/policy-namespace/repo"}, wantCode: 1, golden: "check-all-policy-namespaces.txt"},
		{name: "check policies in package main", args: []string{"check", "--stage", "policy", "--no-default-policies", "--policy", "testdata/policy-namespace/policy", "testdata/policy-namespace/repo"}, golden: "check-policy-main.txt"},
		{name: "check no longer takes --namespace", args: []string{"check", "--namespace", "labels", "../../examples/gitops-repo"}, wantCode: 2, wantErr: "unknown flag: --namespace"},
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
			var first, firstErr string
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
					first, firstErr = got, errOut.String()
					continue
				}
				if got != first || errOut.String() != firstErr {
					t.Fatalf("second run differs from the first:\n%s%s\n---\n%s%s", first, firstErr, got, errOut.String())
				}
			}
			if tt.golden != "" {
				golden.Assert(t, filepath.Join("testdata", tt.golden), []byte(first))
			}
			if tt.stderrGolden != "" {
				golden.Assert(t, filepath.Join("testdata", tt.stderrGolden), []byte(firstErr))
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

// TestFieldOnce checks, in every format of one run over the broken
// example, that a schema finding names its field once: the message does
// not repeat the field that the finding carries. JSON keeps the two apart.
func TestFieldOnce(t *testing.T) {
	const field, repeated = "spec.progressDeadline", "spec.progressDeadline: spec.progressDeadline"
	dir := t.TempDir()
	args := []string{"check", "-o", "text"}
	files := map[string]string{}
	for _, f := range report.Formats {
		files[string(f)] = filepath.Join(dir, string(f))
		args = append(args, "--report", string(f)+"="+files[string(f)])
	}
	var out, errOut bytes.Buffer
	if code := run(append(args, "../../examples/broken"), &out, &errOut); code != exitFindings {
		t.Fatalf("exit code %d, want %d; stderr: %s", code, exitFindings, errOut.String())
	}
	for format, path := range files {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(b), field) || strings.Contains(string(b), repeated) {
			t.Errorf("%s: want %s once per finding:\n%s", format, field, b)
		}
	}
	var doc struct {
		Findings []struct {
			Rule, Field, Message string
			Targets              []struct{ Target string }
		}
	}
	b, err := os.ReadFile(files["json"])
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	seen, targets := 0, 0
	for _, f := range doc.Findings {
		if f.Field == field {
			seen++
			targets += len(f.Targets)
			if f.Rule != "schema/unknown-field" || f.Message != "unknown field" {
				t.Errorf("finding on %s: rule %s, message %q; want schema/unknown-field, \"unknown field\"", field, f.Rule, f.Message)
			}
		}
	}
	// The base's mistake is one finding, seen in the 3 web overlays.
	if seen != 1 || targets != 3 {
		t.Errorf("%d findings on %s in %d targets, want one in the 3 web overlays", seen, field, targets)
	}
}

// TestBuildVersions checks where each version comes from: the build
// information, a replacement when the module is replaced, and "unknown"
// when the information is missing.
func TestBuildVersions(t *testing.T) {
	kustomize := engines[0].module
	tests := []struct {
		name        string
		info        *debug.BuildInfo
		wantMain    string
		wantVersion string // of the first engine
		wantGo      string
	}{
		{name: "no build information", wantMain: unknownVersion, wantVersion: unknownVersion, wantGo: runtime.Version()},
		{name: "module missing", info: &debug.BuildInfo{GoVersion: "go1.99", Main: debug.Module{Version: "v1.2.3"}},
			wantMain: "v1.2.3", wantVersion: unknownVersion, wantGo: "go1.99"},
		{name: "module", info: &debug.BuildInfo{GoVersion: "go1.99", Deps: []*debug.Module{{Path: kustomize, Version: "v0.1.0"}}},
			wantVersion: "v0.1.0", wantGo: "go1.99"},
		{name: "replaced by a version", info: &debug.BuildInfo{Deps: []*debug.Module{{Path: kustomize, Version: "v0.1.0",
			Replace: &debug.Module{Path: "example.com/fork", Version: "v0.1.1-fix"}}}}, wantVersion: "v0.1.1-fix"},
		{name: "replaced by a directory", info: &debug.BuildInfo{Deps: []*debug.Module{{Path: kustomize, Version: "v0.1.0",
			Replace: &debug.Module{Path: "../kustomize/api"}}}}, wantVersion: "../kustomize/api"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := buildVersions(tt.info)
			got := []string{v.Syncgate, v.Engines[0].Version, v.Go}
			if diff := cmp.Diff([]string{tt.wantMain, tt.wantVersion, tt.wantGo}, got); diff != "" {
				t.Errorf("syncgate, %s and go versions (-want +got):\n%s", engines[0].name, diff)
			}
			if len(v.Engines) != len(engines) || len(v.Schemas.Kubernetes) == 0 {
				t.Errorf("%d engines, %d Kubernetes versions", len(v.Engines), len(v.Schemas.Kubernetes))
			}
		})
	}
}

// TestEnginesLinked checks that every engine version command prints is a
// module of this build, so that the list cannot name one that left.
func TestEnginesLinked(t *testing.T) {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		t.Fatal("no build information")
	}
	for _, e := range buildVersions(info).Engines {
		if e.Version == unknownVersion {
			t.Errorf("%s (%s) is not a module of this build", e.Name, e.Module)
		}
	}
}

// TestHelpShowsPlainBools checks every command's help, the ones cobra adds
// too, for boolean flags written as --flag[=true|false].
func TestHelpShowsPlainBools(t *testing.T) {
	var paths [][]string
	var walk func(c *cobra.Command, path []string)
	walk = func(c *cobra.Command, path []string) {
		paths = append(paths, path)
		for _, sub := range c.Commands() {
			walk(sub, append(slices.Clone(path), sub.Name()))
		}
	}
	root := NewRootCmd(io.Discard, io.Discard)
	root.InitDefaultCompletionCmd()
	walk(root, nil)
	for _, path := range paths {
		var out bytes.Buffer
		if code := run(append(path, "--help"), &out, &out); code != 0 {
			t.Fatalf("%v --help: exit code %d: %s", path, code, out.String())
		}
		if !strings.Contains(out.String(), "  -h, --help ") {
			t.Errorf("%v --help does not show -h, --help plainly:\n%s", path, out.String())
		}
		if strings.Contains(out.String(), "[=true|false]") {
			t.Errorf("%v --help shows [=true|false]:\n%s", path, out.String())
		}
	}
}
