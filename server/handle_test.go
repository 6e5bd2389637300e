package server

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"unicode/utf8"
	"unsafe"

	"github.com/google/go-cmp/cmp"

	"github.com/syncgate/syncgate/manifest"
)

func TestDenyMessage(t *testing.T) {
	obj := manifest.ObjectRef{APIVersion: "v1", Kind: "ConfigMap", Namespace: "apps", Name: "cm"}
	other := manifest.ObjectRef{APIVersion: "v1", Kind: "Secret", Namespace: "apps", Name: "s"}
	many := make([]manifest.Finding, 200)
	for i := range many {
		many[i] = manifest.Finding{Rule: fmt.Sprintf("policy/r%03d", i), Object: &obj, Message: strings.Repeat("é", 400)}
	}
	tests := []struct {
		name     string
		findings []manifest.Finding
		want     string // the whole message, or its end when wantLen is set
		wantEnd  bool
	}{
		{
			name: "fields and other objects",
			findings: []manifest.Finding{
				{Rule: "schema/type", Object: &obj, Field: "data.a", Message: "want a string"},
				{Rule: "render/duplicate-object", Object: &other, Message: "defined twice"},
			},
			want: "syncgate denied ConfigMap/apps/cm: 2 blocking finding(s)\n" +
				"- schema/type data.a: want a string\n" +
				"- render/duplicate-object (Secret/apps/s): defined twice",
		},
		{
			name:     "bounded",
			findings: many,
			want:     "\n... and 193 more",
			wantEnd:  true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := denyMessage(obj, tt.findings)
			if len(got) > maxMessage || !utf8.ValidString(got) {
				t.Errorf("message of %d bytes, valid UTF-8 %v", len(got), utf8.ValidString(got))
			}
			if tt.wantEnd {
				if !strings.HasSuffix(got, tt.want) {
					t.Errorf("message ends %q, want %q", got[max(0, len(got)-40):], tt.want)
				}
				return
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("message (-want +got):\n%s", diff)
			}
		})
	}
}

func TestWarnings(t *testing.T) {
	var findings []manifest.Finding
	for i := range 20 {
		findings = append(findings, manifest.Finding{Rule: fmt.Sprintf("policy/w%02d", i), Message: strings.Repeat("x", 300)})
	}
	got := warnings(findings)
	if len(got) != maxWarnings {
		t.Fatalf("%d warnings, want %d", len(got), maxWarnings)
	}
	if got[maxWarnings-1] != "syncgate: 5 more warning(s)" {
		t.Errorf("last warning %q", got[maxWarnings-1])
	}
	for _, w := range got {
		if len(w) > maxWarning {
			t.Errorf("warning of %d bytes", len(w))
		}
	}
	if diff := cmp.Diff([]string{"policy/a: b"}, warnings([]manifest.Finding{{Rule: "policy/a", Message: "b"}})); diff != "" {
		t.Errorf("one warning (-want +got):\n%s", diff)
	}
}

func TestKindLabel(t *testing.T) {
	var k kinds
	for i := range maxKinds {
		if got := k.label(fmt.Sprintf("Kind%d", i)); got != fmt.Sprintf("Kind%d", i) {
			t.Fatalf("label %d: %q", i, got)
		}
	}
	for in, want := range map[string]string{"Kind0": "Kind0", "OneTooMany": "other", "no spaces": "other", "": "other"} {
		if got := k.label(in); got != want {
			t.Errorf("label(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestKindLabelCopies: a label kept for good does not share the memory of
// the kind it came from, which is cut from a request's body.
func TestKindLabelCopies(t *testing.T) {
	var k kinds
	body := `{"kind":"Deployment"}`
	kind := body[9:19]
	for range 2 {
		got := k.label(kind)
		if got != "Deployment" {
			t.Fatalf("label(%q) = %q", kind, got)
		}
		if unsafe.StringData(got) == unsafe.StringData(kind) {
			t.Fatal("the label is the request's own string")
		}
	}
}

// TestDecodeReviewObjects: both objects of a review decode, in the
// review's namespace when they name none, with integers kept as int64 as
// the check's decoder keeps them.
func TestDecodeReviewObjects(t *testing.T) {
	body := strings.Replace(reviewJSON("u-1", "UPDATE", "apps", `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cm"},"data":{"n":"2"},"x":2}`),
		`"object":`, `"oldObject":{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cm","namespace":"apps"},"x":1.5},"object":`, 1)
	rv, err := decodeReview([]byte(body), manifest.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	type got struct {
		Operation string
		Object    map[string]any
		Old       map[string]any
	}
	want := got{
		Operation: "UPDATE",
		Object:    map[string]any{"apiVersion": "v1", "kind": "ConfigMap", "metadata": map[string]any{"name": "cm", "namespace": "apps"}, "data": map[string]any{"n": "2"}, "x": int64(2)},
		Old:       map[string]any{"apiVersion": "v1", "kind": "ConfigMap", "metadata": map[string]any{"name": "cm", "namespace": "apps"}, "x": 1.5},
	}
	if diff := cmp.Diff(want, got{string(rv.operation), rv.object.Content, rv.oldObject.Content}); diff != "" {
		t.Errorf("review (-want +got):\n%s", diff)
	}
	if rv.object.Namespace != "apps" || rv.oldObject.Ref().String() != "ConfigMap/apps/cm" {
		t.Errorf("objects: %v, %v", rv.object.Ref(), rv.oldObject.Ref())
	}
}

// TestReadBody: a body is read whole, whether its length is declared or
// not, and one over MaxBody is an *http.MaxBytesError either way.
func TestReadBody(t *testing.T) {
	s := &Server{opts: Options{MaxBody: 100}}
	for _, tt := range []struct {
		name     string
		body     string
		declared bool
		tooLarge bool
	}{
		{"declared", strings.Repeat("a", 100), true, false},
		{"not declared", strings.Repeat("a", 100), false, false},
		{"empty", "", true, false},
		{"declared, too large", strings.Repeat("a", 101), true, true},
		{"not declared, too large", strings.Repeat("a", 101), false, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodPost, "/v1/check", strings.NewReader(tt.body))
			if !tt.declared {
				r.ContentLength = -1
			}
			got, err := s.readBody(httptest.NewRecorder(), r)
			_, tooLarge := errors.AsType[*http.MaxBytesError](err)
			switch {
			case tooLarge != tt.tooLarge:
				t.Fatalf("error %v, want too large %v", err, tt.tooLarge)
			case !tt.tooLarge && (err != nil || string(got) != tt.body):
				t.Fatalf("read %d bytes, %v; want %d", len(got), err, len(tt.body))
			}
		})
	}
}
