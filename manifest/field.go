package manifest

import (
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// FieldStep is one part of a field path: a map key, or a list index.
type FieldStep struct {
	// Key is the map key, when Index is -1.
	Key string
	// Index is the list index, or -1 for a key.
	Index int
}

// JoinField writes steps as a dotted field path: keys joined by dots,
// indexes in brackets (spec.containers[0].image), as decoders name a
// field. A dotted key is written as it is.
func JoinField(steps []FieldStep) string {
	var b strings.Builder
	for i, s := range steps {
		switch {
		case s.Index >= 0:
			b.WriteString("[" + strconv.Itoa(s.Index) + "]")
		case i > 0:
			b.WriteString("." + s.Key)
		default:
			b.WriteString(s.Key)
		}
	}
	return b.String()
}

// ParseField splits a finding's dotted field path
// (spec.containers[0].image) into steps, reading content, the object or
// document the path is in, to tell a dotted map key
// (app.kubernetes.io/name) from nested keys and an index from a key.
func ParseField(content map[string]any, field string) []FieldStep {
	if field == "" {
		return nil
	}
	var tokens []token
	for field != "" {
		if rest, ok := strings.CutPrefix(field, "["); ok {
			inner, after, found := strings.Cut(rest, "]")
			if !found {
				inner, after = rest, ""
			}
			tokens = append(tokens, token{inner, true})
			field = strings.TrimPrefix(after, ".")
			continue
		}
		end := strings.IndexAny(field, ".[")
		if end < 0 {
			end = len(field)
		}
		tokens = append(tokens, token{field[:end], false})
		field = strings.TrimPrefix(field[end:], ".")
	}
	var out []FieldStep
	var cur any = content
	for i := 0; i < len(tokens); i++ {
		tok := tokens[i]
		if list, ok := cur.([]any); ok || cur == nil && tok.bracketed {
			if n, err := strconv.Atoi(tok.text); err == nil {
				out = append(out, FieldStep{Index: n})
				cur = nil
				if n >= 0 && n < len(list) {
					cur = list[n]
				}
				continue
			}
		}
		key := tok.text
		m, _ := cur.(map[string]any)
		if _, ok := m[key]; !ok && !tok.bracketed {
			// A key with dots is written as several tokens.
			for j := i + 1; j < len(tokens) && !tokens[j].bracketed; j++ {
				if dotted := key + "." + joined(tokens[i+1:j+1]); m[dotted] != nil {
					key, i = dotted, j
					break
				}
			}
		}
		out = append(out, FieldStep{Key: key, Index: -1})
		cur = m[key]
	}
	return out
}

// token is a part of a field path as written: between dots, or in brackets.
type token struct {
	text      string
	bracketed bool
}

// joined is the texts of tokens joined by dots.
func joined(tokens []token) string {
	texts := make([]string, len(tokens))
	for i, t := range tokens {
		texts[i] = t.text
	}
	return strings.Join(texts, ".")
}

// FindField walks path through node and returns the line of the deepest step
// found and whether every step was. A list step is taken by position,
// or, with rendered (the object's content at node), by the merge key of
// the rendered item, as a strategic-merge patch lists only what it
// changes. A scalar or a list reached before the end of the path writes
// everything below it: the walk is complete there.
func FindField(node *yaml.Node, path []FieldStep, rendered any) (line int, complete bool) {
	for _, s := range path {
		if node.Kind == yaml.AliasNode {
			node = node.Alias
		}
		switch {
		case s.Index < 0 && node.Kind == yaml.MappingNode:
			k, v := mappingEntry(node, s.Key)
			if k == nil {
				return line, false
			}
			line, node = k.Line, v
			m, _ := rendered.(map[string]any)
			rendered = m[s.Key]
		case s.Index >= 0 && node.Kind == yaml.SequenceNode:
			item := listItem(node, s.Index, rendered)
			if item == nil {
				return line, false
			}
			line, node = item.Line, item
			list, _ := rendered.([]any)
			rendered = nil
			if s.Index < len(list) {
				rendered = list[s.Index]
			}
		case node.Kind == yaml.ScalarNode || node.Kind == yaml.SequenceNode:
			return line, line > 0
		default:
			return line, false
		}
	}
	return line, true
}

// mergeKeys are the keys strategic merge matches list items by, in the
// lists of the built-in kinds.
var mergeKeys = []string{"name", "containerPort", "mountPath", "devicePath", "ip", "topologyKey", "type"}

// listItem is the item of list at index, or the one that has the merge
// key value of the rendered list's item at index.
func listItem(list *yaml.Node, index int, rendered any) *yaml.Node {
	if rendered == nil {
		if index < len(list.Content) {
			return list.Content[index]
		}
		return nil
	}
	want, ok := rendered.([]any)
	if !ok || index >= len(want) {
		return nil
	}
	m, _ := want[index].(map[string]any)
	for _, key := range mergeKeys {
		v, ok := m[key]
		if !ok {
			continue
		}
		for _, n := range list.Content {
			if _, got := mappingEntry(n, key); got != nil && got.Kind == yaml.ScalarNode && got.Value == scalarText(v) {
				return n
			}
		}
		return nil
	}
	return nil
}

func scalarText(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case int64:
		return strconv.FormatInt(v, 10)
	case float64:
		return strconv.FormatFloat(v, 'g', -1, 64)
	case bool:
		return strconv.FormatBool(v)
	}
	return ""
}

// mappingEntry returns the key and value nodes of key in a mapping.
func mappingEntry(mapping *yaml.Node, key string) (k, v *yaml.Node) {
	if mapping == nil || mapping.Kind != yaml.MappingNode {
		return nil, nil
	}
	for i := 0; i+1 < len(mapping.Content); i += 2 {
		if mapping.Content[i].Value == key {
			return mapping.Content[i], mapping.Content[i+1]
		}
	}
	return nil, nil
}

// FieldLine returns the line of a field of doc, the document content was
// decoded from (Document.Node and Document.Value): the line of the
// deepest part of the path written there, 0 when none is.
func FieldLine(doc *yaml.Node, content map[string]any, field string) int {
	if doc.Kind == yaml.DocumentNode && len(doc.Content) > 0 {
		doc = doc.Content[0]
	}
	line, _ := FindField(doc, ParseField(content, field), nil)
	return line
}
