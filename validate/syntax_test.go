package validate

import (
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/syncgate/syncgate/manifest"
)

// syntaxCases are strings at the edges of the label, DNS and percent rules.
var syntaxCases = []string{
	"", "a", "A", "0", "-", "_", ".", "%", "a-b", "a_b", "a.b", "-a", "a-", "_a", "a_", ".a", "a.",
	"app", "App.Kubernetes_io-1", "app.kubernetes.io/name", "App.io/name", "a..b", "a.-b", "a-.b",
	"/name", "prefix/", "a/b/c", "example.com/", "example.com/a", "EXAMPLE.com/a", "ex_ample.com/a",
	"é", "aé", "a b", "a\n", "a\x00b", "25%", "0%", "100%", "%%", "1%%", "-1%", "1.5%", "%1", "12",
	strings.Repeat("a", 63), strings.Repeat("a", 64), strings.Repeat("a", 253), strings.Repeat("a", 254),
	strings.Repeat("a", 62) + ".", strings.Repeat("a.", 126) + "a", strings.Repeat("a.", 127) + "a",
	strings.Repeat("a", 253) + "/a", strings.Repeat("a", 254) + "/a", "a/" + strings.Repeat("a", 64),
	strings.Repeat("a", 64) + ".b", "abc-123.example-1.com",
}

// checkSyntax fails when a fast validator disagrees with apimachinery's.
func checkSyntax(t *testing.T, s string) {
	t.Helper()
	for _, c := range []struct {
		name string
		fast bool
		ref  []string
	}{
		{"labelKey", labelKey(s), validation.IsQualifiedName(s)},
		{"labelValue", labelValue(s), validation.IsValidLabelValue(s)},
		{"dnsSubdomain", dnsSubdomain(s), validation.IsDNS1123Subdomain(s)},
		{"dns1123Label", dns1123Label(s), validation.IsDNS1123Label(s)},
		{"percentString", percentString(s), validation.IsValidPercent(s)},
		{"dnsSubdomainName", len(dnsSubdomainName(s, false)) == 0, apivalidation.NameIsDNSSubdomain(s, false)},
	} {
		if c.fast != (len(c.ref) == 0) {
			t.Errorf("%s(%q) = %v, apimachinery says %q", c.name, s, c.fast, c.ref)
		}
	}
	for _, prefix := range []bool{false, true} {
		if got, want := dnsSubdomainName(s, prefix), apivalidation.NameIsDNSSubdomain(s, prefix); !reflect.DeepEqual(got, want) && len(got)+len(want) > 0 {
			t.Errorf("dnsSubdomainName(%q, %v) = %q, want %q", s, prefix, got, want)
		}
	}
}

func TestSyntax(t *testing.T) {
	for _, s := range syntaxCases {
		checkSyntax(t, s)
	}
}

func FuzzSyntax(f *testing.F) {
	for _, s := range syntaxCases {
		f.Add(s)
	}
	f.Fuzz(checkSyntax)
}

// checkSelector fails when labelSelectorOf, validSelector or selects
// disagree with the converter and the server's functions they stand for,
// on a selector and a set of pod labels.
func checkSelector(t *testing.T, where string, raw map[string]any, podLabels map[string]string) {
	t.Helper()
	got, gotOK := labelSelectorOf(raw)
	var want metav1.LabelSelector
	wantOK := runtime.DefaultUnstructuredConverter.FromUnstructured(raw, &want) == nil
	if gotOK != wantOK || gotOK && !reflect.DeepEqual(*got, want) {
		t.Fatalf("%s: labelSelectorOf(%v) = %#v, %v; the converter gives %#v, %v", where, raw, got, gotOK, want, wantOK)
	}
	if !gotOK {
		return
	}
	sel, err := metav1.LabelSelectorAsSelector(got)
	validRef := err == nil && len(metav1validation.ValidateLabelSelector(got, metav1validation.LabelSelectorValidationOptions{}, field.NewPath("s"))) == 0
	if validSelector(got) != validRef {
		t.Fatalf("%s: validSelector(%#v) = %v, the server's functions say %v (%v)", where, got, !validRef, validRef, err)
	}
	if validRef && selects(got, podLabels) != sel.Matches(labels.Set(podLabels)) {
		t.Fatalf("%s: selects(%#v, %v) = %v, the selector says otherwise", where, got, podLabels, !sel.Matches(labels.Set(podLabels)))
	}
}

var selectorSeeds = []string{
	`{"selector": {"matchLabels": {"app": "web"}}, "labels": {"app": "web"}}`,
	`{"selector": {"matchLabels": {"app": "web"}}, "labels": {"app": "db"}}`,
	`{"selector": {"matchLabels": {}, "matchExpressions": []}, "labels": {}}`,
	`{"selector": {"matchLabels": null}, "labels": {}}`,
	`{"selector": {"matchLabels": {"app": 1}}, "labels": {}}`,
	`{"selector": {"matchLabels": {"app": null}}, "labels": {}}`,
	`{"selector": {"matchLabels": {"-bad": "x"}}, "labels": {"-bad": "x"}}`,
	`{"selector": {"other": 1, "matchLabels": {"a": "b"}}, "labels": {"a": "b"}}`,
	`{"selector": {"matchExpressions": [{"key": "tier", "operator": "In", "values": ["a", "b"]}]}, "labels": {"tier": "b"}}`,
	`{"selector": {"matchExpressions": [{"key": "tier", "operator": "NotIn", "values": ["a"]}]}, "labels": {}}`,
	`{"selector": {"matchExpressions": [{"key": "tier", "operator": "NotIn", "values": ["a"]}]}, "labels": {"tier": "a"}}`,
	`{"selector": {"matchExpressions": [{"key": "tier", "operator": "NotIn", "values": ["a"]}]}, "labels": {"tier": "b"}}`,
	`{"selector": {"matchLabels": {"app": "web"}, "matchExpressions": [{"key": "app", "operator": "DoesNotExist"}]}, "labels": {"app": "web"}}`,
	`{"selector": {"matchExpressions": [{"key": "tier", "operator": "Exists"}]}, "labels": {"tier": ""}}`,
	`{"selector": {"matchExpressions": [{"key": "tier", "operator": "DoesNotExist", "values": []}]}, "labels": {"tier": "x"}}`,
	`{"selector": {"matchExpressions": [{"key": "tier", "operator": "In", "values": []}]}, "labels": {}}`,
	`{"selector": {"matchExpressions": [{"key": "tier", "operator": "Gt", "values": ["1"]}]}, "labels": {"tier": "2"}}`,
	`{"selector": {"matchExpressions": [{"key": "tier", "operator": "In", "values": [null]}]}, "labels": {}}`,
	`{"selector": {"matchExpressions": [{"key": "tier", "operator": "In", "values": ["a"], "extra": 1}]}, "labels": {}}`,
	`{"selector": {"matchExpressions": [{"operator": "Exists"}]}, "labels": {}}`,
	`{"selector": {"matchExpressions": [null]}, "labels": {}}`,
	`{"selector": {"matchExpressions": {"key": "a"}}, "labels": {}}`,
}

// selectorCase splits a fuzz input into a selector and pod labels; false
// when it has not that shape.
func selectorCase(data []byte) (map[string]any, map[string]string, bool) {
	docs, err := manifest.Decode("selector.json", data, manifest.Limits{MaxFileBytes: 1 << 16})
	if err != nil || len(docs) != 1 {
		return nil, nil, false
	}
	m, _ := docs[0].Value.(map[string]any)
	raw, ok := m["selector"].(map[string]any)
	if !ok {
		return nil, nil, false
	}
	podLabels, ok := stringMap(m["labels"])
	if !ok {
		podLabels = map[string]string{}
	}
	return raw, podLabels, true
}

func TestSelectorSyntax(t *testing.T) {
	for _, seed := range selectorSeeds {
		raw, podLabels, ok := selectorCase([]byte(seed))
		if !ok {
			t.Fatalf("seed %s has not the shape", seed)
		}
		checkSelector(t, seed, raw, podLabels)
	}
}

func FuzzSelectorSyntax(f *testing.F) {
	for _, seed := range selectorSeeds {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if raw, podLabels, ok := selectorCase(data); ok {
			checkSelector(t, string(data), raw, podLabels)
		}
	})
}

// TestSyntaxOverFixtures compares the fast validators with apimachinery's
// on what the repository's manifests hold: every string, every selector
// with the labels beside it, and every map of strings as labels and as
// annotations.
func TestSyntaxOverFixtures(t *testing.T) {
	files := map[string]bool{}
	eachFixtureDoc(t, []string{filepath.Join("..", "testdata"), filepath.Join("..", "examples")}, func(path string, doc manifest.Document) {
		files[path] = true
		checkSyntaxTree(t, path, doc.Value)
	})
	if len(files) < 100 {
		t.Fatalf("only %d fixture files decoded", len(files))
	}
}

func checkSyntaxTree(t *testing.T, path string, v any) {
	switch x := v.(type) {
	case string:
		checkSyntax(t, x)
	case []any:
		for _, it := range x {
			checkSyntaxTree(t, path, it)
		}
	case map[string]any:
		if raw, ok := x["selector"].(map[string]any); ok {
			podLabels, _ := stringMap(x["labels"])
			if template, ok := mapAt(x, "template", "metadata"); ok {
				podLabels, _ = stringMap(template["labels"])
			}
			checkSelector(t, path, raw, podLabels)
		}
		if m, ok := stringMap(x); ok {
			if validLabels(m) != (len(metav1validation.ValidateLabels(m, field.NewPath("l"))) == 0) {
				t.Errorf("%s: validLabels(%v) disagrees with ValidateLabels", path, m)
			}
			if validAnnotations(m) != (len(apivalidation.ValidateAnnotations(m, field.NewPath("a"))) == 0) {
				t.Errorf("%s: validAnnotations(%v) disagrees with ValidateAnnotations", path, m)
			}
		}
		for k, it := range x {
			checkSyntax(t, k)
			checkSyntaxTree(t, path, it)
		}
	}
}
