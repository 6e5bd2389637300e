package validate

import (
	"encoding/json"
	"math"
	"math/big"
	"slices"
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

	// bounded says numbers must be integers in [lo, hi]: the bounds the
	// schema sets, as integers. A fraction is left to the library.
	bounded bool
	lo, hi  int64

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
	// allOf and anyOf are certainly met when all, or any, of their
	// schemas certainly are.
	allOf, anyOf []*precheck
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
	c.breakCycles()
	return root
}

// breakCycles makes a pre-check of every cycle of $ref, allOf and anyOf
// among the new ones unsure. Such a cycle applies schemas to the same
// value over and over: the library reports it, the pre-check must not
// loop on it. A depth-first search finds an edge back into every cycle;
// its target is marked. The older pre-checks are in use, and their
// cycles were broken when they were new.
func (c *precheckCompiler) breakCycles() {
	const (
		unseen = iota
		open
		closed
	)
	state := make(map[*precheck]int, len(c.fresh))
	for _, p := range c.fresh {
		state[p] = unseen
	}
	var visit func(p *precheck)
	visit = func(p *precheck) {
		state[p] = open
		for _, q := range p.sameValue() {
			switch st, isNew := state[q]; {
			case !isNew:
			case st == open:
				q.unsure = true
			case st == unseen:
				visit(q)
			}
		}
		state[p] = closed
	}
	for _, p := range c.fresh {
		if state[p] == unseen {
			visit(p)
		}
	}
}

// sameValue lists the pre-checks p applies to the value it judges.
func (p *precheck) sameValue() []*precheck {
	out := slices.Concat(p.allOf, p.anyOf)
	if p.ref != nil {
		out = append(out, p.ref)
	}
	return out
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
	if !p.setBounds(sch) {
		p.unsure = true
		return p
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
	for _, sub := range sch.AllOf {
		p.allOf = append(p.allOf, c.node(sub))
	}
	for _, sub := range sch.AnyOf {
		p.anyOf = append(p.anyOf, c.node(sub))
	}
	return p
}

// setBounds turns minimum, maximum and their exclusive forms into the
// integers a number must lie between; false when one does not fit in an
// int64.
func (p *precheck) setBounds(sch *jsonschema.Schema) bool {
	p.lo, p.hi = math.MinInt64, math.MaxInt64
	for _, b := range []struct {
		bound     *big.Rat
		upper     bool
		exclusive bool
	}{{sch.Minimum, false, false}, {sch.ExclusiveMinimum, false, true}, {sch.Maximum, true, false}, {sch.ExclusiveMaximum, true, true}} {
		if b.bound == nil {
			continue
		}
		p.bounded = true
		floor, ceil, ok := floorCeil(b.bound)
		switch {
		case !ok:
			return false
		case !b.upper && !b.exclusive:
			p.lo = max(p.lo, ceil)
		case !b.upper && floor < math.MaxInt64:
			p.lo = max(p.lo, floor+1)
		case b.upper && !b.exclusive:
			p.hi = min(p.hi, floor)
		case b.upper && ceil > math.MinInt64:
			p.hi = min(p.hi, ceil-1)
		default:
			return false
		}
	}
	return true
}

// floorCeil returns the integers around r; false when they do not fit in
// an int64.
func floorCeil(r *big.Rat) (floor, ceil int64, ok bool) {
	// Euclidean division by the positive denominator rounds down.
	q, m := new(big.Int).DivMod(r.Num(), r.Denom(), new(big.Int))
	c := new(big.Int).Set(q)
	if m.Sign() != 0 {
		c.Add(c, big.NewInt(1))
	}
	if !q.IsInt64() || !c.IsInt64() {
		return 0, 0, false
	}
	return q.Int64(), c.Int64(), true
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
		s.OneOf != nil, s.If != nil, s.Then != nil, s.Else != nil:
		return false
	case s.PropertyNames != nil, s.PatternProperties != nil, s.Dependencies != nil,
		s.DependentRequired != nil, s.DependentSchemas != nil, s.UnevaluatedProperties != nil:
		return false
	case s.UniqueItems, s.Contains != nil, s.MinContains != nil, s.MaxContains != nil,
		s.AdditionalItems != nil, s.PrefixItems != nil, s.UnevaluatedItems != nil:
		return false
	case s.ContentEncoding != nil, s.ContentMediaType != nil, s.ContentSchema != nil:
		return false
	case s.MultipleOf != nil:
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
	for _, sub := range p.allOf {
		if !sub.valid(v, depth) {
			return false
		}
	}
	if len(p.anyOf) > 0 && !slices.ContainsFunc(p.anyOf, func(sub *precheck) bool { return sub.valid(v, depth) }) {
		return false
	}
	if p.bounded && t == typeNumber && !p.inBounds(v) {
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

func (p *precheck) inBounds(v any) bool {
	n, ok := exactInt(v)
	return ok && n >= p.lo && n <= p.hi
}

// exactInt returns an integer number as an int64; false for a fraction,
// a json.Number, or a number too large to read exactly. A float below
// 2^53 with no fraction prints as its integer, which is the number the
// library compares.
func exactInt(v any) (int64, bool) {
	switch v := v.(type) {
	case int:
		return int64(v), true
	case int8:
		return int64(v), true
	case int16:
		return int64(v), true
	case int32:
		return int64(v), true
	case int64:
		return v, true
	case uint8:
		return int64(v), true
	case uint16:
		return int64(v), true
	case uint32:
		return int64(v), true
	case uint:
		return int64(v), v <= math.MaxInt64
	case uint64:
		return int64(v), v <= math.MaxInt64
	case float32:
		return exactFloat(float64(v))
	case float64:
		return exactFloat(v)
	}
	return 0, false
}

func exactFloat(f float64) (int64, bool) {
	const limit = 1 << 53
	if f != math.Trunc(f) || f <= -limit || f >= limit {
		return 0, false
	}
	return int64(f), true
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
