package policy

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/syncgate/syncgate/manifest"
)

// METADATA on a user's rule gives its findings an ID and a severity; a
// rule without one keeps policy/<package>/<rule>; cross-object rules see
// the target's objects.
func TestMetadata(t *testing.T) {
	e, err := Load(context.Background(), Options{Dirs: []string{"testdata/metadata"}})
	if err != nil {
		t.Fatal(err)
	}
	other := object(map[string]any{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": map[string]any{"name": "api"}})
	var got []short
	for _, f := range e.Evaluate(context.Background(), []*manifest.Object{deployment, other}) {
		got = append(got, short{f.Rule, f.Severity, f.Message})
	}
	want := []short{
		{"acme/owner-label", manifest.SeverityWarning, "web has no team label"},
		{"policy/main/deny_unannotated", manifest.SeverityError, "no metadata here"},
		{"policy/main/warn_replicas", manifest.SeverityInfo, "one of 2 Deployments in the target"},
		{"acme/owner-label", manifest.SeverityWarning, "api has no team label"},
		{"policy/main/deny_unannotated", manifest.SeverityError, "no metadata here"},
		{"policy/main/warn_replicas", manifest.SeverityInfo, "one of 2 Deployments in the target"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}
	rules := e.Rules()
	if len(rules) != 1 || rules[0].ID != "acme/owner-label" || rules[0].Title != "Deployments name an owner" || rules[0].Remediation != "Add metadata.labels.team." {
		t.Errorf("Rules() = %+v", rules)
	}
}

func TestMetadataBadSeverity(t *testing.T) {
	_, err := Load(context.Background(), Options{Dirs: []string{"testdata/bad-severity"}})
	sources := manifest.SourceErrors(err)
	if len(sources) != 1 || sources[0].File != "testdata/bad-severity/main.rego" || sources[0].Line != 3 || !strings.Contains(err.Error(), `"fatal"`) {
		t.Fatalf("got %v, want the file, line 3 and the bad severity", err)
	}
}

// print() output goes to the logger, with the object, not to stdout.
func TestPrintCaptured(t *testing.T) {
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	e, err := Load(context.Background(), Options{Dirs: []string{"testdata/print"}, Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	if f := e.Evaluate(context.Background(), []*manifest.Object{deployment}); len(f) != 1 {
		t.Fatalf("got %+v", f)
	}
	if !strings.Contains(logs.String(), `message="checking web"`) || !strings.Contains(logs.String(), "object=Deployment/default/web") || !strings.Contains(logs.String(), "testdata/print/main.rego:4") {
		t.Errorf("log: %s", logs.String())
	}
}

// A message that quotes a Secret of the target shows no secret value.
func TestMessagesRedacted(t *testing.T) {
	e, err := Load(context.Background(), Options{Dirs: []string{"testdata/quote-secret"}})
	if err != nil {
		t.Fatal(err)
	}
	f := e.Evaluate(context.Background(), []*manifest.Object{deployment, secret})
	if len(f) != 1 || strings.Contains(f[0].Message, secretValue) || !strings.Contains(f[0].Message, "[redacted]") {
		t.Fatalf("got %+v, want one warning with the secret redacted", f)
	}
}

// Values given as secret (a variable substituted from a Secret) show
// neither in print output nor in messages, though no object marks them.
func TestEvaluateWithSecrets(t *testing.T) {
	const value = "db-substituted-canary"
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	e, err := Load(context.Background(), Options{Dirs: []string{"testdata/print-value"}, Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	cm := manifest.NewObject(map[string]any{"apiVersion": "v1", "kind": "ConfigMap", "metadata": map[string]any{"name": "app", "namespace": "default"}, "data": map[string]any{"endpoint": value}}, manifest.Origin{File: "cm.yaml", Line: 1})
	for _, secrets := range [][]string{nil, {value}} {
		logs.Reset()
		f := e.EvaluateWithSecrets(context.Background(), []*manifest.Object{cm}, secrets)
		if len(f) != 1 {
			t.Fatalf("got %+v", f)
		}
		// Without the value given, nothing says it is secret: it shows.
		if shown := strings.Contains(logs.String()+f[0].Message, value); shown != (secrets == nil) {
			t.Errorf("secrets %v: value shown = %v: log %s, message %q", secrets, shown, logs.String(), f[0].Message)
		}
	}
}
