package validate

import (
	"encoding/json"
	"math"
	"strconv"
	"unicode/utf8"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// A precheck is a fast pre-check compiled from a compiled schema. It
// answers only "certainly valid" or "unsure": it understands the keywords
// the embedded and CRD schemas mostly use, and at any node with another
// keyword it is unsure, as it is on any value it cannot judge as the
// library would. Validating a valid object with the library costs a
// validator, error scopes and evaluation bookkeeping per node; the
// pre-check allocates nothing. When it is unsure, the library validates,
// so findings and messages stay the library's.
type precheck struct {
	unsure bool
	// types is the type keyword; 0 accepts every type.
	types typeSet
	// enum holds the enum's strings when hasEnum; enumNull says null is
	// among its values.
	hasEnum  bool
	enum     []string
	enumNull bool
	format   *jsonschema.Format
	pattern  jsonschema.Regexp

	minLength, maxLength         *int
	minItems, maxItems           *int
	minProperties, maxProperties *int

	required   []string
	properties map[string]*precheck
	// closed is additionalProperties false; additional is
	// additionalProperties as a schema.
	closed     bool
	additional *precheck
	items      *precheck
	ref        *precheck
}

// typeSet is a set of JSON types, as the type keyword names them.
type typeSet uint8

const (
	typeNull typeSet = 1 << iota
	typeBoolean
	typeNumber
	typeInteger
	typeString
	typeArray
	typeObject
)

var typeNames = map[string]typeSet{
	"null": typeNull, "boolean": typeBoolean, "number": typeNumber, "integer": typeInteger,
	"string": typeString, "array": typeArray, "object": typeObject,
}

// maxPrecheckDepth bounds how deep the pre-check follows a value; deeper
// values are left to the library.
const maxPrecheckDepth = 128

// precheckCompiler turns compiled schemas into pre-checks, sharing the
// pre-check of a subschema several schemas reach (ObjectMeta, PodSpec).
// It is not safe for concurrent use; the pre-checks are.
type precheckCompiler struct {
	done  map[*jsonschema.Schema]*precheck
	fresh []*precheck // made by the current compile
}

func newPrecheckCompiler() *precheckCompiler {
	return &precheckCompiler{done: map[*jsonschema.Schema]*precheck{}}
}

// compile returns the pre-check of sch.
func (c *precheckCompiler) compile(sch *jsonschema.Schema) *precheck {
	c.fresh = c.fresh[:0]
	root := c.node(sch)
	// A chain of $refs that comes back to itself never reaches a value:
	// the library reports it, the pre-check must not loop on it. Only new
	// pre-checks are marked: the others are in use.
	for _, p := range c.fresh {
		if refCycle(p) {
			p.unsure = true
		}
	}
	return root
}

func refCycle(p *precheck) bool {
	seen := map[*precheck]bool{}
	for ; p != nil; p = p.ref {
		if seen[p] {
			return true
		}
		seen[p] = true
	}
	return false
}

func (c *precheckCompiler) node(sch *jsonschema.Schema) *precheck {
	if p, ok := c.done[sch]; ok {
		return p
	}
	p := &precheck{}
	c.done[sch] = p
	c.fresh = append(c.fresh, p)
	if !understood(sch) {
		p.unsure = true
		return p
	}
	if sch.Types != nil {
		for _, name := range sch.Types.ToStrings() {
			p.types |= typeNames[name]
		}
	}
	if sch.Enum != nil {
		p.hasEnum = true
		for _, v := range sch.Enum.Values {
			switch v := v.(type) {
			case nil:
				p.enumNull = true
			case string:
				p.enum = append(p.enum, v)
			default:
				p.unsure = true
				return p
			}
		}
	}
	p.format, p.pattern = sch.Format, sch.Pattern
	p.minLength, p.maxLength = sch.MinLength, sch.MaxLength
	p.minItems, p.maxItems = sch.MinItems, sch.MaxItems
	p.minProperties, p.maxProperties = sch.MinProperties, sch.MaxProperties
	p.required = sch.Required
	if len(sch.Properties) > 0 {
		p.properties = make(map[string]*precheck, len(sch.Properties))
		for name, sub := range sch.Properties {
			p.properties[name] = c.node(sub)
		}
	}
	switch a := sch.AdditionalProperties.(type) {
	case bool:
		p.closed = !a
	case *jsonschema.Schema:
		p.additional = c.node(a)
	}
	switch items := sch.Items.(type) {
	case *jsonschema.Schema:
		p.items = c.node(items)
	case nil:
		if sch.Items2020 != nil {
			p.items = c.node(sch.Items2020)
		}
	}
	if sch.Ref != nil {
		p.ref = c.node(sch.Ref)
	}
	return p
}

// understood reports whether a schema uses only the keywords the
// pre-check judges exactly as the library does. Annotations do not
// matter; precheck_test lists every field of jsonschema.Schema, so that a
// new one cannot slip by.
func understood(s *jsonschema.Schema) bool {
	switch {
	case s.Bool != nil && !*s.Bool:
		return false
	// Before 2019-09 a $ref hides its siblings.
	case s.Ref != nil && s.DraftVersion < 2019:
		return false
	case s.RecursiveRef != nil, s.DynamicRef != nil, s.Const != nil, s.Not != nil,
		s.AllOf != nil, s.AnyOf != nil, s.OneOf != nil, s.If != nil, s.Then != nil, s.Else != nil:
		return false
	case s.PropertyNames != nil, s.PatternProperties != nil, s.Dependencies != nil,
		s.DependentRequired != nil, s.DependentSchemas != nil, s.UnevaluatedProperties != nil:
		return false
	case s.UniqueItems, s.Contains != nil, s.MinContains != nil, s.MaxContains != nil,
		s.AdditionalItems != nil, s.PrefixItems != nil, s.UnevaluatedItems != nil:
		return false
	case s.ContentEncoding != nil, s.ContentMediaType != nil, s.ContentSchema != nil:
		return false
	case s.Maximum != nil, s.Minimum != nil, s.ExclusiveMaximum != nil, s.ExclusiveMinimum != nil, s.MultipleOf != nil:
		return false
	case len(s.Extensions) > 0:
		return false
	}
	// Before 2020-12 items may be a list of schemas, one per position.
	if _, ok := s.Items.([]*jsonschema.Schema); ok {
		return false
	}
	return true
}

// valid reports whether v is certainly valid; false means unsure.
func (p *precheck) valid(v any, depth int) bool {
	if p.unsure || depth > maxPrecheckDepth {
		return false
	}
	t, ok := typeOfValue(v)
	if !ok {
		return false
	}
	if p.types != 0 && p.types&t == 0 && !(p.types&typeInteger != 0 && t == typeNumber && isInteger(v)) {
		return false
	}
	if p.hasEnum && !p.inEnum(v) {
		return false
	}
	if p.format != nil && p.format.Validate(v) != nil {
		return false
	}
	if p.ref != nil && !p.ref.valid(v, depth) {
		return false
	}
	switch v := v.(type) {
	case map[string]any:
		return p.validObject(v, depth)
	case []any:
		return p.validArray(v, depth)
	case string:
		return p.validString(v)
	}
	return true
}

func (p *precheck) inEnum(v any) bool {
	switch v := v.(type) {
	case nil:
		return p.enumNull
	case string:
		for _, e := range p.enum {
			if e == v {
				return true
			}
		}
	}
	return false
}

func (p *precheck) validObject(obj map[string]any, depth int) bool {
	if p.minProperties != nil && len(obj) < *p.minProperties || p.maxProperties != nil && len(obj) > *p.maxProperties {
		return false
	}
	for _, name := range p.required {
		if _, ok := obj[name]; !ok {
			return false
		}
	}
	for name, val := range obj {
		sub, ok := p.properties[name]
		switch {
		case ok:
		case p.closed:
			return false
		case p.additional != nil:
			sub = p.additional
		default:
			continue
		}
		if !sub.valid(val, depth+1) {
			return false
		}
	}
	return true
}

func (p *precheck) validArray(arr []any, depth int) bool {
	if p.minItems != nil && len(arr) < *p.minItems || p.maxItems != nil && len(arr) > *p.maxItems {
		return false
	}
	if p.items == nil {
		return true
	}
	for _, item := range arr {
		if !p.items.valid(item, depth+1) {
			return false
		}
	}
	return true
}

func (p *precheck) validString(s string) bool {
	if p.minLength != nil || p.maxLength != nil {
		n := utf8.RuneCountInString(s)
		if p.minLength != nil && n < *p.minLength || p.maxLength != nil && n > *p.maxLength {
			return false
		}
	}
	return p.pattern == nil || p.pattern.MatchString(s)
}

// typeOfValue returns the JSON type of a decoded value as the library
// sees it; false for a value the library refuses (NaN, infinities, Go
// types that are not JSON).
func typeOfValue(v any) (typeSet, bool) {
	switch v := v.(type) {
	case nil:
		return typeNull, true
	case bool:
		return typeBoolean, true
	case string:
		return typeString, true
	case map[string]any:
		return typeObject, true
	case []any:
		return typeArray, true
	case float64:
		return typeNumber, !math.IsNaN(v) && !math.IsInf(v, 0)
	case float32:
		return typeNumber, !math.IsNaN(float64(v)) && !math.IsInf(float64(v), 0)
	case json.Number, int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64:
		return typeNumber, true
	}
	return 0, false
}

// isInteger reports whether a number is an integer. A float is one when
// it has no fraction, which is what the library's reading of its decimal
// form says; a json.Number that is not a plain int64 is left unsure.
func isInteger(v any) bool {
	switch v := v.(type) {
	case float64:
		return v == math.Trunc(v)
	case float32:
		return float64(v) == math.Trunc(float64(v))
	case json.Number:
		_, err := strconv.ParseInt(string(v), 10, 64)
		return err == nil
	case int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64:
		return true
	}
	return false
}
