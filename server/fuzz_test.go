package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	admissionv1 "k8s.io/api/admission/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	kjson "sigs.k8s.io/json"

	"github.com/syncgate/syncgate/manifest"
)

// FuzzDecodeReview compares decodeReview with the reflective strict
// decoder (strictReview) on any body: what both decode is the same review.
// decodeReview refuses nothing else the other decodes but a key met twice
// in a field the gate does not read, which the other skips unread. It may
// decode what the other refuses only for a type error in such a field.
func FuzzDecodeReview(f *testing.F) {
	f.Add([]byte(reviewJSON("u", "CREATE", "apps", configMap("forbidden"))))
	f.Add([]byte(reviewJSON("u", "DELETE", "", "")))
	f.Add([]byte(`{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u","object":{"apiVersion":"v1","kind":"List","items":[1]}}}`))
	f.Add([]byte(withOld(reviewJSON("u", "UPDATE", "apps", configMap("new")), configMap("old"))))
	f.Add([]byte(`{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u","uid":"v"}}`))
	f.Add([]byte(`{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u","kind":{"kind":"A","kind":"B"},"dryRun":null,"name":null}}`))
	f.Add([]byte(`{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u","userInfo":{"groups":[1]},"options":{"a":[{}]}}} `))
	f.Add([]byte(`{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":1}}`))
	f.Add([]byte(`{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":null,"request":{"uid":"u"}}`))
	f.Add([]byte(nested(200)))
	f.Add([]byte("a: &a [*a]"))
	limits := manifest.Limits{MaxFileBytes: 1 << 20, MaxDepth: 5}
	f.Fuzz(func(t *testing.T, body []byte) {
		got, err := decodeReview(body, limits)
		want, wantErr := strictReview(body, limits)
		switch {
		case err != nil && wantErr == nil && !errors.As(err, new(duplicateError)):
			t.Fatalf("%q: decodeReview: %v, the strict decoder decodes it", body, err)
		case err == nil && wantErr != nil && !strings.Contains(wantErr.Error(), "cannot unmarshal"):
			t.Fatalf("%q: decodeReview decodes it, the strict decoder: %v", body, wantErr)
		case err == nil && wantErr == nil && !reflect.DeepEqual(got, want):
			t.Fatalf("%q: decodeReview gives %#v, the strict decoder %#v", body, got, want)
		case err == nil && (got.uid == "" || got.object != nil && got.object.Kind == ""):
			t.Fatalf("%q: decoded without a uid, or an object without a kind", body)
		}
	})
}

// strictReview decodes a review as decodeReview did before it read the
// JSON itself: with the strict reflective decoder, the apiserver's.
func strictReview(body []byte, limits manifest.Limits) (*review, error) {
	if err := checkJSONText(body, limits); err != nil {
		return nil, err
	}
	var ar struct {
		metav1.TypeMeta `json:",inline"`
		Request         *struct {
			admissionv1.AdmissionRequest `json:",inline"`
			Object                       json.RawMessage `json:"object"`
			OldObject                    json.RawMessage `json:"oldObject"`
		} `json:"request"`
	}
	if err := strictJSON(body, &ar); err != nil {
		return nil, err
	}
	req := ar.Request
	if ar.APIVersion != "admission.k8s.io/v1" || ar.Kind != "AdmissionReview" || req == nil || req.UID == "" {
		return nil, errors.New("not a review")
	}
	rv := &review{
		uid: string(req.UID), kind: req.Kind.Kind, name: req.Name, namespace: req.Namespace,
		subResource: req.SubResource, operation: req.Operation, dryRun: req.DryRun != nil && *req.DryRun,
	}
	for _, o := range []struct {
		field string
		text  json.RawMessage
		obj   **manifest.Object
	}{{"request.object", req.Object, &rv.object}, {"request.oldObject", req.OldObject, &rv.oldObject}} {
		if len(o.text) == 0 {
			continue
		}
		var content map[string]any
		if err := strictJSON(o.text, &content); err != nil {
			return nil, err
		}
		if depth(content) > limits.WithDefaults().MaxDepth {
			return nil, errors.New("too deep")
		}
		obj, err := newObject(o.field, content, rv.namespace)
		if err != nil {
			return nil, err
		}
		*o.obj = obj
	}
	return rv, nil
}

// strictJSON decodes data into v as the apiserver does: case-sensitive
// field names, integers kept as int64, and duplicate keys refused at any
// depth.
func strictJSON(data []byte, v any) error {
	strict, err := kjson.UnmarshalStrict(data, v, kjson.DisallowDuplicateFields)
	if err != nil {
		return err
	}
	return errors.Join(strict...)
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

// FuzzDecodeReviewObject compares the reading of a review's object
// (objectField) with strictJSON and the depth the check's decoder counts:
// the same maps, or both an error.
func FuzzDecodeReviewObject(f *testing.F) {
	for _, s := range jsonObjectSeeds {
		f.Add([]byte(s))
	}
	f.Add([]byte(nested(20)))
	f.Fuzz(func(t *testing.T, text []byte) {
		if !utf8.Valid(text) {
			return // decodeReview refuses it first
		}
		const maxDepth = 5
		d := newJSONDecoder(text)
		d.path = []manifest.FieldStep{{Key: "o", Index: -1}}
		d.space()
		got, err := d.objectField("o", maxDepth)
		if d.space(); err == nil && d.pos != len(d.text) {
			err = d.syntaxError()
		}
		var want map[string]any
		wantErr := strictJSON(text, &want)
		if wantErr == nil && depth(want) > maxDepth {
			wantErr = errors.New("too deep")
		}
		if (err == nil) != (wantErr == nil) {
			t.Fatalf("%q: objectField: %v, strictJSON: %v", text, err, wantErr)
		}
		if err == nil && !reflect.DeepEqual(got, want) {
			t.Fatalf("%q: objectField gives %#v, strictJSON %#v", text, got, want)
		}
		// The first duplicate key is named as strictJSON names it, under
		// the field.
		if first, _, _ := strings.Cut(fmt.Sprint(wantErr), "\n"); strings.HasPrefix(first, `duplicate field "`) {
			if want := strings.Replace(first, `"`, `"o.`, 1); err.Error() != want {
				t.Fatalf("%q: objectField: %v, want %s", text, err, want)
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
