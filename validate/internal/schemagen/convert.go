package main

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/syncgate/syncgate/validate/internal/builtin"
)

// The conversion from the builder's OpenAPI v2 definitions to the JSON
// Schemas syncgate validates with (draft 2020-12, santhosh-tekuri/jsonschema)
// follows what kubeconform's standalone-strict schemas do, with these rules:
//
//   - Descriptions, defaults, examples and other annotations are dropped;
//     validation keywords and x-kubernetes-* extensions are kept. v2's boolean
//     exclusiveMinimum/exclusiveMaximum become 2020-12's numeric form.
//   - Strict: an object schema with properties and neither
//     additionalProperties nor x-kubernetes-preserve-unknown-fields gets
//     "additionalProperties": false.
//   - int-or-string (format int-or-string, x-kubernetes-int-or-string)
//     accepts integers and strings; resource.Quantity strings and numbers;
//     runtime.RawExtension anything.
//   - Null, which the apiserver drops, is accepted where a field is optional.
//     Every definition accepts null ("null" is added to its type); a $ref
//     where null is not acceptable (a required property, an array item)
//     carries a sibling "type" without null. An optional property without a
//     $ref gets "null" added to its own type (and enum). One $ref keeps
//     error messages direct: no anyOf branch to explain.
//   - The definition of a kind constrains apiVersion and kind to the values
//     of the group/version/kinds registered with it.

// rawSet is the dump program's output.
type rawSet struct {
	Definitions map[string]map[string]any `json:"definitions"`
	Kinds       []builtin.Kind            `json:"kinds"`
}

// schemaSet is the embedded file's content.
type schemaSet struct {
	Version     string                     `json:"version"`
	Source      string                     `json:"source"`
	Definitions map[string]json.RawMessage `json:"definitions"`
	Kinds       []builtin.Kind             `json:"kinds"`
}

const (
	quantityDef     = "io.k8s.apimachinery.pkg.api.resource.Quantity"
	rawExtensionDef = "io.k8s.apimachinery.pkg.runtime.RawExtension"
)

// keptKeywords are the v2 keywords that mean the same in 2020-12 and are
// kept as they are (the schema-valued ones are converted recursively).
var keptKeywords = map[string]bool{
	"$ref": true, "format": true, "required": true, "enum": true,
	"minimum": true, "maximum": true, "multipleOf": true,
	"minLength": true, "maxLength": true, "pattern": true,
	"minItems": true, "maxItems": true, "uniqueItems": true,
	"minProperties": true, "maxProperties": true,
}

// convertSet turns the dump program's JSON into the embedded schema set.
func convertSet(minor, source string, raw []byte) (*schemaSet, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var in rawSet
	if err := dec.Decode(&in); err != nil {
		return nil, fmt.Errorf("decode dump output: %w", err)
	}
	if len(in.Kinds) == 0 {
		return nil, fmt.Errorf("dump output has no kinds")
	}
	defs := make(map[string]map[string]any, len(in.Definitions))
	for name, s := range in.Definitions {
		defs[name] = convertDefinition(name, s)
	}
	for name, s := range defs {
		nonNullRefs(s, defs)
		defs[name] = s
	}
	if err := constrainKinds(defs, in.Kinds); err != nil {
		return nil, err
	}
	out := &schemaSet{Version: minor, Source: source, Definitions: map[string]json.RawMessage{}, Kinds: in.Kinds}
	for name, s := range defs {
		b, err := json.Marshal(s)
		if err != nil {
			return nil, fmt.Errorf("definition %s: %w", name, err)
		}
		out.Definitions[name] = b
	}
	return out, nil
}

// convertDefinition converts one definition and makes it accept null.
func convertDefinition(name string, s map[string]any) map[string]any {
	switch name {
	case quantityDef:
		s = map[string]any{"type": []any{"string", "number"}}
	case rawExtensionDef:
		return map[string]any{}
	}
	out := convertSchema(s)
	addNull(out)
	return out
}

// convertSchema converts one v2 schema and, recursively, its subschemas.
func convertSchema(s map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range s {
		switch {
		case keptKeywords[k], strings.HasPrefix(k, "x-kubernetes-"):
			out[k] = v
		case k == "type":
			out[k] = v
		case k == "items":
			switch it := v.(type) {
			case map[string]any:
				out[k] = convertSchema(it)
			case []any:
				out["prefixItems"] = convertList(it)
			}
		case k == "additionalProperties":
			if sub, ok := v.(map[string]any); ok {
				out[k] = convertSchema(sub)
			} else {
				out[k] = v
			}
		case k == "allOf" || k == "anyOf" || k == "oneOf":
			if list, ok := v.([]any); ok {
				out[k] = convertList(list)
			}
		case k == "not":
			if sub, ok := v.(map[string]any); ok {
				out[k] = convertSchema(sub)
			}
		case k == "exclusiveMinimum" || k == "exclusiveMaximum":
			bound := strings.Replace(k, "exclusiveM", "m", 1)
			if v == true && s[bound] != nil {
				out[k] = s[bound]
			}
		}
	}
	if v, ok := out["exclusiveMinimum"]; ok && v == s["minimum"] {
		delete(out, "minimum")
	}
	if v, ok := out["exclusiveMaximum"]; ok && v == s["maximum"] {
		delete(out, "maximum")
	}
	if out["format"] == "int-or-string" || out["x-kubernetes-int-or-string"] == true {
		out["type"] = []any{"integer", "string"}
	}
	if props, ok := s["properties"].(map[string]any); ok {
		required := map[string]bool{}
		if list, ok := s["required"].([]any); ok {
			for _, r := range list {
				if name, ok := r.(string); ok {
					required[name] = true
				}
			}
		}
		outProps := make(map[string]any, len(props))
		for name, p := range props {
			sub, ok := p.(map[string]any)
			if !ok {
				continue
			}
			c := convertSchema(sub)
			if !required[name] && c["$ref"] == nil {
				addNull(c)
			}
			outProps[name] = c
		}
		out["properties"] = outProps
		_, hasAdditional := out["additionalProperties"]
		if !hasAdditional && out["x-kubernetes-preserve-unknown-fields"] != true {
			out["additionalProperties"] = false
		}
	}
	return out
}

func convertList(list []any) []any {
	out := make([]any, 0, len(list))
	for _, e := range list {
		if sub, ok := e.(map[string]any); ok {
			out = append(out, convertSchema(sub))
		}
	}
	return out
}

// typeList returns the schema's type keyword as a list.
func typeList(s map[string]any) []string {
	switch t := s["type"].(type) {
	case string:
		return []string{t}
	case []any:
		out := make([]string, 0, len(t))
		for _, e := range t {
			if name, ok := e.(string); ok {
				out = append(out, name)
			}
		}
		return out
	}
	return nil
}

func setTypes(s map[string]any, types []string) {
	if len(types) == 1 {
		s["type"] = types[0]
		return
	}
	list := make([]any, len(types))
	for i, t := range types {
		list[i] = t
	}
	s["type"] = list
}

// addNull makes a typed schema accept null too; an untyped one already does.
func addNull(s map[string]any) {
	types := typeList(s)
	if len(types) == 0 || slices.Contains(types, "null") {
		return
	}
	setTypes(s, append(types, "null"))
	if enum, ok := s["enum"].([]any); ok {
		s["enum"] = append(enum, nil)
	}
}

// nonNullRefs walks a converted schema and gives every $ref that must not
// be null (a required property, an array item) a sibling type: the
// referenced definition's types without null.
func nonNullRefs(s map[string]any, defs map[string]map[string]any) {
	required := map[string]bool{}
	if list, ok := s["required"].([]any); ok {
		for _, r := range list {
			if name, ok := r.(string); ok {
				required[name] = true
			}
		}
	}
	if props, ok := s["properties"].(map[string]any); ok {
		for name, p := range props {
			sub := p.(map[string]any)
			if required[name] {
				forbidNull(sub, defs)
			}
			nonNullRefs(sub, defs)
		}
	}
	if items, ok := s["items"].(map[string]any); ok {
		forbidNull(items, defs)
		nonNullRefs(items, defs)
	}
	for _, k := range []string{"additionalProperties", "not"} {
		if sub, ok := s[k].(map[string]any); ok {
			nonNullRefs(sub, defs)
		}
	}
	for _, k := range []string{"allOf", "anyOf", "oneOf", "prefixItems"} {
		if list, ok := s[k].([]any); ok {
			for _, e := range list {
				nonNullRefs(e.(map[string]any), defs)
			}
		}
	}
}

func forbidNull(s map[string]any, defs map[string]map[string]any) {
	ref, ok := s["$ref"].(string)
	if !ok {
		return
	}
	def := defs[strings.TrimPrefix(ref, "#/definitions/")]
	var types []string
	for _, t := range typeList(def) {
		if t != "null" {
			types = append(types, t)
		}
	}
	if len(types) > 0 {
		setTypes(s, types)
	}
}

// constrainKinds makes each kind's definition accept only the apiVersion
// and kind values registered with it.
func constrainKinds(defs map[string]map[string]any, kinds []builtin.Kind) error {
	apiVersions := map[string][]any{}
	names := map[string][]any{}
	for _, k := range kinds {
		apiVersion := k.Version
		if k.Group != "" {
			apiVersion = k.Group + "/" + k.Version
		}
		if !slices.Contains(apiVersions[k.Definition], any(apiVersion)) {
			apiVersions[k.Definition] = append(apiVersions[k.Definition], apiVersion)
		}
		if !slices.Contains(names[k.Definition], any(k.Kind)) {
			names[k.Definition] = append(names[k.Definition], k.Kind)
		}
	}
	for def := range apiVersions {
		s, ok := defs[def]
		if !ok {
			return fmt.Errorf("kind definition %s missing from the definitions", def)
		}
		props, ok := s["properties"].(map[string]any)
		if !ok {
			return fmt.Errorf("kind definition %s has no properties", def)
		}
		sortAny(apiVersions[def])
		sortAny(names[def])
		props["apiVersion"] = map[string]any{"type": "string", "enum": apiVersions[def]}
		props["kind"] = map[string]any{"type": "string", "enum": names[def]}
	}
	return nil
}

func sortAny(list []any) {
	sort.Slice(list, func(i, j int) bool { return list[i].(string) < list[j].(string) })
}

// encodeSet marshals the set as compact JSON (map keys sorted, so the bytes
// are deterministic) and compresses it with gzip -9.
func encodeSet(set *schemaSet) ([]byte, error) {
	b, err := json.Marshal(set)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		return nil, err
	}
	if _, err := zw.Write(b); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
