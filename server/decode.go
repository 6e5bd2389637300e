package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"

	admissionv1 "k8s.io/api/admission/v1"

	"github.com/syncgate/syncgate/manifest"
)

// review is a decoded AdmissionReview request with its object.
type review struct {
	request *admissionv1.AdmissionRequest
	// object is request.object decoded as the check decodes files; nil
	// when the request carries none (DELETE).
	object *manifest.Object
}

// decodeReview decodes an AdmissionReview admission.k8s.io/v1 within
// limits. The whole body goes through the bounded decoder first, which
// refuses duplicate keys, deep nesting and invalid UTF-8 that
// encoding/json would accept; the typed fields are then read from it.
func decodeReview(body []byte, limits manifest.Limits) (*review, error) {
	docs, err := manifest.Decode("AdmissionReview", body, limits)
	if err != nil {
		return nil, err
	}
	if len(docs) != 1 {
		return nil, fmt.Errorf("AdmissionReview: want one JSON document, got %d", len(docs))
	}
	whole, ok := docs[0].Value.(map[string]any)
	if !ok {
		return nil, errors.New("AdmissionReview: not a JSON object")
	}
	var ar admissionv1.AdmissionReview
	if err := json.Unmarshal(body, &ar); err != nil {
		return nil, fmt.Errorf("AdmissionReview: %w", err)
	}
	if ar.APIVersion != "admission.k8s.io/v1" || ar.Kind != "AdmissionReview" {
		return nil, fmt.Errorf("AdmissionReview: apiVersion %q kind %q: want admission.k8s.io/v1 AdmissionReview", ar.APIVersion, ar.Kind)
	}
	if ar.Request == nil {
		return nil, errors.New("AdmissionReview: no request")
	}
	if ar.Request.UID == "" {
		return nil, errors.New("AdmissionReview: request.uid is empty")
	}
	rv := &review{request: ar.Request}
	req, _ := whole["request"].(map[string]any)
	content, _ := req["object"].(map[string]any)
	if content == nil {
		return rv, nil
	}
	obj := manifest.NewObject(content, manifest.Origin{File: "request.object", Line: docs[0].Line})
	if obj.APIVersion == "" || obj.Kind == "" {
		return nil, errors.New("AdmissionReview: request.object has no apiVersion or kind")
	}
	// On create the apiserver sends the namespace beside the object, which
	// may not name it; checks see the object as it will be stored.
	if obj.Namespace == "" && ar.Request.Namespace != "" {
		md, _ := content["metadata"].(map[string]any)
		if md == nil {
			md = map[string]any{}
			content["metadata"] = md
		}
		md["namespace"] = ar.Request.Namespace
		obj.Namespace = ar.Request.Namespace
	}
	rv.object = obj
	return rv, nil
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
