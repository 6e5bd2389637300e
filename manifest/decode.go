package manifest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"regexp"
	"strconv"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// Limits bound what the decoder accepts from one file. A zero field takes
// its value from DefaultLimits.
type Limits struct {
	// MaxFileBytes is the largest file accepted.
	MaxFileBytes int
	// MaxDocuments is the most documents accepted in one stream.
	MaxDocuments int
	// MaxDepth is the deepest nesting of maps and lists accepted.
	MaxDepth int
	// MaxAliasNodes is how many nodes alias expansion may add beyond the
	// nodes written out in the file. It stops "billion laughs" documents.
	MaxAliasNodes int
}

// DefaultLimits fit the largest real manifests (CRD bundles of several
// megabytes) with room to spare, and stop hostile input early.
func DefaultLimits() Limits {
	return Limits{
		MaxFileBytes:  32 << 20,
		MaxDocuments:  10000,
		MaxDepth:      100,
		MaxAliasNodes: 100000,
	}
}

// WithDefaults fills the zero fields of l from DefaultLimits.
func (l Limits) WithDefaults() Limits {
	d := DefaultLimits()
	if l.MaxFileBytes <= 0 {
		l.MaxFileBytes = d.MaxFileBytes
	}
	if l.MaxDocuments <= 0 {
		l.MaxDocuments = d.MaxDocuments
	}
	if l.MaxDepth <= 0 {
		l.MaxDepth = d.MaxDepth
	}
	if l.MaxAliasNodes <= 0 {
		l.MaxAliasNodes = d.MaxAliasNodes
	}
	return l
}

// Document is one decoded YAML document with the line it starts on.
type Document struct {
	// Value is map[string]any, []any, or a scalar.
	Value any
	// Line is the 1-based line of the document's first node.
	Line int
	// Node is the parsed document, for callers that rewrite the file
	// without parsing it again. Callers must not share changes to it.
	Node *yaml.Node
}

// Decode parses a multi-document YAML (or JSON) stream from an untrusted
// file within limits. Empty documents are skipped. Duplicate keys, cyclic
// aliases and excessive alias expansion are errors. Every error is a
// *SourceError naming file and, where known, the line.
func Decode(file string, data []byte, limits Limits) ([]Document, error) {
	limits = limits.WithDefaults()
	if len(data) > limits.MaxFileBytes {
		return nil, &SourceError{File: file, Err: fmt.Errorf("%w: file is %d bytes, the limit is %d", ErrLimit, len(data), limits.MaxFileBytes)}
	}
	if err := checkText(file, data); err != nil {
		return nil, err
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var docs []Document
	for {
		var node yaml.Node
		err := dec.Decode(&node)
		if errors.Is(err, io.EOF) {
			return docs, nil
		}
		if err != nil {
			return nil, syntaxError(file, err)
		}
		if len(docs) == limits.MaxDocuments {
			return nil, &SourceError{File: file, Line: node.Line, Err: fmt.Errorf("%w: more than %d documents", ErrLimit, limits.MaxDocuments)}
		}
		if len(node.Content) == 0 {
			continue
		}
		root := node.Content[0]
		c := converter{file: file, limits: limits, onStack: map[*yaml.Node]bool{}}
		c.aliasBudget = limits.MaxAliasNodes
		value, err := c.convert(root, 0, false)
		if err != nil {
			return nil, err
		}
		if value == nil {
			continue
		}
		docs = append(docs, Document{Value: value, Line: root.Line, Node: &node})
	}
}

// checkText refuses what no manifest holds and parsers disagree on: NUL
// bytes and invalid UTF-8.
func checkText(file string, data []byte) error {
	bad, what := bytes.IndexByte(data, 0), "a NUL byte"
	if bad < 0 && !utf8.Valid(data) {
		for i := 0; i < len(data); {
			r, size := utf8.DecodeRune(data[i:])
			if r == utf8.RuneError && size == 1 {
				bad, what = i, "invalid UTF-8"
				break
			}
			i += size
		}
	}
	if bad < 0 {
		return nil
	}
	return &SourceError{File: file, Line: bytes.Count(data[:bad], []byte("\n")) + 1, Err: fmt.Errorf("file holds %s at byte %d", what, bad)}
}

// DecodeObjects decodes a stream of Kubernetes objects. Every document
// must be a mapping with apiVersion and kind; a v1 List is expanded into
// its items, as kubectl does.
func DecodeObjects(file string, data []byte, limits Limits) ([]*Object, error) {
	docs, err := Decode(file, data, limits)
	if err != nil {
		return nil, err
	}
	var objects []*Object
	for _, doc := range docs {
		content, ok := doc.Value.(map[string]any)
		if !ok {
			return nil, &SourceError{File: file, Line: doc.Line, Err: fmt.Errorf("document is a %s, not a Kubernetes object", describe(doc.Value))}
		}
		obj := NewObject(content, Origin{File: file, Line: doc.Line})
		if obj.APIVersion == "" || obj.Kind == "" {
			return nil, &SourceError{File: file, Line: doc.Line, Err: errors.New("object has no apiVersion or kind")}
		}
		if obj.APIVersion == "v1" && obj.Kind == "List" {
			items, err := listItems(file, doc.Line, content)
			if err != nil {
				return nil, err
			}
			objects = append(objects, items...)
			continue
		}
		objects = append(objects, obj)
	}
	return objects, nil
}

func listItems(file string, line int, list map[string]any) ([]*Object, error) {
	items, _ := list["items"].([]any)
	objects := make([]*Object, 0, len(items))
	for i, item := range items {
		content, ok := item.(map[string]any)
		if !ok {
			return nil, &SourceError{File: file, Line: line, Err: fmt.Errorf("List item %d is a %s, not a Kubernetes object", i, describe(item))}
		}
		// Items share the List's line: the decoder keeps one line per document.
		objects = append(objects, NewObject(content, Origin{File: file, Line: line}))
	}
	return objects, nil
}

func describe(v any) string {
	switch v.(type) {
	case map[string]any:
		return "mapping"
	case []any:
		return "list"
	default:
		return "scalar"
	}
}

var syntaxLine = regexp.MustCompile(`line (\d+)`)

// syntaxError lifts the line number out of the YAML library's message so
// that it travels as data, not just text.
func syntaxError(file string, err error) error {
	line := 0
	if m := syntaxLine.FindStringSubmatch(err.Error()); m != nil {
		line, _ = strconv.Atoi(m[1])
	}
	return &SourceError{File: file, Line: line, Err: err}
}

// converter turns a yaml.Node tree into plain Go values while enforcing
// depth, alias expansion and cycle bounds.
type converter struct {
	file        string
	limits      Limits
	aliasBudget int
	onStack     map[*yaml.Node]bool
}

func (c *converter) fail(n *yaml.Node, format string, args ...any) error {
	return &SourceError{File: c.file, Line: n.Line, Err: fmt.Errorf(format, args...)}
}

// convert returns the value of n. inAlias is true while expanding an alias,
// where every node counts against the alias budget.
func (c *converter) convert(n *yaml.Node, depth int, inAlias bool) (any, error) {
	if depth > c.limits.MaxDepth {
		return nil, c.fail(n, "%w: nesting deeper than %d", ErrLimit, c.limits.MaxDepth)
	}
	if inAlias {
		c.aliasBudget--
		if c.aliasBudget < 0 {
			return nil, c.fail(n, "%w: aliases expand to more than %d extra nodes", ErrLimit, c.limits.MaxAliasNodes)
		}
	}
	switch n.Kind {
	case yaml.AliasNode:
		if c.onStack[n.Alias] {
			return nil, c.fail(n, "alias *%s refers to itself", n.Value)
		}
		c.onStack[n.Alias] = true
		v, err := c.convert(n.Alias, depth, true)
		delete(c.onStack, n.Alias)
		return v, err
	case yaml.MappingNode:
		c.onStack[n] = true
		defer delete(c.onStack, n)
		return c.mapping(n, depth, inAlias)
	case yaml.SequenceNode:
		c.onStack[n] = true
		defer delete(c.onStack, n)
		list := make([]any, 0, len(n.Content))
		for _, item := range n.Content {
			v, err := c.convert(item, depth+1, inAlias)
			if err != nil {
				return nil, err
			}
			list = append(list, v)
		}
		return list, nil
	case yaml.ScalarNode:
		return c.scalar(n)
	case yaml.DocumentNode:
		return nil, c.fail(n, "unexpected nested document")
	}
	return nil, c.fail(n, "unsupported YAML node kind %d", n.Kind)
}

func (c *converter) mapping(n *yaml.Node, depth int, inAlias bool) (map[string]any, error) {
	m := make(map[string]any, len(n.Content)/2)
	// explicit holds each written-out key. Keys that differ only in case
	// are distinct, as in the API server, which decodes case-sensitively
	// (CRDs such as prometheus-operator's have both proxyURL and proxyUrl),
	// so whatever reads objects into Go types must be case-sensitive too.
	explicit := make(map[string]bool, len(n.Content)/2)
	var merges []*yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		keyNode, valueNode := n.Content[i], n.Content[i+1]
		if keyNode.Kind == yaml.ScalarNode && keyNode.ShortTag() == "!!merge" {
			merges = append(merges, valueNode)
			continue
		}
		key, err := c.key(keyNode)
		if err != nil {
			return nil, err
		}
		if explicit[key] {
			return nil, c.fail(keyNode, "duplicate key %q", key)
		}
		explicit[key] = true
		v, err := c.convert(valueNode, depth+1, inAlias)
		if err != nil {
			return nil, err
		}
		m[key] = v
	}
	for _, merge := range merges {
		if err := c.merge(m, merge, depth, inAlias); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// merge applies a "<<" merge key: keys written out in the mapping win, and
// earlier merge sources win over later ones, as YAML 1.1 specifies.
func (c *converter) merge(m map[string]any, src *yaml.Node, depth int, inAlias bool) error {
	v, err := c.convert(src, depth+1, inAlias)
	if err != nil {
		return err
	}
	sources := []any{v}
	if list, ok := v.([]any); ok {
		sources = list
	}
	for _, s := range sources {
		sm, ok := s.(map[string]any)
		if !ok {
			return c.fail(src, "merge key value is a %s, not a mapping", describe(s))
		}
		for k, val := range sm {
			if _, set := m[k]; !set {
				m[k] = val
			}
		}
	}
	return nil
}

func (c *converter) key(n *yaml.Node) (string, error) {
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	if n.Kind != yaml.ScalarNode {
		return "", c.fail(n, "mapping key is not a scalar")
	}
	return n.Value, nil
}

func (c *converter) scalar(n *yaml.Node) (any, error) {
	switch n.ShortTag() {
	case "!!str", "!!binary", "!!timestamp":
		return n.Value, nil
	case "!!null":
		return nil, nil
	case "!!bool", "!!int", "!!float":
		var v any
		if err := n.Decode(&v); err != nil {
			return nil, c.fail(n, "%v", err)
		}
		return normaliseNumber(v), nil
	}
	// Custom tags (!Ref and the like) keep their text, as Kubernetes does.
	return n.Value, nil
}

func normaliseNumber(v any) any {
	switch x := v.(type) {
	case int:
		return int64(x)
	case uint64:
		if x <= math.MaxInt64 {
			return int64(x)
		}
		return float64(x)
	}
	return v
}
