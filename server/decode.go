package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"unicode/utf8"

	admissionv1 "k8s.io/api/admission/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	kjson "sigs.k8s.io/json"

	"github.com/syncgate/syncgate/manifest"
)

// review is a decoded AdmissionReview request with its objects.
type review struct {
	request *admissionv1.AdmissionRequest
	// object is request.object decoded as the check decodes files; nil
	// when the request carries none (DELETE).
	object *manifest.Object
	// oldObject is request.oldObject, the object as stored before an
	// UPDATE or DELETE; nil on CREATE and CONNECT.
	oldObject *manifest.Object
}

// wireReview is an AdmissionReview as it arrives. The request's objects,
// most of a review, are kept raw for decodeJSONObject, which decodes them
// several times faster than the reflective decoder.
type wireReview struct {
	metav1.TypeMeta `json:",inline"`
	Request         *wireRequest `json:"request"`
}

type wireRequest struct {
	admissionv1.AdmissionRequest `json:",inline"`
	// Object and OldObject shadow the embedded request's fields.
	Object    json.RawMessage `json:"object"`
	OldObject json.RawMessage `json:"oldObject"`
}

// decodeReview decodes an AdmissionReview admission.k8s.io/v1 within
// limits, in one pass as the apiserver encodes it: case-sensitive field
// names, duplicate keys refused at any depth, and the objects no deeper
// than limits allow (decodeObject). A review is plain JSON: the YAML
// decoder the check uses on files costs several times more.
func decodeReview(body []byte, limits manifest.Limits) (*review, error) {
	limits = limits.WithDefaults()
	if err := checkJSONText(body, limits); err != nil {
		return nil, fmt.Errorf("AdmissionReview: %w", err)
	}
	var ar wireReview
	if err := strictJSON(body, &ar); err != nil {
		return nil, fmt.Errorf("AdmissionReview: %w", err)
	}
	if ar.APIVersion != "admission.k8s.io/v1" || ar.Kind != "AdmissionReview" {
		return nil, fmt.Errorf("AdmissionReview: apiVersion %q kind %q: want admission.k8s.io/v1 AdmissionReview", ar.APIVersion, ar.Kind)
	}
	req := ar.Request
	if req == nil {
		return nil, errors.New("AdmissionReview: no request")
	}
	if req.UID == "" {
		return nil, errors.New("AdmissionReview: request.uid is empty")
	}
	rv := &review{request: &req.AdmissionRequest}
	var err error
	if rv.object, err = decodeObject("request.object", req.Object, req.Namespace, limits); err != nil {
		return nil, err
	}
	if rv.oldObject, err = decodeObject("request.oldObject", req.OldObject, req.Namespace, limits); err != nil {
		return nil, err
	}
	return rv, nil
}

// decodeObject decodes one object of a review: no deeper than limits
// allow, with apiVersion and kind; nil when the review has none. On
// create the apiserver sends the namespace beside the object, which may
// not name it: checks see the object as it will be stored.
func decodeObject(field string, text json.RawMessage, namespace string, limits manifest.Limits) (*manifest.Object, error) {
	if len(text) == 0 {
		return nil, nil
	}
	content, err := decodeJSONObject(field, text, limits.MaxDepth)
	if err != nil {
		return nil, fmt.Errorf("AdmissionReview: %w", err)
	}
	if content == nil {
		return nil, nil
	}
	obj := manifest.NewObject(content, manifest.Origin{File: field, Line: 1})
	if obj.APIVersion == "" || obj.Kind == "" {
		return nil, fmt.Errorf("AdmissionReview: %s has no apiVersion or kind", field)
	}
	if obj.Namespace == "" && namespace != "" {
		md, _ := content["metadata"].(map[string]any)
		if md == nil {
			md = map[string]any{}
			content["metadata"] = md
		}
		md["namespace"] = namespace
		obj.Namespace = namespace
	}
	return obj, nil
}

// checkJSONText refuses, before any parsing, a body larger than limits
// and text that JSON decoders disagree on: invalid UTF-8, which
// encoding/json would replace quietly.
func checkJSONText(data []byte, limits manifest.Limits) error {
	if len(data) > limits.MaxFileBytes {
		return fmt.Errorf("%w: %d bytes, the limit is %d", manifest.ErrLimit, len(data), limits.MaxFileBytes)
	}
	if !utf8.Valid(data) {
		return errors.New("invalid UTF-8")
	}
	return nil
}

// strictJSON decodes data into v as the apiserver does: case-sensitive
// field names, integers kept as int64 (as the check's decoder keeps them),
// and duplicate keys refused at any depth. Its scanner refuses nesting
// beyond 10,000 levels before anything is decoded.
func strictJSON(data []byte, v any) error {
	strict, err := kjson.UnmarshalStrict(data, v, kjson.DisallowDuplicateFields)
	if err != nil {
		return err
	}
	return errors.Join(strict...)
}

// Stream formats /v1/check accepts.
const (
	contentYAML = "application/yaml"
	contentJSON = "application/json"
)

// decodeStream decodes the objects of a /v1/check body: a YAML stream, or
// JSON objects one after another (a v1 List expands into its items).
func decodeStream(contentType string, body []byte, limits manifest.Limits) ([]*manifest.Object, error) {
	media, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return nil, fmt.Errorf("Content-Type %q: %w", contentType, err)
	}
	switch media {
	case contentYAML, "application/x-yaml", "text/yaml":
		return manifest.DecodeObjects("request", body, limits)
	case contentJSON:
		return decodeJSONStream(body, limits)
	}
	return nil, fmt.Errorf("Content-Type %q: want %s or %s", media, contentYAML, contentJSON)
}

// decodeJSONStream splits a stream of JSON values and decodes each with
// the bounded decoder, naming the value's position in errors.
func decodeJSONStream(body []byte, limits manifest.Limits) ([]*manifest.Object, error) {
	limits = limits.WithDefaults()
	dec := json.NewDecoder(bytes.NewReader(body))
	var objects []*manifest.Object
	for i := 1; ; i++ {
		var raw json.RawMessage
		err := dec.Decode(&raw)
		if errors.Is(err, io.EOF) {
			return objects, nil
		}
		if err != nil {
			return nil, fmt.Errorf("request: JSON value %d: %w", i, err)
		}
		if i > limits.MaxDocuments {
			return nil, fmt.Errorf("request: %w: more than %d JSON values", manifest.ErrLimit, limits.MaxDocuments)
		}
		found, err := manifest.DecodeObjects(fmt.Sprintf("request[%d]", i), raw, limits)
		if err != nil {
			return nil, err
		}
		objects = append(objects, found...)
	}
}
