package server

import (
	"strings"
	"testing"

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
