package policy

import (
	"bytes"
	"context"
	"log/slog"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/syncgate/syncgate/manifest"
)

// A rule that grows the heap without bound, under a deadline far away,
// ends at its memory limit with a blocking finding that names the limit,
// in a Rego package or a Gatekeeper template alike; then the guard's
// sampler is gone.
func TestMemoryLimit(t *testing.T) {
	tests := []struct {
		dir  string
		want string
	}{
		{dir: "memory-hog", want: "policy package main: evaluation went over the memory limit of 64 MiB"},
		{dir: "gatekeeper-memory-hog", want: "K8sHog hog: evaluation went over the memory limit of 64 MiB"},
	}
	for _, tt := range tests {
		t.Run(tt.dir, func(t *testing.T) {
			e, err := Load(context.Background(), []string{"testdata/" + tt.dir}, Options{Timeout: time.Minute, MaxMemory: 64 << 20})
			if err != nil {
				t.Fatal(err)
			}
			got := shorten(e.Evaluate(context.Background(), []*manifest.Object{deployment}))
			want := []short{{RuleEvalError, manifest.SeverityError, tt.want}}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("findings (-want +got):\n%s", diff)
			}
			if samplerRunning() {
				t.Error("the guard's sampler still runs with no evaluation in flight")
			}
		})
	}
}

// An evaluation in flight, under the default limit, while another
// Engine's evaluation goes over its small limit, keeps its findings: the
// guard cancels only evaluations whose own limit the heap went past.
func TestMemoryLimitSparesOthers(t *testing.T) {
	hold := &holdHandler{entered: make(chan struct{}), release: make(chan struct{})}
	normal, err := Load(context.Background(), []string{"testdata/print"}, Options{Timeout: time.Minute, Logger: slog.New(hold)})
	if err != nil {
		t.Fatal(err)
	}
	hog, err := Load(context.Background(), []string{"testdata/memory-hog"}, Options{Timeout: time.Minute, MaxMemory: 64 << 20})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan []manifest.Finding)
	go func() { done <- normal.Evaluate(context.Background(), []*manifest.Object{deployment}) }()
	select {
	case <-hold.entered: // the normal evaluation is in flight, held in its print()
	case <-time.After(time.Minute):
		t.Fatal("the normal evaluation never printed")
	}
	if !samplerRunning() {
		t.Error("no sampler runs while an evaluation is in flight")
	}
	got := shorten(hog.Evaluate(context.Background(), []*manifest.Object{deployment}))
	want := []short{{RuleEvalError, manifest.SeverityError, "policy package main: evaluation went over the memory limit of 64 MiB"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("hog findings (-want +got):\n%s", diff)
	}
	close(hold.release)
	got = shorten(<-done)
	want = []short{{"policy/main/deny", manifest.SeverityError, "printed"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("findings of the evaluation in flight (-want +got):\n%s", diff)
	}
	if samplerRunning() {
		t.Error("the guard's sampler still runs with no evaluation in flight")
	}
}

func TestFormatBytes(t *testing.T) {
	for n, want := range map[uint64]string{512 << 20: "512 MiB", 1 << 30: "1024 MiB", 1000: "1000 bytes"} {
		if got := formatBytes(n); got != want {
			t.Errorf("formatBytes(%d) = %q, want %q", n, got, want)
		}
	}
}

func shorten(findings []manifest.Finding) []short {
	var s []short
	for _, f := range findings {
		s = append(s, short{f.Rule, f.Severity, f.Message})
	}
	return s
}

// samplerRunning tells, from the stacks of every goroutine, whether the
// guard's sampler is running.
func samplerRunning() bool {
	buf := make([]byte, 1<<16)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			return bytes.Contains(buf[:n], []byte("policy.(*memGuard).sample("))
		}
		buf = make([]byte, 2*len(buf))
	}
}

// holdHandler holds the first record logged (a policy's print) until
// release is closed, so that its evaluation stays in flight.
type holdHandler struct {
	once    sync.Once
	entered chan struct{}
	release chan struct{}
}

func (h *holdHandler) Enabled(context.Context, slog.Level) bool { return true }

func (h *holdHandler) Handle(context.Context, slog.Record) error {
	h.once.Do(func() {
		close(h.entered)
		<-h.release
	})
	return nil
}

func (h *holdHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *holdHandler) WithGroup(string) slog.Handler      { return h }

// A unit test that grows the heap without bound stops the run at its
// memory limit, with an error that names the limit.
func TestRunTestsMemoryLimit(t *testing.T) {
	_, err := RunTests(context.Background(), []string{"testdata/memory-hog-test"}, Options{Timeout: time.Minute, MaxMemory: 64 << 20})
	if want := "policy tests: evaluation went over the memory limit of 64 MiB"; err == nil || err.Error() != want {
		t.Errorf("RunTests error = %v, want %q", err, want)
	}
	if samplerRunning() {
		t.Error("the guard's sampler still runs after the tests")
	}
}
