package syncgate

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/syncgate/syncgate/manifest"
	"github.com/syncgate/syncgate/render"
)

// Two copies of one ConfigMap give one render/duplicate-object finding, the
// finding every case below waives or keeps.
func duplicatePair(annotations map[string]any) []*manifest.Object {
	newCM := func(line int) *manifest.Object {
		md := map[string]any{"name": "cfg", "namespace": "web"}
		if annotations != nil {
			md["annotations"] = annotations
		}
		content := map[string]any{"apiVersion": "v1", "kind": "ConfigMap", "metadata": md}
		return manifest.NewObject(content, manifest.Origin{File: "apps/web/cm.yaml", Line: line, Target: "apps/web"})
	}
	return []*manifest.Object{newCM(1), newCM(9)}
}

func TestExceptions(t *testing.T) {
	tests := []struct {
		name        string
		config      string
		annotations map[string]any
		// want are the rules of the findings that count; waivedBy names
		// what waived the duplicate, "" when nothing did.
		want     []string
		waivedBy string
		allowed  bool
	}{
		{name: "no exception", want: []string{"render/duplicate-object"}},
		{
			name:     "by rule",
			config:   "exceptions:\n  - rule: render/duplicate-object\n    reason: migrating\n",
			waivedBy: ConfigFileName + ":2",
			allowed:  true,
		},
		{
			name:     "by rule prefix, target and object",
			config:   "exceptions:\n  - rule: render/*\n    target: apps/*\n    kind: ConfigMap\n    namespace: web\n    name: cfg\n    reason: migrating\n",
			waivedBy: ConfigFileName + ":2",
			allowed:  true,
		},
		{
			name:   "other object",
			config: "exceptions:\n  - rule: render/duplicate-object\n    name: other\n    reason: migrating\n",
			want:   []string{"render/duplicate-object"},
		},
		{
			name:   "other file",
			config: "exceptions:\n  - rule: render/duplicate-object\n    file: apps/api/*\n    reason: migrating\n",
			want:   []string{"render/duplicate-object"},
		},
		{
			name:   "expired",
			config: "exceptions:\n  - rule: render/duplicate-object\n    reason: migrating\n    expires: 2020-01-31\n",
			want:   []string{"config/expired-exception", "render/duplicate-object"},
		},
		{
			name:     "not yet expired",
			config:   "exceptions:\n  - rule: render/duplicate-object\n    reason: migrating\n    expires: 2999-01-31\n",
			waivedBy: ConfigFileName + ":2",
			allowed:  true,
		},
		{
			// An annotation is the repository's word: it cannot waive a rule
			// that means a check could not run, and says so on each object
			// that tries; the duplicate it may waive.
			name:        "annotation",
			annotations: map[string]any{IgnoreAnnotation: "render/failed, render/duplicate-object", IgnoreReasonAnnotation: "two tools own it"},
			want:        []string{"config/invalid-exception", "config/invalid-exception"},
			waivedBy:    "annotation " + IgnoreAnnotation,
			allowed:     false,
		},
		{
			name:        "annotation without reason",
			annotations: map[string]any{IgnoreAnnotation: "render/duplicate-object"},
			want:        []string{"config/exception-without-reason", "config/exception-without-reason", "render/duplicate-object"},
		},
		{
			name:    "severity override",
			config:  "severity:\n  render/duplicate-object: warning\n",
			want:    []string{"render/duplicate-object"},
			allowed: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := DefaultOptions()
			cfg, err := ParseConfig(ConfigFileName, []byte(tt.config))
			if err != nil {
				t.Fatal(err)
			}
			opts.Config = cfg
			g, err := New(context.Background(), opts)
			if err != nil {
				t.Fatal(err)
			}
			d, err := g.CheckObjects(context.Background(), objectsOf(duplicatePair(tt.annotations)))
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, f := range d.Findings {
				got = append(got, f.Rule)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("findings (-want +got):\n%s", diff)
			}
			var by string
			if len(d.Waived) > 0 {
				by = d.Waived[0].By
				if d.Waived[0].Reason == "" || d.Waived[0].Rule != "render/duplicate-object" {
					t.Errorf("waived = %+v, want the duplicate with its reason", d.Waived[0])
				}
			}
			if by != tt.waivedBy {
				t.Errorf("waived by %q, want %q", by, tt.waivedBy)
			}
			if d.Allowed != tt.allowed {
				t.Errorf("Allowed = %v, want %v", d.Allowed, tt.allowed)
			}
		})
	}
}

func TestExceptionConfigErrors(t *testing.T) {
	tests := []struct {
		config, want string
	}{
		{"exceptions:\n  - rule: schema/x\n", ConfigFileName + ":2: exceptions (schema/x): reason is required"},
		{"exceptions:\n  - reason: because\n", ConfigFileName + ":2: exceptions: rule is required"},
		{"exceptions:\n  - rule: a\n    reason: b\n  - rule: c\n    reason: d\n    expires: soon\n", ConfigFileName + ":4: exceptions (c): expires \"soon\": want YYYY-MM-DD"},
		{"exceptions:\n  - rule: a\n    reason: b\n    target: \"[\"\n", ConfigFileName + ":2: exceptions (a): pattern \"[\": syntax error in pattern"},
		{"severity:\n  schema/x: fatal\n", "severity of schema/x"},
	}
	for _, tt := range tests {
		_, err := ParseConfig(ConfigFileName, []byte(tt.config))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("ParseConfig(%q) = %v, want an error containing %q", tt.config, err, tt.want)
		}
	}
}

func TestExceptionExpiresAtEndOfDay(t *testing.T) {
	e := Exception{Rule: "a", Reason: "b", Expires: "2026-11-26"}
	if err := e.check(); err != nil {
		t.Fatal(err)
	}
	day := time.Date(2026, 11, 26, 23, 0, 0, 0, time.UTC)
	if e.expired(day) {
		t.Error("expired during its last day")
	}
	if !e.expired(day.Add(2 * time.Hour)) {
		t.Error("not expired the day after")
	}
}

// A pod whose imagePullPolicy is no enum value: one schema/enum finding, a
// rule a repository may waive, beside the unwaivable duplicate.
func enumPod() *manifest.Object {
	content := map[string]any{
		"apiVersion": "v1", "kind": "Pod",
		"metadata": map[string]any{"name": "web", "namespace": "web"},
		"spec": map[string]any{"containers": []any{map[string]any{
			"name": "web", "image": "nginx:1.27", "imagePullPolicy": "Sometimes",
			"resources": map[string]any{
				"requests": map[string]any{"cpu": "1", "memory": "1Gi"},
				"limits":   map[string]any{"cpu": "1", "memory": "1Gi"},
			},
		}}},
	}
	return manifest.NewObject(content, manifest.Origin{File: "apps/web/pod.yaml", Line: 1, Target: "apps/web"})
}

// The repository's configuration cannot waive or downgrade what means a
// check could not run; the caller's trusted configuration can, and every
// override it applies is reported.
func TestTrust(t *testing.T) {
	tests := []struct {
		name       string
		trusted    string // the caller's configuration
		repository string // the repository's .syncgate.yaml
		noRepo     bool   // Options.RepositoryExceptions unset
		// want are the error-severity rules that count, or wantErr the
		// configuration error.
		want      []string
		waived    []string
		overrides []Override
		wantErr   string
	}{
		{
			name:       "repository waives a schema rule",
			repository: "exceptions:\n  - rule: schema/enum\n    reason: known\n",
			want:       []string{"render/failed"},
			waived:     []string{"schema/enum"},
		},
		{
			name:       "repository prefix leaves the render rule alone",
			repository: "exceptions:\n  - rule: schema/*\n    reason: known\n",
			want:       []string{"render/failed"},
			waived:     []string{"schema/enum"},
		},
		{
			name:       "repository waives a render rule",
			repository: "exceptions:\n  - rule: schema/enum\n    reason: known\n  - rule: render/failed\n    reason: mine\n",
			wantErr:    ConfigFileName + ":4: exceptions: rule \"render/failed\" means a check could not run",
		},
		{
			// The family holds render/duplicate-object, which a repository
			// may waive; render/failed stays.
			name:       "repository waives the render family",
			repository: "exceptions:\n  - rule: render/*\n    reason: mine\n",
			want:       []string{"render/failed", "schema/enum"},
		},
		{
			name:       "repository downgrades a render rule",
			repository: "severity:\n  schema/enum: warning\n  render/failed: info\n",
			wantErr:    ConfigFileName + ":3: severity: rule \"render/failed\" means a check could not run",
		},
		{
			name:       "unknown rule",
			repository: "exceptions:\n  - rule: schema/no-such-rule\n    reason: typo\n",
			wantErr:    ConfigFileName + ":2: exceptions: rule \"schema/no-such-rule\": no check reports it",
		},
		{
			name:       "unknown rule family",
			repository: "severity:\n  schemas/*: info\n",
			wantErr:    "severity: rule \"schemas/*\": name one rule, without a wildcard",
		},
		{
			name:      "trusted waives a render rule",
			trusted:   "exceptions:\n  - rule: render/failed\n    reason: the platform team owns it\n",
			want:      []string{"schema/enum"},
			waived:    []string{"render/failed"},
			overrides: []Override{},
		},
		{
			name:      "trusted downgrades, and the override is reported",
			trusted:   "severity:\n  render/failed: warning\n  schema/enum: info\n",
			overrides: []Override{{Rule: "render/failed", Severity: "warning", By: "trusted.yaml:2", Findings: 1}, {Rule: "schema/enum", Severity: "info", By: "trusted.yaml:3", Findings: 1}},
		},
		{
			name:       "trusted replaces the repository's",
			trusted:    "kubernetesVersion: \"1.35\"\n",
			repository: "exceptions:\n  - rule: schema/enum\n    reason: known\n",
			want:       []string{"render/failed", "schema/enum"},
		},
		{
			name:       "repository exceptions turned off",
			repository: "exceptions:\n  - rule: schema/enum\n    reason: known\n",
			noRepo:     true,
			want:       []string{"render/failed", "schema/enum"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := DefaultOptions()
			opts.RepositoryExceptions = !tt.noRepo
			g, err := New(context.Background(), opts)
			if err != nil {
				t.Fatal(err)
			}
			broken := &render.Result{Target: render.Target{Name: "apps/broken"}, Err: errors.New("kustomization.yaml: missing resource")}
			in := Objects{Targets: append(objectsOf([]*manifest.Object{enumPod()}).Targets, broken)}
			if tt.trusted != "" {
				if in.Trusted, err = ParseConfig("trusted.yaml", []byte(tt.trusted)); err != nil {
					t.Fatal(err)
				}
			}
			if tt.repository != "" {
				if in.Repository, err = ParseConfig(ConfigFileName, []byte(tt.repository)); err != nil {
					if tt.wantErr != "" && strings.Contains(err.Error(), tt.wantErr) {
						return
					}
					t.Fatal(err)
				}
			}
			d, err := g.CheckObjects(context.Background(), in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var errors, waived []string
			for _, f := range d.Findings {
				if f.Severity == manifest.SeverityError {
					errors = append(errors, f.Rule)
				}
			}
			for _, w := range d.Waived {
				waived = append(waived, w.Rule)
			}
			if diff := cmp.Diff(tt.want, errors); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.waived, waived); diff != "" {
				t.Errorf("waived (-want +got):\n%s", diff)
			}
			if tt.overrides != nil {
				if diff := cmp.Diff(tt.overrides, d.Overrides, cmpopts.EquateEmpty()); diff != "" {
					t.Errorf("overrides (-want +got):\n%s", diff)
				}
			}
			if got := slices.ContainsFunc(d.Findings, func(f manifest.Finding) bool { return f.Rule == "config/repository-exceptions-ignored" }); got != tt.noRepo {
				t.Errorf("config/repository-exceptions-ignored reported: %v, want %v", got, tt.noRepo)
			}
		})
	}
}

func TestRulePatterns(t *testing.T) {
	for _, tt := range []struct{ config, want string }{
		{"exceptions:\n  - rule: \"*\"\n    reason: all of it\n", ConfigFileName + ":2: exceptions: rule \"*\": a wildcard may only end a rule prefix"},
		{"exceptions:\n  - rule: \"\"\n    reason: none\n", ConfigFileName + ":2: exceptions: rule is required"},
		{"exceptions:\n  - rule: schema*\n    reason: typo\n", ConfigFileName + ":2: exceptions: rule \"schema*\": a wildcard may only end a rule prefix"},
		{"exceptions:\n  - rule: \"/*\"\n    reason: none\n", ConfigFileName + ":2: exceptions: rule \"/*\": name a rule family"},
		{"exceptions:\n  - rule: ok/rule\n    reason: fine\n  - rule: \"*/deny\"\n    reason: x\n", ConfigFileName + ":4: exceptions: rule \"*/deny\": a wildcard may only end a rule prefix"},
		{"severity:\n  schema/*: info\n", ConfigFileName + ":2: severity: rule \"schema/*\": name one rule"},
	} {
		_, err := ParseConfig(ConfigFileName, []byte(tt.config))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("ParseConfig(%q) = %v, want an error containing %q", tt.config, err, tt.want)
		}
	}
}
