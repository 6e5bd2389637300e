package validate

import (
	"bytes"
	"encoding/json"
	"sort"

	"github.com/santhosh-tekuri/jsonschema/v6"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
)

// crdJSONSchema turns a CRD version's OpenAPI v3 schema into a JSON schema
// that judges objects as the API server does with strict field
// validation: fields the schema does not name are unknown (the server
// would prune them) unless x-kubernetes-preserve-unknown-fields keeps
// them; null is accepted where the server prunes it; int-or-string takes
// both; embedded resources and the root carry apiVersion, kind and an
// ObjectMeta checked against the embedded definition.
func crdJSONSchema(s *apiextensionsv1.JSONSchemaProps) (any, error) {
	m := convertProps(s, propsMode{strict: true})
	props, _ := m["properties"].(map[string]any)
	if props == nil {
		props = map[string]any{}
		m["properties"] = props
	}
	props["apiVersion"] = map[string]any{"type": "string"}
	props["kind"] = map[string]any{"type": "string"}
	props["metadata"] = map[string]any{"$ref": defURL(objectMetaDef)}
	m["type"] = "object"
	// Round-trip through JSON so that numbers are json.Number, as the
	// compiler expects of documents.
	data, err := json.Marshal(m)
	if err != nil {
		return nil, err
	}
	return jsonschema.UnmarshalJSON(bytes.NewReader(data))
}

// propsMode says how a schema node is converted.
type propsMode struct {
	// strict closes objects to unknown fields and admits null; it holds
	// for the structural tree, not for value validations under allOf,
	// anyOf, oneOf and not, which only constrain what the tree allows.
	strict bool
}

func convertProps(s *apiextensionsv1.JSONSchemaProps, mode propsMode) map[string]any {
	m := map[string]any{}
	var types []any
	switch {
	case s.XIntOrString:
		types = []any{"integer", "string"}
	case s.Type != "":
		types = []any{s.Type}
	}
	if len(types) > 0 {
		if mode.strict {
			types = append(types, "null")
		}
		m["type"] = types
	}
	if len(s.Enum) > 0 {
		var enum []any
		for _, e := range s.Enum {
			var v any
			if json.Unmarshal(e.Raw, &v) == nil {
				enum = append(enum, v)
			}
		}
		if mode.strict {
			enum = append(enum, nil)
		}
		m["enum"] = enum
	}
	setIf(m, "pattern", s.Pattern, s.Pattern != "")
	setPtr(m, "maxLength", s.MaxLength)
	setPtr(m, "minLength", s.MinLength)
	setPtr(m, "maxItems", s.MaxItems)
	setPtr(m, "minItems", s.MinItems)
	setPtr(m, "maxProperties", s.MaxProperties)
	setPtr(m, "minProperties", s.MinProperties)
	setPtr(m, "multipleOf", s.MultipleOf)
	if s.Maximum != nil {
		key := "maximum"
		if s.ExclusiveMaximum {
			key = "exclusiveMaximum"
		}
		m[key] = *s.Maximum
	}
	if s.Minimum != nil {
		key := "minimum"
		if s.ExclusiveMinimum {
			key = "exclusiveMinimum"
		}
		m[key] = *s.Minimum
	}
	if len(s.Required) > 0 {
		m["required"] = s.Required
	}
	branches := propsMode{}
	for key, list := range map[string][]apiextensionsv1.JSONSchemaProps{"allOf": s.AllOf, "anyOf": s.AnyOf, "oneOf": s.OneOf} {
		if len(list) == 0 {
			continue
		}
		out := make([]any, len(list))
		for i := range list {
			out[i] = convertProps(&list[i], branches)
		}
		m[key] = out
	}
	if s.Not != nil {
		m["not"] = convertProps(s.Not, branches)
	}
	if s.Items != nil && s.Items.Schema != nil {
		m["items"] = convertProps(s.Items.Schema, mode)
	}
	props := map[string]any{}
	for name, p := range s.Properties {
		props[name] = convertProps(&p, mode)
	}
	if s.XEmbeddedResource && mode.strict {
		for _, name := range []string{"apiVersion", "kind"} {
			if _, ok := props[name]; !ok {
				props[name] = map[string]any{"type": "string"}
			}
		}
		props["metadata"] = map[string]any{"$ref": defURL(objectMetaDef)}
	}
	if len(props) > 0 {
		m["properties"] = props
	}
	preserve := s.XPreserveUnknownFields != nil && *s.XPreserveUnknownFields
	switch {
	case s.AdditionalProperties != nil && s.AdditionalProperties.Schema != nil:
		m["additionalProperties"] = convertProps(s.AdditionalProperties.Schema, mode)
	case s.AdditionalProperties != nil && s.AdditionalProperties.Allows:
	case mode.strict && !preserve && (s.Type == "object" || len(props) > 0):
		m["additionalProperties"] = false
	}
	return m
}

func setIf(m map[string]any, key string, v any, ok bool) {
	if ok {
		m[key] = v
	}
}

func setPtr[T int64 | float64](m map[string]any, key string, v *T) {
	if v != nil {
		m[key] = *v
	}
}

// sortedKeys returns the keys of m in order.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
