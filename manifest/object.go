package manifest

import (
	"fmt"
	"strings"
)

// Origin says where an object came from.
type Origin struct {
	// File is the source file, relative to the repository root, slash-separated.
	File string `json:"file,omitempty"`
	// Line is the 1-based line of the object in File, or 0 when the object
	// did not come unchanged from a file (a template, a generator).
	Line int `json:"line,omitempty"`
	// Target is the name of the render target that produced the object.
	Target string `json:"target,omitempty"`
}

// Object is one decoded Kubernetes object.
type Object struct {
	// APIVersion, Kind, Namespace and Name are copied out of Content for
	// cheap access; Content stays the source of truth.
	APIVersion string
	Kind       string
	Namespace  string
	Name       string
	// Content is the whole object as decoded from YAML or JSON: maps are
	// map[string]any, lists []any, scalars string, int64, float64, bool or nil.
	Content map[string]any
	// Origin is where the object came from.
	Origin Origin
}

// NewObject builds an Object from decoded content, reading its identity
// from the apiVersion, kind and metadata fields.
func NewObject(content map[string]any, origin Origin) *Object {
	o := &Object{Content: content, Origin: origin}
	o.APIVersion, _ = content["apiVersion"].(string)
	o.Kind, _ = content["kind"].(string)
	if md, ok := content["metadata"].(map[string]any); ok {
		o.Namespace, _ = md["namespace"].(string)
		o.Name, _ = md["name"].(string)
	}
	return o
}

// Group returns the API group of the object ("" for the core group).
func (o *Object) Group() string {
	group, _, found := strings.Cut(o.APIVersion, "/")
	if !found {
		return ""
	}
	return group
}

// Version returns the API version without its group.
func (o *Object) Version() string {
	_, version, found := strings.Cut(o.APIVersion, "/")
	if !found {
		return o.APIVersion
	}
	return version
}

// Ref returns the identity of the object as findings report it.
func (o *Object) Ref() ObjectRef {
	return ObjectRef{APIVersion: o.APIVersion, Kind: o.Kind, Namespace: o.Namespace, Name: o.Name}
}

// ObjectRef identifies an object in findings and reports.
type ObjectRef struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Namespace  string `json:"namespace,omitempty"`
	Name       string `json:"name"`
}

// String formats the reference as kind/namespace/name, the way kubectl
// users read it.
func (r ObjectRef) String() string {
	if r.Namespace == "" {
		return fmt.Sprintf("%s/%s", r.Kind, r.Name)
	}
	return fmt.Sprintf("%s/%s/%s", r.Kind, r.Namespace, r.Name)
}
