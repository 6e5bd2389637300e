package server

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/syncgate/syncgate/manifest"
)

// FuzzDecodeReview: any body decodes to a review or an error, never a
// panic; a decoded review has a uid and an object with a kind.
func FuzzDecodeReview(f *testing.F) {
	f.Add([]byte(reviewJSON("u", "CREATE", "apps", configMap("forbidden"))))
	f.Add([]byte(reviewJSON("u", "DELETE", "", "")))
	f.Add([]byte(`{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u","object":{"apiVersion":"v1","kind":"List","items":[1]}}}`))
	f.Add([]byte(strings.Replace(reviewJSON("u", "UPDATE", "apps", configMap("new")), `"object":`, `"oldObject":`+configMap("old")+`,"object":`, 1)))
	f.Add([]byte(nested(200)))
	f.Add([]byte("a: &a [*a]"))
	limits := manifest.Limits{MaxFileBytes: 1 << 20}
	f.Fuzz(func(t *testing.T, body []byte) {
		rv, err := decodeReview(body, limits)
		if err != nil {
			return
		}
		if rv.request.UID == "" {
			t.Error("a review without a uid decoded")
		}
		for _, o := range []*manifest.Object{rv.object, rv.oldObject} {
			if o != nil && (o.Kind == "" || o.APIVersion == "") {
				t.Error("an object without apiVersion or kind decoded")
			}
		}
	})
}

// FuzzDecodeStream: any /v1/check body decodes to objects or an error.
func FuzzDecodeStream(f *testing.F) {
	f.Add("application/yaml", []byte("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n"))
	f.Add("application/json", []byte(configMap("x")+configMap("y")))
	f.Add("application/json", []byte(`{"apiVersion":"v1","kind":"List","items":[{"apiVersion":"v1","kind":"Pod"}]}`))
	f.Add("application/yaml", []byte(aliasBomb()))
	f.Add("text/plain; charset=\"", []byte("{}"))
	limits := manifest.Limits{MaxFileBytes: 1 << 20}
	f.Fuzz(func(t *testing.T, contentType string, body []byte) {
		objects, err := decodeStream(contentType, body, limits)
		if err != nil {
			return
		}
		for _, o := range objects {
			if o.Content == nil {
				t.Error("an object without content decoded")
			}
		}
	})
}

// jsonObjectSeeds are object texts at the edges of JSON's grammar.
var jsonObjectSeeds = []string{
	`{}`, `null`, ` null `, `[]`, `1`, `"s"`, `{"a":1}`, `{"a":1,"a":2}`, `{"a":{"b":[{"c":1,"c":2}]}}`,
	`{"a":1}x`, `{"a":1,}`, `{"a" 1}`, `{a:1}`, `{"a":[1,]}`, `{"a":01}`, `{"a":-0}`, `{"a":-}`, `{"a":1.}`,
	`{"a":.5}`, `{"a":1e5}`, `{"a":1E+2}`, `{"a":1e-2}`, `{"a":1.5e3}`, `{"a":9223372036854775807}`,
	`{"a":9223372036854775808}`, `{"a":-9223372036854775809}`, `{"a":1e400}`, `{"a":true,"b":false,"c":null}`,
	`{"a":tru}`, `{"a":nul}`, `{"\u0061":1,"a":2}`, `{"a\"b":"c\\d\n\u00e9\ud83d\ude00"}`, `{"a":"\ud800"}`,
	`{"a":"\x"}`, "{\"a\":\"\t\"}", `{"a":"é"}`, ` { "a" : [ 1 , { } , [ ] ] } `, `{"a":[[[[[[1]]]]]]}`,
	`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a","name":"b"}}`,
	`{"":{"a":[0,{"b":1,"b":1}]}}`,
}

// FuzzDecodeJSONObject compares decodeJSONObject with strictJSON and the
// depth the check's decoder counts: the same maps, or both an error.
func FuzzDecodeJSONObject(f *testing.F) {
	for _, s := range jsonObjectSeeds {
		f.Add([]byte(s))
	}
	f.Add([]byte(nested(20)))
	f.Fuzz(func(t *testing.T, text []byte) {
		if !utf8.Valid(text) {
			return // decodeReview refuses it first
		}
		const maxDepth = 5
		got, err := decodeJSONObject("o", text, maxDepth)
		var want map[string]any
		wantErr := strictJSON(text, &want)
		if wantErr == nil && depth(want) > maxDepth {
			wantErr = errors.New("too deep")
		}
		if (err == nil) != (wantErr == nil) {
			t.Fatalf("%q: decodeJSONObject: %v, strictJSON: %v", text, err, wantErr)
		}
		if err == nil && !reflect.DeepEqual(got, want) {
			t.Fatalf("%q: decodeJSONObject gives %#v, strictJSON %#v", text, got, want)
		}
		// The first duplicate key is named as strictJSON names it, under
		// the field.
		if first, _, _ := strings.Cut(fmt.Sprint(wantErr), "\n"); strings.HasPrefix(first, `duplicate field "`) {
			if want := strings.Replace(first, `"`, `"o.`, 1); err.Error() != want {
				t.Fatalf("%q: decodeJSONObject: %v, want %s", text, err, want)
			}
		}
	})
}

// depth is how deep v nests: 0 for a value with nothing inside.
func depth(v any) int {
	d := 0
	switch x := v.(type) {
	case map[string]any:
		for _, it := range x {
			d = max(d, 1+depth(it))
		}
	case []any:
		for _, it := range x {
			d = max(d, 1+depth(it))
		}
	}
	return d
}
