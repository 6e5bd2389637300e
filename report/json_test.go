package report

import (
	"bytes"
	"encoding/json"
	"maps"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/syncgate/syncgate"
)

// contract is the JSON output of docs/design.md, field for field.
type contract struct {
	Allowed bool `json:"allowed"`
	Summary struct {
		Targets    int   `json:"targets"`
		Objects    int   `json:"objects"`
		Errors     int   `json:"errors"`
		Warnings   int   `json:"warnings"`
		Waived     int   `json:"waived"`
		DurationMs int64 `json:"durationMs"`
	} `json:"summary"`
	Targets []struct {
		Name    string `json:"name"`
		Kind    string `json:"kind"`
		Objects int    `json:"objects"`
		Error   string `json:"error"`
	} `json:"targets"`
	Findings []contractFinding `json:"findings"`
	Waived   []struct {
		contractFinding
		Reason string `json:"reason"`
		By     string `json:"by"`
	} `json:"waived"`
	Overrides []struct {
		Rule     string `json:"rule"`
		Severity string `json:"severity"`
		By       string `json:"by"`
		Findings int    `json:"findings"`
	} `json:"overrides"`
}

type contractFinding struct {
	Rule     string `json:"rule"`
	Severity string `json:"severity"`
	Message  string `json:"message"`
	Target   string `json:"target"`
	Object   *struct {
		APIVersion string `json:"apiVersion"`
		Kind       string `json:"kind"`
		Namespace  string `json:"namespace"`
		Name       string `json:"name"`
	} `json:"object"`
	Field   string `json:"field"`
	File    string `json:"file"`
	Line    int    `json:"line"`
	Related []struct {
		File string `json:"file"`
		Line int    `json:"line"`
		Why  string `json:"why"`
	} `json:"related"`
	Targets []struct {
		Target string `json:"target"`
		Object *struct {
			APIVersion string `json:"apiVersion"`
			Kind       string `json:"kind"`
			Namespace  string `json:"namespace"`
			Name       string `json:"name"`
		} `json:"object"`
	} `json:"targets"`
}

// TestJSONContract pins the JSON output: it decodes into the contract with
// unknown fields refused, and every object carries exactly the contract's
// keys, present even when empty.
func TestJSONContract(t *testing.T) {
	for name, d := range map[string]func() *syncgate.Decision{"blocked": blocked, "allowed": allowed} {
		t.Run(name, func(t *testing.T) {
			var out bytes.Buffer
			if err := Write(&out, d(), JSON, Options{}); err != nil {
				t.Fatal(err)
			}
			dec := json.NewDecoder(bytes.NewReader(out.Bytes()))
			dec.DisallowUnknownFields()
			var c contract
			if err := dec.Decode(&c); err != nil {
				t.Fatalf("output does not fit the contract: %v\n%s", err, out.String())
			}
			var raw map[string]any
			if err := json.Unmarshal(out.Bytes(), &raw); err != nil {
				t.Fatal(err)
			}
			wantKeys(t, "top level", raw, "allowed", "summary", "targets", "findings", "waived", "overrides")
			wantKeys(t, "summary", raw["summary"], "targets", "objects", "errors", "warnings", "waived", "durationMs")
			for _, target := range raw["targets"].([]any) {
				wantKeys(t, "target", target, "name", "kind", "objects", "error")
			}
			for _, f := range raw["findings"].([]any) {
				wantKeys(t, "finding", f, "rule", "severity", "message", "target", "object", "field", "file", "line", "related", "targets")
				if obj := f.(map[string]any)["object"]; obj != nil {
					wantKeys(t, "object", obj, "apiVersion", "kind", "namespace", "name")
				}
			}
			for _, w := range raw["waived"].([]any) {
				wantKeys(t, "waived", w, "rule", "severity", "message", "target", "object", "field", "file", "line", "related", "targets", "reason", "by")
			}
			if len(c.Waived) != len(d().Waived) || c.Summary.Waived != len(d().Waived) {
				t.Errorf("%d waived findings, summary %d, want %d", len(c.Waived), c.Summary.Waived, len(d().Waived))
			}
			if len(c.Findings) != len(d().Findings) || len(c.Targets) != len(d().Targets) {
				t.Errorf("%d findings and %d targets, want %d and %d", len(c.Findings), len(c.Targets), len(d().Findings), len(d().Targets))
			}
		})
	}
}

func wantKeys(t *testing.T, what string, v any, keys ...string) {
	t.Helper()
	m, ok := v.(map[string]any)
	if !ok {
		t.Errorf("%s is %T, want an object", what, v)
		return
	}
	got := slices.Sorted(maps.Keys(m))
	slices.Sort(keys)
	if diff := cmp.Diff(keys, got); diff != "" {
		t.Errorf("%s keys (-want +got):\n%s", what, diff)
	}
}
