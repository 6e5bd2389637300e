package render

import (
	"encoding/json"
	"math"
	"strconv"
	"unicode/utf8"

	"sigs.k8s.io/kustomize/api/resource"
	kyaml "sigs.k8s.io/kustomize/kyaml/yaml"
	sigsyaml "sigs.k8s.io/yaml"

	"github.com/syncgate/syncgate/manifest"
)

// kustomize prints a resource by encoding its YAML node tree, decoding
// that into Go values, marshalling those to JSON and the JSON to YAML
// (resource.AsYAML); syncgate then decodes the YAML again. A check needs
// only the values, so objectsOf decodes the node tree once and applies
// what those text round trips do to the values: JSON's numbers (a float
// with an integral value prints as an integer) and whatever the YAML
// printer and parser make of a string that reads as another type. The
// result equals, object for object, the decoded stream that Render
// prints; anything the shortcut cannot vouch for takes the long way.

// maxDirectBytes is how much text, counted as the keys and strings of
// the objects, the direct conversion takes on: the stream is at least as
// large, and the printed stream's size limit must still be enforced as
// decodeRendered does, on the stream.
func maxDirectBytes(limits manifest.Limits) int {
	return limits.WithDefaults().MaxFileBytes / 4
}

// objectsOf converts kustomize's resources to objects without printing
// them, falling back to printing and decoding the stream whenever one
// resource holds something the conversion cannot vouch for.
func objectsOf(t Target, resources []*resource.Resource, print func() ([]byte, error), limits manifest.Limits) ([]*manifest.Object, error) {
	limits = limits.WithDefaults()
	c := converter{limits: limits, budget: maxDirectBytes(limits)}
	var objs []*manifest.Object
	for _, res := range resources {
		if len(objs) == limits.MaxDocuments || c.budget < 0 {
			return printed(t, print, limits) // the decoder's limit error
		}
		obj, ok := c.resource(res)
		if !ok {
			return printed(t, print, limits)
		}
		objs = append(objs, obj)
	}
	return objs, nil
}

// printed is the long way: the printed stream, decoded.
func printed(t Target, print func() ([]byte, error), limits manifest.Limits) ([]*manifest.Object, error) {
	out, err := print()
	if err != nil {
		return nil, err
	}
	return decodeRendered(t, out, limits)
}

// converter turns decoded resources into the values their printed form
// decodes to.
type converter struct {
	limits manifest.Limits
	// budget is what is left of maxDirectBytes.
	budget int
	// scalars remembers the round trip of strings that needed one.
	scalars map[string]any
}

// resource converts one resource; a resource holding a value the
// conversion cannot vouch for is printed and decoded alone. It reports
// false when the stream as a whole must be: for the decoder's errors,
// which name lines of the stream, and for a List it expands.
func (c *converter) resource(res *resource.Resource) (*manifest.Object, bool) {
	if plainNodes(res.YNode()) {
		m, err := res.Map()
		if err != nil {
			return nil, false
		}
		if v, ok := c.value(m, 0); ok {
			obj := manifest.NewObject(v.(map[string]any), manifest.Origin{})
			return obj, obj.APIVersion != "" && obj.Kind != "" && !(obj.APIVersion == "v1" && obj.Kind == "List")
		}
	}
	out, err := res.AsYAML()
	if err != nil {
		return nil, false
	}
	c.budget -= len(out)
	objs, err := manifest.DecodeObjects("", out, c.limits)
	if err != nil || len(objs) != 1 {
		return nil, false
	}
	objs[0].Origin = manifest.Origin{}
	return objs[0], true
}

// plainNodes reports whether a node tree holds only what decodes the
// same from the tree as from its printed text: string keys, and scalars
// of the core types without anchors, aliases or merges.
func plainNodes(n *kyaml.Node) bool {
	if n.Anchor != "" {
		return false
	}
	switch n.Kind {
	case kyaml.ScalarNode:
		switch n.ShortTag() {
		case "!!str", "!!int", "!!float", "!!bool":
			return true
		}
		return false
	case kyaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			if k := n.Content[i]; k.Kind != kyaml.ScalarNode || k.ShortTag() != "!!str" || k.Anchor != "" || !plainNodes(n.Content[i+1]) {
				return false
			}
		}
		return true
	case kyaml.SequenceNode:
		for _, item := range n.Content {
			if !plainNodes(item) {
				return false
			}
		}
		return true
	}
	return false
}

// value rewrites v in place as the JSON and YAML round trip would, and
// reports false when it cannot tell what the round trip would give.
func (c *converter) value(v any, depth int) (any, bool) {
	if depth > c.limits.MaxDepth {
		return nil, false
	}
	switch x := v.(type) {
	case bool:
		return x, true
	case nil:
		// The YAML encoder kustomize prints with writes an empty null
		// in flow style as '': only printing tells.
		return nil, false
	case string:
		return c.str(x)
	case int:
		return int64(x), true
	case uint64:
		if x > math.MaxInt64 {
			return float64(x), true
		}
		return int64(x), true
	case float64:
		return jsonFloat(x)
	case map[string]any:
		for k, item := range x {
			c.budget -= len(k)
			if k == "" || k == "<<" || !utf8.ValidString(k) {
				return nil, false // maybe a null key, a merge key, or a key JSON rewrites
			}
			v, ok := c.value(item, depth+1)
			if !ok {
				return nil, false
			}
			x[k] = v
		}
		return x, c.budget >= 0
	case []any:
		for i, item := range x {
			var ok bool
			if x[i], ok = c.value(item, depth+1); !ok {
				return nil, false
			}
		}
		return x, true
	}
	return nil, false // time.Time, map[any]any and other values JSON refuses or rewrites
}

// jsonFloat is the value a float64 decodes to after JSON printed it:
// JSON writes an integral value below 1e21 without a fraction, so the
// YAML parser reads an integer.
func jsonFloat(f float64) (any, bool) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return nil, false // JSON refuses them
	}
	if f == math.Trunc(f) && math.Abs(f) < 1e21 {
		// JSON writes the shortest digits that read back as f, which
		// above 2^53 need not be f's own integer value.
		if n, err := strconv.ParseInt(strconv.FormatFloat(f, 'f', -1, 64), 10, 64); err == nil {
			return n, true
		}
	}
	return f, true
}

// str returns the value a string decodes to after the round trip. Most
// strings come back as they are; one that YAML could read as another
// type, or that holds control characters or invalid UTF-8, takes the
// round trip itself.
func (c *converter) str(s string) (any, bool) {
	c.budget -= len(s)
	if !ambiguous(s) {
		return s, true
	}
	if v, ok := c.scalars[s]; ok {
		return v, true
	}
	v, ok := roundTrip(s, c.limits)
	if !ok {
		return nil, false
	}
	if c.scalars == nil {
		c.scalars = map[string]any{}
	}
	c.scalars[s] = v
	return v, true
}

// ambiguous reports whether s, printed as a plain YAML scalar, might not
// read back as the same string: YAML's null, booleans, numbers, special
// floats and merge key start with one of a few bytes or are one of a few
// words; control characters and invalid UTF-8 are escaped or replaced.
func ambiguous(s string) bool {
	if s == "" {
		return true
	}
	switch s[0] {
	case '0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '+', '-', '.', '~', '<':
		return true
	}
	switch s {
	case "null", "Null", "NULL", "true", "True", "TRUE", "false", "False", "FALSE",
		"y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "on", "On", "ON", "off", "Off", "OFF":
		return true
	}
	ascii := true
	for i := 0; i < len(s); i++ {
		switch b := s[i]; {
		case b < 0x20 || b == 0x7f:
			return true
		case b >= 0x80:
			ascii = false
		}
	}
	return !ascii && (!utf8.ValidString(s) || hasUnusualRunes(s))
}

// hasUnusualRunes reports runes YAML printers escape or treat as line
// breaks: C1 controls, the Unicode line and paragraph separators, the
// byte order mark and non-characters.
func hasUnusualRunes(s string) bool {
	for _, r := range s {
		if r >= 0x80 && r <= 0x9f || r == 0x2028 || r == 0x2029 || r == 0xfeff || r >= 0xfffe && r <= 0xffff {
			return true
		}
	}
	return false
}

// roundTrip prints s as a value in JSON, converts that to YAML and
// decodes it, as printing a resource and decoding the stream does.
func roundTrip(s string, limits manifest.Limits) (any, bool) {
	j, err := json.Marshal(map[string]string{"v": s})
	if err != nil {
		return nil, false
	}
	y, err := sigsyaml.JSONToYAML(j)
	if err != nil {
		return nil, false
	}
	docs, err := manifest.Decode("", y, limits)
	if err != nil || len(docs) != 1 {
		return nil, false
	}
	m, ok := docs[0].Value.(map[string]any)
	if !ok || len(m) != 1 {
		return nil, false
	}
	v, ok := m["v"]
	return v, ok
}
