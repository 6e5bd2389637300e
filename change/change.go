package change

import (
	"cmp"
	"fmt"
	"maps"
	"path"
	"reflect"
	"slices"
	"strings"

	"github.com/gonvenience/ytbx"
	"github.com/homeport/dyff/pkg/dyff"
	"go.yaml.in/yaml/v3"

	"github.com/syncgate/syncgate/manifest"
)

// Kind says what a change does to an object.
type Kind string

// The kinds of change.
const (
	Added    Kind = "added"
	Removed  Kind = "removed"
	Modified Kind = "modified"
	// Reordered is a list whose entries moved (fields only).
	Reordered Kind = "reordered"
)

// Options configure what a comparison leaves out. Start from
// DefaultOptions.
type Options struct {
	// IgnoredLabels and IgnoredAnnotations are keys (path.Match patterns,
	// such as "checksum/*") left out of every metadata block, the pod
	// templates' too: values that change with every release without
	// changing what runs.
	IgnoredLabels      []string
	IgnoredAnnotations []string
	// IgnoredFields are dotted paths from the object's root left out,
	// such as "spec.replicas" when an autoscaler owns it.
	IgnoredFields []string
}

// DefaultOptions ignore what Helm changes on every release: the chart
// label, the app version label and checksum annotations.
func DefaultOptions() Options {
	return Options{
		IgnoredLabels:      []string{"helm.sh/chart", "app.kubernetes.io/version"},
		IgnoredAnnotations: []string{"checksum/*"},
	}
}

// Object is one object's change in one target.
type Object struct {
	Target     string `json:"target"`
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Namespace  string `json:"namespace,omitempty"`
	Name       string `json:"name"`
	Change     Kind   `json:"change"`
	// Fields are the fields a modification changes, in the object's key
	// order; empty for additions and removals.
	Fields []Field `json:"fields,omitempty"`
	// Base and Head are the object at base and at head; one is nil for
	// an addition or a removal.
	Base *manifest.Object `json:"-"`
	Head *manifest.Object `json:"-"`
}

// Ref is the object's identity, at head where it exists.
func (o Object) Ref() manifest.ObjectRef {
	return manifest.ObjectRef{APIVersion: o.APIVersion, Kind: o.Kind, Namespace: o.Namespace, Name: o.Name}
}

// Field is one field a modification changes. From and To are YAML; a
// Secret's values are never shown, only that they changed.
type Field struct {
	Path   string `json:"path"`
	Change Kind   `json:"change"`
	From   string `json:"from,omitempty"`
	To     string `json:"to,omitempty"`
}

// Redacted stands for a Secret's value; RedactedChanged for one whose
// value differs from the other side's.
const (
	Redacted        = "(redacted)"
	RedactedChanged = "(redacted, changed)"
)

// key identifies an object in a target, as the API server does.
type key struct{ group, kind, namespace, name string }

func keyOf(o *manifest.Object) key { return key{o.Group(), o.Kind, o.Namespace, o.Name} }

// Compare matches the objects of one target at base and head by group,
// kind, namespace and name, and returns those added, removed or
// modified, sorted. An object defined twice on one side is compared by
// its last definition, the one the operator applies.
func Compare(target string, base, head []*manifest.Object, opts Options) ([]Object, error) {
	bases := map[key]*manifest.Object{}
	for _, o := range base {
		bases[keyOf(o)] = o
	}
	heads := map[key]*manifest.Object{}
	for _, o := range head {
		heads[keyOf(o)] = o
	}
	var out []Object
	for k, h := range heads {
		b, ok := bases[k]
		if !ok {
			out = append(out, entry(target, Added, nil, h))
			continue
		}
		fields, err := Fields(b, h, opts)
		if err != nil {
			return nil, fmt.Errorf("%s: %s: %w", target, h.Ref(), err)
		}
		if len(fields) > 0 {
			o := entry(target, Modified, b, h)
			o.Fields = fields
			out = append(out, o)
		}
	}
	for k, b := range bases {
		if _, ok := heads[k]; !ok {
			out = append(out, entry(target, Removed, b, nil))
		}
	}
	Sort(out)
	return out, nil
}

func entry(target string, c Kind, base, head *manifest.Object) Object {
	o := cmp.Or(head, base)
	return Object{Target: target, APIVersion: o.APIVersion, Kind: o.Kind, Namespace: o.Namespace, Name: o.Name, Change: c, Base: base, Head: head}
}

// Sort orders changes by target, group, kind, namespace and name.
func Sort(objects []Object) {
	slices.SortStableFunc(objects, func(a, b Object) int {
		ga, _, _ := strings.Cut(a.APIVersion, "/")
		gb, _, _ := strings.Cut(b.APIVersion, "/")
		return cmp.Or(strings.Compare(a.Target, b.Target), strings.Compare(ga, gb), strings.Compare(a.Kind, b.Kind),
			strings.Compare(a.Namespace, b.Namespace), strings.Compare(a.Name, b.Name))
	})
}

// Fields diffs an object at base and head semantically, with dyff: list
// entries are matched by their name, not their index, so that inserting a
// container does not modify every one after it. Ignored fields are left
// out first; a Secret's values are compared here and never shown.
func Fields(base, head *manifest.Object, opts Options) ([]Field, error) {
	b, h := prune(base.Content, opts), prune(head.Content, opts)
	if isSecret(head) {
		redactSecret(b, h)
	}
	if reflect.DeepEqual(b, h) {
		return nil, nil
	}
	from, err := document(b)
	if err != nil {
		return nil, err
	}
	to, err := document(h)
	if err != nil {
		return nil, err
	}
	report, err := dyff.CompareInputFiles(from, to, dyff.KubernetesEntityDetection(false))
	if err != nil {
		return nil, err
	}
	var fields []Field
	for _, d := range report.Diffs {
		p := fieldPath(d.Path)
		for _, det := range d.Details {
			switch det.Kind {
			case dyff.ADDITION:
				fields = append(fields, perKey(p, Added, det.To)...)
			case dyff.REMOVAL:
				fields = append(fields, perKey(p, Removed, det.From)...)
			case dyff.ORDERCHANGE:
				fields = append(fields, Field{Path: p, Change: Reordered, From: text(det.From), To: text(det.To)})
			default:
				fields = append(fields, Field{Path: p, Change: Modified, From: text(det.From), To: text(det.To)})
			}
		}
	}
	return fields, nil
}

// perKey splits the keys dyff reports added to or removed from a map
// into one field each; list entries stay together.
func perKey(p string, c Kind, n *yaml.Node) []Field {
	if n == nil || n.Kind != yaml.MappingNode {
		f := Field{Path: p, Change: c}
		if c == Added {
			f.To = text(n)
		} else {
			f.From = text(n)
		}
		return []Field{f}
	}
	var fields []Field
	for i := 0; i+1 < len(n.Content); i += 2 {
		fields = append(fields, perKey(join(p, n.Content[i].Value), c, n.Content[i+1])...)
	}
	return fields
}

// document wraps decoded content as dyff's input.
func document(content map[string]any) (ytbx.InputFile, error) {
	var n yaml.Node
	if err := n.Encode(content); err != nil {
		return ytbx.InputFile{}, err
	}
	return ytbx.InputFile{Documents: []*yaml.Node{{Kind: yaml.DocumentNode, Content: []*yaml.Node{&n}}}}, nil
}

// text renders a value of a field diff as YAML: a scalar on its own, a
// list or map as a block.
func text(n *yaml.Node) string {
	if n == nil {
		return ""
	}
	if n.Kind == yaml.ScalarNode {
		return n.Value
	}
	data, err := yaml.Marshal(n)
	if err != nil {
		return fmt.Sprintf("(%v)", err)
	}
	return strings.TrimSuffix(string(data), "\n")
}

// fieldPath writes dyff's path as the dotted path findings use:
// spec.template.spec.containers[name=web].image.
func fieldPath(p *ytbx.Path) string {
	if p == nil {
		return ""
	}
	var b strings.Builder
	for _, e := range p.PathElements {
		switch {
		case e.Key != "":
			fmt.Fprintf(&b, "[%s=%s]", e.Key, e.Name)
		case e.Name != "":
			s := join(b.String(), e.Name)
			b.Reset()
			b.WriteString(s)
		default:
			fmt.Fprintf(&b, "[%d]", e.Idx)
		}
	}
	return b.String()
}

// join appends a map key to a dotted path, quoting a key with dots.
func join(p, key string) string {
	if strings.ContainsAny(key, ".[]") {
		return p + fmt.Sprintf("[%q]", key)
	}
	if p == "" {
		return key
	}
	return p + "." + key
}

// prune returns a copy of content without the ignored fields.
func prune(content map[string]any, opts Options) map[string]any {
	out := copyMap(content, opts)
	for _, p := range opts.IgnoredFields {
		parts := strings.Split(p, ".")
		m := out
		for _, part := range parts[:len(parts)-1] {
			next, ok := m[part].(map[string]any)
			if !ok {
				m = nil
				break
			}
			m = next
		}
		if m != nil {
			delete(m, parts[len(parts)-1])
		}
	}
	return out
}

// copyMap deep-copies a map, leaving out ignored labels and annotations
// of every metadata block on the way.
func copyMap(m map[string]any, opts Options) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = copyValue(v, opts)
		if k != "metadata" {
			continue
		}
		md, ok := out[k].(map[string]any)
		if !ok {
			continue
		}
		drop(md, "labels", opts.IgnoredLabels)
		drop(md, "annotations", opts.IgnoredAnnotations)
	}
	return out
}

func copyValue(v any, opts Options) any {
	switch v := v.(type) {
	case map[string]any:
		return copyMap(v, opts)
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = copyValue(e, opts)
		}
		return out
	}
	return v
}

// drop removes the keys of md[field] that match patterns, and the map
// itself when nothing is left.
func drop(md map[string]any, field string, patterns []string) {
	m, ok := md[field].(map[string]any)
	if !ok {
		return
	}
	maps.DeleteFunc(m, func(k string, _ any) bool {
		return slices.ContainsFunc(patterns, func(p string) bool {
			ok, _ := path.Match(p, k)
			return ok
		})
	})
	if len(m) == 0 {
		delete(md, field)
	}
}

func isSecret(o *manifest.Object) bool { return o.Kind == "Secret" && o.Group() == "" }

// secretFields hold a Secret's values.
var secretFields = []string{"data", "stringData"}

// redactSecret replaces the values of a Secret at base and head, compared
// first, so that the diff says which keys changed and nothing more.
func redactSecret(base, head map[string]any) {
	for _, f := range secretFields {
		b, bok := base[f].(map[string]any)
		h, hok := head[f].(map[string]any)
		if !bok || !hok {
			// A side that is not a map (the schema check reports it) is
			// hidden whole.
			changed := !reflect.DeepEqual(base[f], head[f])
			hide(base, f, false)
			hide(head, f, changed)
		}
		for k, v := range h {
			bv, ok := b[k]
			h[k] = placeholder(!ok || !reflect.DeepEqual(bv, v))
		}
		for k := range b {
			b[k] = Redacted
		}
	}
}

// hide replaces m[f], when set and not a map, with a placeholder.
func hide(m map[string]any, f string, changed bool) {
	if v, ok := m[f]; ok {
		if _, isMap := v.(map[string]any); !isMap {
			m[f] = placeholder(changed)
		}
	}
}

func placeholder(changed bool) string {
	if changed {
		return RedactedChanged
	}
	return Redacted
}
