package validate

import (
	"bytes"
	"encoding/json"
	"errors"
	"sort"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	crdformats "k8s.io/apiextensions-apiserver/pkg/apiserver/validation"
	"k8s.io/apiserver/pkg/cel/environment"
	"k8s.io/kube-openapi/pkg/validation/spec"
	"k8s.io/kube-openapi/pkg/validation/strfmt"
)

// crdJSONSchema turns a CRD version's OpenAPI v3 schema into a JSON schema
// that judges objects as the API server does with strict field
// validation: fields the schema does not name are unknown (the server
// would prune them) unless x-kubernetes-preserve-unknown-fields keeps
// them; null is accepted where the server prunes it; int-or-string takes
// both; embedded resources and the root carry apiVersion, kind and an
// ObjectMeta checked against the embedded definition.
// It also returns the formats the schema asks the server to check.
func crdJSONSchema(s *apiextensionsv1.JSONSchemaProps) (any, []string, error) {
	formats := map[string]bool{}
	m := convertProps(s, propsMode{strict: true, formats: formats})
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
		return nil, nil, err
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	return doc, sortedKeys(formats), err
}

// propsMode says how a schema node is converted.
type propsMode struct {
	// strict closes objects to unknown fields and admits null; it holds
	// for the structural tree, not for value validations under allOf,
	// anyOf, oneOf and not, which only constrain what the tree allows.
	strict bool
	// formats collects the server-checked formats met on the way.
	formats map[string]bool
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
	if f := serverFormat(s); f != "" {
		m["format"] = kubeFormatPrefix + f
		mode.formats[f] = true
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
	branches := propsMode{formats: mode.formats}
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

// kubeFormatPrefix marks the formats the API server checks in CRD
// schemas. The compiler asserts only these, with the server's own
// checkers, never JSON Schema's formats of the same name.
const kubeFormatPrefix = "k8s-format:"

// serverFormat is the string format the API server checks for a schema
// node, "" when it ignores the node's format (unknown at this version, or
// on a type it does not check).
func serverFormat(s *apiextensionsv1.JSONSchemaProps) string {
	if s.Format == "" || s.XIntOrString || (s.Type != "" && s.Type != "string") {
		return ""
	}
	node := &spec.Schema{SchemaProps: spec.SchemaProps{Format: s.Format}}
	if s.Type != "" {
		node.Type = spec.StringOrArray{s.Type}
	}
	if len(crdformats.GetUnrecognizedFormats(node, environment.DefaultCompatibilityVersion())) > 0 {
		return ""
	}
	return s.Format
}

// assertServerFormats makes c check the formats serverFormat keeps, as
// kube-openapi's registry does for the API server.
func assertServerFormats(c *jsonschema.Compiler, formats []string) {
	c.AssertFormat()
	for _, name := range formats {
		c.RegisterFormat(&jsonschema.Format{Name: kubeFormatPrefix + name, Validate: func(v any) error {
			if s, ok := v.(string); ok && !strfmt.Default.Validates(name, s) {
				return errNotFormat
			}
			return nil
		}})
	}
}

var errNotFormat = errors.New("not in the format")

// formatName is a format as the schema names it, without kubeFormatPrefix.
func formatName(f string) string {
	return strings.TrimPrefix(f, kubeFormatPrefix)
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
