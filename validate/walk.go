package validate

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync"

	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/syncgate/syncgate/manifest"
)

// quantityDef is the definition of resource.Quantity: requests, limits,
// capacities and sizes refer to it, so the schema says where quantities
// are without a list of paths.
const quantityDef = "io.k8s.apimachinery.pkg.api.resource.Quantity"

// node is the part of a schema the semantic walk follows: where fields
// lead, which lists are keyed maps, where quantities sit.
type node struct {
	Ref                  string           `json:"$ref"`
	Properties           map[string]*node `json:"properties"`
	Items                *node            `json:"items"`
	AdditionalProperties json.RawMessage  `json:"additionalProperties"`
	ListType             string           `json:"x-kubernetes-list-type"`
	ListMapKeys          []string         `json:"x-kubernetes-list-map-keys"`

	additional *node // AdditionalProperties when it is a schema
	// refDef is the definition Ref names, and target that definition,
	// resolved when the node is marked, so that the walk takes no lock.
	refDef string
	target *node
	// relevant says the walk has work at or below the node, its
	// reference's definition included: a quantity or a keyed list. Most
	// of an object (labels, images, commands) has none.
	relevant bool
}

// nodes decodes definitions for the walk on first use.
type nodes struct {
	raw map[string]json.RawMessage
	mu  sync.Mutex
	dec map[string]*node
	// loading are the definitions being marked: one that refers back to
	// itself counts as relevant, as it may be.
	loading map[string]bool
}

func (n *nodes) get(name string) *node {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.load(name)
}

// load decodes a definition and marks it, loading the definitions it
// refers to.
func (n *nodes) load(name string) *node {
	if d, ok := n.dec[name]; ok {
		return d
	}
	var d *node
	if raw, ok := n.raw[name]; ok {
		d = &node{}
		if json.Unmarshal(raw, d) != nil {
			d = nil
		} else {
			d.prepare()
		}
	}
	n.dec[name] = d
	if d != nil {
		if n.loading == nil {
			n.loading = map[string]bool{}
		}
		n.loading[name] = true
		n.mark(d)
		delete(n.loading, name)
	}
	return d
}

// mark sets relevant throughout nd and returns nd's.
func (n *nodes) mark(nd *node) bool {
	r := nd.ListType == "map" && len(nd.ListMapKeys) > 0
	if nd.Ref != "" {
		nd.refDef = strings.TrimPrefix(nd.Ref, "#/definitions/")
		if nd.refDef != quantityDef {
			nd.target = n.load(nd.refDef)
		}
		if nd.refDef == quantityDef || n.loading[nd.refDef] || nd.target != nil && nd.target.relevant {
			r = true
		}
	}
	for _, p := range nd.Properties {
		if p != nil && n.mark(p) {
			r = true
		}
	}
	if nd.additional != nil && n.mark(nd.additional) {
		r = true
	}
	if nd.Items != nil && n.mark(nd.Items) {
		r = true
	}
	nd.relevant = r
	return r
}

// prepare decodes additionalProperties schemas throughout the node.
func (nd *node) prepare() {
	if len(nd.AdditionalProperties) > 0 && nd.AdditionalProperties[0] == '{' {
		nd.additional = &node{}
		if json.Unmarshal(nd.AdditionalProperties, nd.additional) == nil {
			nd.additional.prepare()
		} else {
			nd.additional = nil
		}
	}
	for _, p := range nd.Properties {
		if p != nil {
			p.prepare()
		}
	}
	if nd.Items != nil {
		nd.Items.prepare()
	}
}

// walk runs the semantic checks the schema locates, quantities and
// list-map keys, over a built-in object.
func (b *builtins) walk(obj *manifest.Object, def string) []manifest.Finding {
	w := walker{obj: obj}
	w.visit(obj.Content, b.nodes.get(def), "", "")
	return w.findings
}

type walker struct {
	obj      *manifest.Object
	findings []manifest.Finding
	// at is the path to the value visited: joined into a field only for
	// a finding, as most values have none.
	at []manifest.FieldStep
}

// field is the dotted path to the value visited ("spec.ports[0]").
func (w *walker) field() string { return manifest.JoinField(w.at) }

// visit checks value against nd. owner and key name the definition's
// property that holds value (io.k8s.api.core.v1.Container and env); key
// is "" for list items, additional properties and the root.
func (w *walker) visit(value any, nd *node, owner, key string) {
	def := ""
	for nd != nil && nd.Ref != "" {
		def = nd.refDef
		if def == quantityDef {
			w.quantity(value)
			return
		}
		nd = nd.target
	}
	if nd == nil || value == nil || !nd.relevant {
		return
	}
	switch v := value.(type) {
	case map[string]any:
		for k, child := range v {
			p, ok := nd.Properties[k]
			owner, key := def, k
			if !ok {
				p, owner, key = nd.additional, "", ""
			}
			if p == nil || !p.relevant {
				continue
			}
			w.at = append(w.at, manifest.FieldStep{Key: k, Index: -1})
			w.visit(child, p, owner, key)
			w.at = w.at[:len(w.at)-1]
		}
	case []any:
		// One item cannot repeat a key.
		if nd.ListType == "map" && len(nd.ListMapKeys) > 0 && len(v) > 1 {
			rule, special := "", false
			if key != "" {
				rule, special = duplicateRules[owner+"."+key]
			}
			if !special {
				rule = RuleDuplicateKey
			}
			if rule != "" {
				w.duplicates(v, nd.ListMapKeys, rule)
			}
		}
		if nd.Items != nil && nd.Items.relevant {
			for i, item := range v {
				w.at = append(w.at, manifest.FieldStep{Index: i})
				w.visit(item, nd.Items, "", "")
				w.at = w.at[:len(w.at)-1]
			}
		}
	}
}

// quantity checks a quantity as the API server's decoder does.
func (w *walker) quantity(value any) {
	s, ok := value.(string)
	if !ok {
		return
	}
	if _, err := resource.ParseQuantity(s); err != nil {
		w.findings = append(w.findings, finding(w.obj, RuleQuantity, w.field(), fmt.Sprintf("Invalid value: %q: %v", s, err)))
	}
}

// duplicateRules are the keyed lists whose repeated keys are not plain
// RuleDuplicateKey errors. The API server accepts repeated env vars (a
// later one hides an earlier), container ports, host aliases and image
// pull secrets with a warning (pkg/api/pod/warnings.go): RuleDuplicateEntry
// warnings. Topology spread constraints and resource claims are checked
// natively (podSpecFindings, resourceFindings), where the server names
// them differently: "" leaves them to those checks.
var duplicateRules = map[string]string{
	"io.k8s.api.core.v1.Container.env":                     RuleDuplicateEntry,
	"io.k8s.api.core.v1.Container.ports":                   RuleDuplicateEntry,
	"io.k8s.api.core.v1.EphemeralContainer.env":            RuleDuplicateEntry,
	"io.k8s.api.core.v1.EphemeralContainer.ports":          RuleDuplicateEntry,
	"io.k8s.api.core.v1.PodSpec.hostAliases":               RuleDuplicateEntry,
	"io.k8s.api.core.v1.PodSpec.imagePullSecrets":          RuleDuplicateEntry,
	"io.k8s.api.core.v1.PodSpec.topologySpreadConstraints": "",
	"io.k8s.api.core.v1.ResourceRequirements.claims":       "",
}

// duplicates reports, as rule, items of a keyed list that repeat an
// earlier item's key. A key field the item leaves out counts as unset.
func (w *walker) duplicates(items []any, keys []string, rule string) {
	seen := map[string]bool{}
	for i, item := range items {
		m, ok := item.(map[string]any)
		if !ok {
			continue
		}
		parts := make([]string, len(keys))
		for j, k := range keys {
			parts[j] = scalarText(m[k])
		}
		id := strings.Join(parts, "\x00")
		if !seen[id] {
			seen[id] = true
			continue
		}
		field := fmt.Sprintf("%s[%d]", w.field(), i)
		var msg string
		if len(keys) == 1 {
			field += "." + keys[0]
			msg = "Duplicate value: " + parts[0]
		} else {
			desc := make([]string, len(keys))
			for j, k := range keys {
				desc[j] = k + "=" + parts[j]
			}
			msg = "Duplicate value: " + strings.Join(desc, ", ")
		}
		w.findings = append(w.findings, finding(w.obj, rule, field, msg))
	}
}

// scalarText renders a list-map key value for a message.
func scalarText(v any) string {
	switch s := v.(type) {
	case nil:
		return "<unset>"
	case string:
		return fmt.Sprintf("%q", s)
	}
	return fmt.Sprint(v)
}
