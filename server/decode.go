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

	"github.com/syncgate/syncgate/manifest"
)

// review is a decoded AdmissionReview request: the fields the gate reads,
// and its objects.
type review struct {
	uid, kind, name, namespace, subResource string
	operation                               admissionv1.Operation
	dryRun                                  bool
	// object is request.object decoded as the check decodes files; nil
	// when the request carries none (DELETE).
	object *manifest.Object
	// oldObject is request.oldObject, the object as stored before an
	// UPDATE or DELETE; nil on CREATE and CONNECT.
	oldObject *manifest.Object
}

// decodeReview decodes an AdmissionReview admission.k8s.io/v1 within
// limits, in one pass as the apiserver encodes it: case-sensitive field
// names, duplicate keys refused at any depth, and the objects no deeper
// than limits allow (objectField). The fields the gate does not read are
// read as JSON and dropped. A review is plain JSON: the YAML decoder the
// check uses on files costs several times more, and the reflective JSON
// decoder was a tenth of a review.
func decodeReview(body []byte, limits manifest.Limits) (*review, error) {
	limits = limits.WithDefaults()
	if err := checkJSONText(body, limits); err != nil {
		return nil, fmt.Errorf("AdmissionReview: %w", err)
	}
	d := newJSONDecoder(body)
	var apiVersion, kind string
	var rv *review
	d.space()
	err := d.fields(func(key string) (err error) {
		switch key {
		case "apiVersion":
			apiVersion, err = d.stringField()
		case "kind":
			kind, err = d.stringField()
		case "request":
			rv, err = d.request(limits)
		default:
			_, err = d.value(0)
		}
		return err
	})
	if err == nil {
		d.space()
		if d.pos != len(d.text) {
			err = d.syntaxError()
		}
	}
	switch {
	case err != nil:
		return nil, fmt.Errorf("AdmissionReview: %w", err)
	case apiVersion != "admission.k8s.io/v1" || kind != "AdmissionReview":
		return nil, fmt.Errorf("AdmissionReview: apiVersion %q kind %q: want admission.k8s.io/v1 AdmissionReview", apiVersion, kind)
	case rv == nil:
		return nil, errors.New("AdmissionReview: no request")
	case rv.uid == "":
		return nil, errors.New("AdmissionReview: request.uid is empty")
	}
	return rv, nil
}

// request reads the request of a review; nil for null.
func (d *jsonDecoder) request(limits manifest.Limits) (*review, error) {
	if d.literal("null") {
		return nil, nil
	}
	rv := &review{}
	var object, oldObject map[string]any
	err := d.fields(func(key string) (err error) {
		switch key {
		case "uid":
			rv.uid, err = d.stringField()
		case "name":
			rv.name, err = d.stringField()
		case "namespace":
			rv.namespace, err = d.stringField()
		case "subResource":
			rv.subResource, err = d.stringField()
		case "operation":
			var op string
			op, err = d.stringField()
			rv.operation = admissionv1.Operation(op)
		case "dryRun":
			rv.dryRun, err = d.boolField()
		case "kind":
			rv.kind, err = d.kindField()
		case "object":
			object, err = d.objectField("request.object", limits.MaxDepth)
		case "oldObject":
			oldObject, err = d.objectField("request.oldObject", limits.MaxDepth)
		default:
			_, err = d.value(0)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	if rv.object, err = newObject("request.object", object, rv.namespace); err != nil {
		return nil, err
	}
	if rv.oldObject, err = newObject("request.oldObject", oldObject, rv.namespace); err != nil {
		return nil, err
	}
	return rv, nil
}

// kindField reads a GroupVersionKind, keeping its kind.
func (d *jsonDecoder) kindField() (kind string, err error) {
	if d.literal("null") {
		return "", nil
	}
	err = d.fields(func(key string) (err error) {
		if key == "kind" {
			kind, err = d.stringField()
		} else {
			_, err = d.value(0)
		}
		return err
	})
	return kind, err
}

// newObject is one object of a review, nil when the review has none. On
// create the apiserver sends the namespace beside the object, which may
// not name it: checks see the object as it will be stored.
func newObject(field string, content map[string]any, namespace string) (*manifest.Object, error) {
	if content == nil {
		return nil, nil
	}
	obj := manifest.NewObject(content, manifest.Origin{File: field, Line: 1})
	if obj.APIVersion == "" || obj.Kind == "" {
		return nil, fmt.Errorf("%s has no apiVersion or kind", field)
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
