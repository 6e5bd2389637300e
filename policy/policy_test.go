package policy

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/syncgate/syncgate/manifest"
)

func object(content map[string]any) *manifest.Object {
	return manifest.NewObject(content, manifest.Origin{File: "app/deploy.yaml", Line: 3, Target: "app"})
}

var deployment = object(map[string]any{
	"apiVersion": "apps/v1", "kind": "Deployment",
	"metadata": map[string]any{"name": "web", "namespace": "default"},
	"spec": map[string]any{"template": map[string]any{"spec": map[string]any{
		"containers": []any{map[string]any{"name": "app", "image": "example.org/web:latest"}},
	}}},
})

const secretValue = "hunter2-hunter2"

var secret = object(map[string]any{
	"apiVersion": "v1", "kind": "Secret",
	"metadata":   map[string]any{"name": "db"},
	"stringData": map[string]any{"password": secretValue},
})

// short keeps what a test pins of a finding.
type short struct {
	Rule     string
	Severity manifest.Severity
	Message  string
}

func TestEvaluate(t *testing.T) {
	tests := []struct {
		dir    string
		object *manifest.Object
		want   []short
		// wantText is in the message of every finding, where exact text
		// comes from OPA.
		wantText string
	}{
		{dir: "basic", object: deployment, want: []short{
			{"policy/main/deny", manifest.SeverityError, "web must run as non-root"},
			{"policy/main/violation", manifest.SeverityError, "objects may not live in the default namespace"},
			{"policy/main/warn_latest", manifest.SeverityWarning, "container app uses a latest tag"},
		}},
		{dir: "basic", object: secret},
		{dir: "builtin-error", object: deployment, wantText: "to_number"},
		{dir: "long-loop", object: deployment, wantText: "over its 300ms of CPU time"},
		{dir: "secret-error", object: secret, wantText: "to_number"},
		{dir: "unused-helper", object: deployment, want: []short{
			{"policy/main/deny", manifest.SeverityError, "web must run as non-root"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.dir+"/"+tt.object.Kind, func(t *testing.T) {
			e, err := Load(context.Background(), Options{Dirs: []string{"testdata/" + tt.dir}, Timeout: 300 * time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			findings := e.Evaluate(context.Background(), []*manifest.Object{tt.object})
			if tt.wantText != "" {
				if len(findings) != 1 || findings[0].Rule != "policy/eval-error" || findings[0].Severity != manifest.SeverityError {
					t.Fatalf("got %+v, want one blocking policy/eval-error", findings)
				}
				t.Logf("message: %s", findings[0].Message)
				if !strings.Contains(findings[0].Message, tt.wantText) || strings.Contains(findings[0].Message, secretValue) {
					t.Errorf("message %q: want %q in it and no secret", findings[0].Message, tt.wantText)
				}
				return
			}
			var got []short
			for _, f := range findings {
				got = append(got, short{f.Rule, f.Severity, f.Message})
				if f.File != "app/deploy.yaml" || f.Line != 3 || f.Target != "app" || f.Object == nil {
					t.Errorf("finding %+v does not carry the object's origin", f)
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("findings (-want +got):\n%s", diff)
			}
		})
	}
}

// Builtins that reach the network or the environment do not compile, and
// the error names the policy file and line.
func TestLoadRefusesBuiltins(t *testing.T) {
	for dir, builtin := range map[string]string{"http-send": "http.send", "lookup": "net.lookup_ip_addr", "runtime": "opa.runtime"} {
		t.Run(dir, func(t *testing.T) {
			_, err := Load(context.Background(), Options{Dirs: []string{"testdata/" + dir}})
			sources := manifest.SourceErrors(err)
			if len(sources) == 0 || sources[0].File != "testdata/"+dir+"/main.rego" || sources[0].Line == 0 || !strings.Contains(err.Error(), builtin) {
				t.Fatalf("got %v, want an error naming %s at a line of testdata/%s/main.rego", err, builtin, dir)
			}
		})
	}
}

// A policy file that is a link is refused, so that a parse error cannot
// show the content of a file it points at.
func TestLoadRefusesLinks(t *testing.T) {
	dir := t.TempDir()
	outside := filepath.Join(t.TempDir(), "secret.txt")
	if err := os.WriteFile(outside, []byte("root:x:0:0:canary\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(dir, "main.rego")); err != nil {
		t.Fatal(err)
	}
	_, err := Load(context.Background(), Options{Dirs: []string{dir}})
	if err == nil || !strings.Contains(err.Error(), "not a regular file") || strings.Contains(err.Error(), "canary") {
		t.Fatalf("got %v, want a refusal that shows nothing of the target", err)
	}
}

// TestRecentCPU: a reading shared by evaluations that start within
// cpuReadingAge of it, less its slack, never counts more CPU time than the
// process used since the evaluation started, even when it spent CPU time
// in between; an older reading is not shared.
func TestRecentCPU(t *testing.T) {
	time.Sleep(2 * cpuReadingAge) // no reading to share yet
	first, _ := recentCPU()
	spinUntil := time.Now().Add(cpuReadingAge / 2)
	for time.Now().Before(spinUntil) {
	}
	before := processCPU()
	cpu, slack := recentCPU()
	if cpu+slack < before {
		t.Errorf("shared reading %v + slack %v is below the CPU time %v already used", cpu, slack, before)
	}
	time.Sleep(2 * cpuReadingAge)
	if again, slack := recentCPU(); again < first || slack != 0 {
		t.Errorf("after %v: reading %v (slack %v), want a new one, not before %v, slack 0", 2*cpuReadingAge, again, slack, first)
	}
}

// TestAfterCPU: the bound counts the process's CPU time, not the wall
// time it spent waiting.
func TestAfterCPU(t *testing.T) {
	const budget = 200 * time.Millisecond
	runtime.GC() // no collection of earlier tests' garbage counts here
	for _, tt := range []struct {
		name string
		busy bool
	}{{"waiting", false}, {"busy", true}} {
		t.Run(tt.name, func(t *testing.T) {
			stopped := make(chan struct{})
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			defer afterCPU(ctx, budget, func() { close(stopped) }).Stop()
			if !tt.busy {
				select {
				case <-stopped:
					t.Fatal("stopped while the process only waited")
				case <-time.After(3 * budget):
				}
				return
			}
			for {
				select {
				case <-stopped:
					return
				default: // spin: the process uses CPU time
				}
			}
		})
	}
}
