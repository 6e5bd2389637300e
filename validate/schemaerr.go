package validate

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"golang.org/x/text/language"
	"golang.org/x/text/message"

	"github.com/syncgate/syncgate/manifest"
)

// maxSchemaFindings bounds the findings one object's schema errors yield,
// so a hostile object cannot flood the report.
const maxSchemaFindings = 100

// schemaFindings turns a jsonschema validation error into findings, one per
// leaf error, each with the dotted field path. Messages never repeat the
// offending value: it may be a secret.
func schemaFindings(obj *manifest.Object, content map[string]any, err error) []manifest.Finding {
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return []manifest.Finding{finding(obj, RuleSchemaError, "", err.Error())}
	}
	c := collector{obj: obj, content: content, seen: map[string]bool{}}
	c.walk(ve)
	return c.findings
}

type collector struct {
	obj      *manifest.Object
	content  map[string]any
	findings []manifest.Finding
	seen     map[string]bool
}

func (c *collector) add(rule string, loc []string, msg string) {
	if len(c.findings) == maxSchemaFindings {
		return
	}
	field := fieldPath(c.content, loc)
	key := rule + "\x00" + field + "\x00" + msg
	if c.seen[key] {
		return
	}
	c.seen[key] = true
	c.findings = append(c.findings, finding(c.obj, rule, field, msg))
}

func (c *collector) walk(ve *jsonschema.ValidationError) {
	switch k := ve.ErrorKind.(type) {
	case *kind.AnyOf, *kind.OneOf:
		// A union of types (int-or-string, a nullable field) fails as
		// one wrong type, not as one error per branch.
		if want, ok := unionTypes(ve); ok {
			c.add(RuleType, ve.InstanceLocation, "wrong type: want "+strings.Join(want, " or "))
			return
		}
	case *kind.AdditionalProperties:
		for _, p := range k.Properties {
			c.add(RuleUnknownField, append(slices.Clone(ve.InstanceLocation), p), "unknown field")
		}
		return
	case *kind.Required:
		for _, p := range k.Missing {
			c.add(RuleRequired, append(slices.Clone(ve.InstanceLocation), p), "required field is missing")
		}
		return
	case *kind.Type:
		c.add(RuleType, ve.InstanceLocation, fmt.Sprintf("wrong type: got %s, want %s", k.Got, strings.Join(withoutNull(k.Want), " or ")))
		return
	case *kind.Enum:
		c.add(RuleEnum, ve.InstanceLocation, supportedValues(k.Want))
		return
	case *kind.Const:
		c.add(RuleEnum, ve.InstanceLocation, supportedValues([]any{k.Want}))
		return
	case *kind.Format:
		c.add(RuleFormat, ve.InstanceLocation, "not a valid "+formatName(k.Want))
		return
	case *kind.Pattern:
		c.add(RuleInvalid, ve.InstanceLocation, fmt.Sprintf("does not match pattern %q", k.Want))
		return
	}
	if len(ve.Causes) == 0 {
		c.add(RuleInvalid, ve.InstanceLocation, ve.ErrorKind.LocalizedString(printer))
		return
	}
	for _, cause := range ve.Causes {
		c.walk(cause)
	}
}

var printer = message.NewPrinter(language.English)

// supportedValues words an enum failure as the API server does, without
// the value given; null, which every optional field takes, is not listed.
func supportedValues(want []any) string {
	var vals []string
	for _, w := range want {
		switch w := w.(type) {
		case nil:
		case string:
			vals = append(vals, strconv.Quote(w))
		default:
			b, _ := json.Marshal(w)
			vals = append(vals, string(b))
		}
	}
	return "Unsupported value: supported values: " + strings.Join(vals, ", ")
}

// unionTypes reports whether every branch of a failed anyOf/oneOf failed
// only on type at the union's own location, and the types it wanted.
func unionTypes(ve *jsonschema.ValidationError) ([]string, bool) {
	var want []string
	var visit func(*jsonschema.ValidationError) bool
	visit = func(e *jsonschema.ValidationError) bool {
		if !slices.Equal(e.InstanceLocation, ve.InstanceLocation) {
			return false
		}
		if t, ok := e.ErrorKind.(*kind.Type); ok {
			for _, w := range withoutNull(t.Want) {
				if !slices.Contains(want, w) {
					want = append(want, w)
				}
			}
			return true
		}
		if len(e.Causes) == 0 {
			return false
		}
		for _, cause := range e.Causes {
			if !visit(cause) {
				return false
			}
		}
		return true
	}
	for _, cause := range ve.Causes {
		if !visit(cause) {
			return nil, false
		}
	}
	return want, len(want) > 0
}

// withoutNull drops "null" from wanted types: every optional field accepts
// null, and saying so only distracts.
func withoutNull(types []string) []string {
	out := make([]string, 0, len(types))
	for _, t := range types {
		if t != "null" {
			out = append(out, t)
		}
	}
	if len(out) == 0 {
		return types
	}
	return out
}

// fieldPath renders a JSON-pointer token list as a dotted path with list
// indices in brackets (spec.template.spec.containers[0].image), reading
// content to tell list indices from map keys.
func fieldPath(content map[string]any, tokens []string) string {
	var b strings.Builder
	var cur any = content
	for _, tok := range tokens {
		switch v := cur.(type) {
		case []any:
			b.WriteString("[" + tok + "]")
			if i, err := strconv.Atoi(tok); err == nil && i >= 0 && i < len(v) {
				cur = v[i]
			} else {
				cur = nil
			}
			continue
		case map[string]any:
			cur = v[tok]
		default:
			cur = nil
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(tok)
	}
	return b.String()
}
