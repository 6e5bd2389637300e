package validate

import (
	"context"
	"fmt"
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/syncgate/syncgate/manifest"
)

func itoa(i int) string { return strconv.Itoa(i) }

func TestFieldPath(t *testing.T) {
	content := map[string]any{
		"spec": map[string]any{
			"containers": []any{map[string]any{"name": "a"}, map[string]any{"ports": []any{map[string]any{}}}},
			"10":         map[string]any{},
		},
	}
	tests := []struct {
		tokens []string
		want   string
	}{
		{nil, ""},
		{[]string{"spec"}, "spec"},
		{[]string{"spec", "containers", "1", "ports", "0", "containerPort"}, "spec.containers[1].ports[0].containerPort"},
		{[]string{"spec", "10"}, "spec.10"},
		{[]string{"spec", "containers", "7", "name"}, "spec.containers[7].name"},
		{[]string{"missing", "deeper"}, "missing.deeper"},
	}
	for _, tt := range tests {
		if got := fieldPath(content, tt.tokens); got != tt.want {
			t.Errorf("fieldPath(%q) = %q, want %q", tt.tokens, got, tt.want)
		}
	}
}

func TestAtLeast(t *testing.T) {
	tests := []struct {
		v, min string
		want   bool
	}{
		{"1.37", "1.25", true},
		{"1.25", "1.25", true},
		{"v1.24.3", "1.25", false},
		{"1.9", "1.16", false},
		{"2.0", "1.99", true},
	}
	for _, tt := range tests {
		if got := atLeast(tt.v, tt.min); got != tt.want {
			t.Errorf("atLeast(%q, %q) = %v, want %v", tt.v, tt.min, got, tt.want)
		}
	}
}

func TestKubeconformVersion(t *testing.T) {
	for in, want := range map[string]string{"1.37": "1.37.0", "1.33.4": "1.33.4"} {
		if got := kubeconformVersion(in); got != want {
			t.Errorf("kubeconformVersion(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestValidateDuration(t *testing.T) {
	for _, ok := range []any{"1m30s", "PT1H30M", "P1W", 5} {
		if err := validateDuration(ok); err != nil {
			t.Errorf("validateDuration(%v) = %v, want nil", ok, err)
		}
	}
	for _, bad := range []string{"soon", "P", "1 fortnight"} {
		if validateDuration(bad) == nil {
			t.Errorf("validateDuration(%q) = nil, want an error", bad)
		}
	}
}

func TestObjectMeta(t *testing.T) {
	tests := []struct {
		name string
		raw  map[string]any
		ok   bool
		want string // name/namespace/labels as read
	}{
		{"plain", map[string]any{"name": "a", "namespace": "n", "labels": map[string]any{"k": "v"}}, true, "a/n/map[k:v]"},
		{"nulls", map[string]any{"name": "a", "labels": nil, "annotations": nil}, true, "a//map[]"},
		{"number label", map[string]any{"name": "a", "labels": map[string]any{"v": int64(1)}}, false, ""},
		{"list name", map[string]any{"name": []any{"a"}}, false, ""},
		{"owner references", map[string]any{"name": "a", "ownerReferences": []any{map[string]any{"apiVersion": "v1", "kind": "Pod", "name": "p", "uid": "u"}}}, true, "a//map[]"},
		{"bad owner references", map[string]any{"name": "a", "ownerReferences": "p"}, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			meta, ok := objectMeta(tt.raw)
			if ok != tt.ok {
				t.Fatalf("ok = %v, want %v", ok, tt.ok)
			}
			if ok {
				if got := fmt.Sprintf("%s/%s/%v", meta.Name, meta.Namespace, meta.Labels); got != tt.want {
					t.Errorf("got %s, want %s", got, tt.want)
				}
			}
		})
	}
}

// messagesOf validates the objects of a YAML stream with the newest
// embedded schemas and returns each finding as "RULE MESSAGE", in order.
func messagesOf(t *testing.T, stream string) []string {
	t.Helper()
	v, err := New(Options{MissingSchemas: MissingSchemasIgnore})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, f := range v.Validate(context.Background(), decodeObjects(t, "test.yaml", []byte(stream))) {
		out = append(out, f.Rule+" "+apiserverWording(f))
	}
	return out
}

// apiserverWording is a finding as the API server words its errors: the
// field path, then the message.
func apiserverWording(f manifest.Finding) string {
	if f.Field == "" {
		return f.Message
	}
	return f.Field + ": " + f.Message
}

// messageCase is one case of a rule's table test: an object and the
// findings it yields, as messagesOf words them.
type messageCase struct {
	name   string
	stream string
	want   []string
}

func runMessageCases(t *testing.T, tests []messageCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, messagesOf(t, tt.stream)); diff != "" {
				t.Errorf("findings (-want +got):\n%s", diff)
			}
		})
	}
}
