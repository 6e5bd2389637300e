package validate

import (
	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/syncgate/syncgate/manifest"
	"github.com/syncgate/syncgate/validate/internal/builtin"
)

// gvk identifies a kind in one API version.
type gvk struct{ group, version, kind string }

func gvkOf(obj *manifest.Object) gvk {
	return gvk{obj.Group(), obj.Version(), obj.Kind}
}

func (k gvk) apiVersion() string {
	if k.group == "" {
		return k.version
	}
	return k.group + "/" + k.version
}

// KubernetesVersions lists the Kubernetes minors whose schemas are built
// in ("1.31", ...), oldest first. The newest is the one a Validator checks
// against when Options.KubernetesVersion is empty.
func KubernetesVersions() []string { return builtin.Versions() }

// builtins is the embedded schema set of the target version.
type builtins struct {
	set   *builtin.Set
	kinds map[gvk]builtin.Kind
	defs  *definitions
	cache *schemaCache
	nodes *nodes

	// lifecycle of kinds the target version does not carry, read from
	// the other versions' sets on demand.
	otherOnce sync.Once
	other     map[gvk]builtin.Kind
}

func loadBuiltins(version string) (*builtins, error) {
	if version == "" {
		version = builtin.Newest()
	}
	set, err := builtin.Load(version)
	if err != nil {
		return nil, err
	}
	b := &builtins{set: set, kinds: make(map[gvk]builtin.Kind, len(set.Kinds)), defs: newDefinitions(set.Definitions),
		nodes: &nodes{raw: set.Definitions, dec: map[string]*node{}}}
	b.cache = newSchemaCache(b.defs.compiler())
	for _, k := range set.Kinds {
		b.kinds[gvk{k.Group, k.Version, k.Kind}] = k
	}
	return b, nil
}

// schema returns the compiled schema of a definition.
func (b *builtins) schema(def string) (*checker, error) {
	return b.cache.get(defURL(def), nil)
}

// lifecycle returns what the embedded sets know of a kind's lifecycle:
// from the target version's set, else from any other version's.
func (b *builtins) lifecycle(k gvk) (builtin.Kind, bool) {
	if bk, ok := b.kinds[k]; ok {
		return bk, true
	}
	b.loadOther()
	bk, ok := b.other[k]
	return bk, ok
}

// loadOther reads the kinds of the other versions' sets, once.
func (b *builtins) loadOther() {
	b.otherOnce.Do(func() {
		b.other = map[gvk]builtin.Kind{}
		for _, v := range builtin.Versions() {
			if v == b.set.Version {
				continue
			}
			set, err := builtin.Load(v)
			if err != nil {
				continue
			}
			for _, bk := range set.Kinds {
				b.other[gvk{bk.Group, bk.Version, bk.Kind}] = bk
			}
		}
	})
}

// lifecycleFindings reports a deprecated or removed API version, judged
// against the target version. removed says the object cannot be applied.
func (b *builtins) lifecycleFindings(obj *manifest.Object, k gvk) (findings []manifest.Finding, removed bool) {
	bk, ok := b.lifecycle(k)
	if !ok {
		return nil, false
	}
	target := b.set.Version
	instead := ""
	if bk.Replacement != "" {
		instead = "; use " + bk.Replacement
	}
	switch {
	case bk.Removed != "" && atLeast(target, bk.Removed):
		msg := fmt.Sprintf("%s %s was removed in Kubernetes %s and is not served by %s%s", k.apiVersion(), k.kind, bk.Removed, target, instead)
		return []manifest.Finding{finding(obj, RuleRemovedAPI, "", msg)}, true
	case bk.Deprecated != "" && atLeast(target, bk.Deprecated):
		msg := fmt.Sprintf("%s %s is deprecated since Kubernetes %s", k.apiVersion(), k.kind, bk.Deprecated)
		if bk.Removed != "" {
			msg += fmt.Sprintf(" and removed in %s", bk.Removed)
		}
		return []manifest.Finding{finding(obj, RuleDeprecatedAPI, "", msg+instead)}, false
	}
	return nil, false
}

// atLeast compares "major.minor" versions.
func atLeast(v, min string) bool {
	vm, vn := majorMinor(v)
	mm, mn := majorMinor(min)
	return vm > mm || vm == mm && vn >= mn
}

func majorMinor(v string) (int, int) {
	v = strings.TrimPrefix(v, "v")
	majorS, rest, _ := strings.Cut(v, ".")
	minorS, _, _ := strings.Cut(rest, ".")
	major, _ := strconv.Atoi(majorS)
	minor, _ := strconv.Atoi(minorS)
	return major, minor
}
