package provenance

import (
	"io/fs"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/syncgate/syncgate/manifest"
	"github.com/syncgate/syncgate/render"
)

// Why texts of related locations.
const (
	whyTemplate = "template that writes the field"
	whyObject   = "where the object is defined"
)

// Locate moves each finding about a rendered object to the last writer
// of its field (or, with no field, of the object) and adds related
// locations. A finding a stage already placed more precisely than its
// object's source (another file or line) keeps its place, as does one
// whose writer cannot be told. fsys is the repository the results were
// rendered from; files are read only for findings.
func Locate(fsys fs.FS, limits manifest.Limits, results []*render.Result, findings []manifest.Finding) {
	l := &locator{fsys: fsys, limits: limits, docs: map[string]parsed{}, text: map[string][]string{}}
	byTarget := map[string]*render.Result{}
	for _, res := range results {
		byTarget[res.Target.Name] = res
	}
	for i := range findings {
		f := &findings[i]
		res := byTarget[f.Target]
		if res == nil || f.Object == nil {
			continue
		}
		obj := objectOf(res.Objects, *f.Object)
		if obj == nil || obj.Origin.File == "" || f.File != obj.Origin.File || f.Line != obj.Origin.Line {
			continue
		}
		var w *writer
		switch res.Target.Kind {
		case render.KindKustomize:
			w = l.kustomize(res.Target, obj, f.Field)
		case render.KindHelm:
			w = l.helm(res.Target, obj, f.Field)
		default:
			w = l.source(obj, steps(obj.Content, f.Field), true)
		}
		if w != nil && w.file != "" {
			f.File, f.Line, f.Related = w.file, w.line, append(f.Related, w.related...)
		}
	}
}

// writer is where a field was last written, and what else explains it.
type writer struct {
	file    string
	line    int
	related []manifest.Location
}

func objectOf(objects []*manifest.Object, ref manifest.ObjectRef) *manifest.Object {
	for _, o := range objects {
		if o.Ref() == ref {
			return o
		}
	}
	return nil
}

// locator reads and parses each file once per Locate.
type locator struct {
	fsys   fs.FS
	limits manifest.Limits
	docs   map[string]parsed
	text   map[string][]string
}

type parsed struct {
	docs []manifest.Document
	err  error
}

// yamlDocs returns the documents of a YAML file, nil when it cannot be
// read or decoded (render has reported that already).
func (l *locator) yamlDocs(file string) []manifest.Document {
	if p, ok := l.docs[file]; ok {
		return p.docs
	}
	var p parsed
	var data []byte
	if data, p.err = fs.ReadFile(l.fsys, file); p.err == nil {
		p.docs, p.err = manifest.Decode(file, data, l.limits)
	}
	l.docs[file] = p
	return p.docs
}

// lines returns the lines of a text file, nil when it cannot be read.
func (l *locator) lines(file string) []string {
	if t, ok := l.text[file]; ok {
		return t
	}
	data, err := fs.ReadFile(l.fsys, file)
	var t []string
	if err == nil && len(data) <= l.limits.WithDefaults().MaxFileBytes {
		t = strings.Split(string(data), "\n")
	}
	l.text[file] = t
	return t
}

// source is the line of the field in the object's own source file: the
// object's line when the field is not written there, or, with partial,
// the line of the deepest part of the path that is.
func (l *locator) source(obj *manifest.Object, path []step, partial bool) *writer {
	node := docAt(l.yamlDocs(obj.Origin.File), obj.Origin.Line)
	if node == nil {
		return nil
	}
	line, complete := find(node, path, nil)
	if !complete && !partial {
		line = 0
	}
	if line == 0 {
		line = obj.Origin.Line
	}
	return &writer{file: obj.Origin.File, line: line}
}

// docAt returns the object mapping that starts at line (an item of a
// List counts), or nil.
func docAt(docs []manifest.Document, line int) *yaml.Node {
	for _, d := range docs {
		root := d.Node
		if root.Kind == yaml.DocumentNode && len(root.Content) > 0 {
			root = root.Content[0]
		}
		if root.Kind != yaml.MappingNode {
			continue
		}
		if root.Line == line || d.Line == line {
			return root
		}
		if items := value(root, "items"); items != nil && items.Kind == yaml.SequenceNode {
			for _, item := range items.Content {
				if item.Line == line && item.Kind == yaml.MappingNode {
					return item
				}
			}
		}
	}
	return nil
}

// step is one part of a field path: a map key, or a list index.
type step struct {
	key   string
	index int // -1 for a key
}

// steps splits a finding's dotted field path (spec.containers[0].image)
// into steps, reading content to tell a dotted map key
// (app.kubernetes.io/name) from nested keys and an index from a key.
func steps(content map[string]any, field string) []step {
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
	var out []step
	var cur any = content
	for i := 0; i < len(tokens); i++ {
		tok := tokens[i]
		if list, ok := cur.([]any); ok || cur == nil && tok.bracketed {
			if n, err := strconv.Atoi(tok.text); err == nil {
				out = append(out, step{index: n})
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
		out = append(out, step{key: key, index: -1})
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

// find walks path through node and returns the line of the deepest step
// found and whether every step was. A list step is taken by position,
// or, with rendered (the object's content at node), by the merge key of
// the rendered item, as a strategic-merge patch lists only what it
// changes. A scalar or a list reached before the end of the path writes
// everything below it: the walk is complete there.
func find(node *yaml.Node, path []step, rendered any) (line int, complete bool) {
	for _, s := range path {
		if node.Kind == yaml.AliasNode {
			node = node.Alias
		}
		switch {
		case s.index < 0 && node.Kind == yaml.MappingNode:
			k, v := entry(node, s.key)
			if k == nil {
				return line, false
			}
			line, node = k.Line, v
			m, _ := rendered.(map[string]any)
			rendered = m[s.key]
		case s.index >= 0 && node.Kind == yaml.SequenceNode:
			item := itemOf(node, s.index, rendered)
			if item == nil {
				return line, false
			}
			line, node = item.Line, item
			list, _ := rendered.([]any)
			rendered = nil
			if s.index < len(list) {
				rendered = list[s.index]
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

func itemOf(list *yaml.Node, index int, rendered any) *yaml.Node {
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
			if _, got := entry(n, key); got != nil && got.Kind == yaml.ScalarNode && got.Value == scalarText(v) {
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

// entry returns the key and value nodes of key in a mapping.
func entry(mapping *yaml.Node, key string) (k, v *yaml.Node) {
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

func value(mapping *yaml.Node, key string) *yaml.Node {
	_, v := entry(mapping, key)
	return v
}
