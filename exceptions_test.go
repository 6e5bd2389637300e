package syncgate

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/syncgate/syncgate/manifest"
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
			name:        "annotation",
			annotations: map[string]any{IgnoreAnnotation: "policy/x, render/duplicate-object", IgnoreReasonAnnotation: "two tools own it"},
			waivedBy:    "annotation " + IgnoreAnnotation,
			allowed:     true,
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
			g, err := New(opts)
			if err != nil {
				t.Fatal(err)
			}
			d, err := g.CheckObjects(context.Background(), duplicatePair(tt.annotations))
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
