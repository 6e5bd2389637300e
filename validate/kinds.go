package validate

import (
	"fmt"
	"slices"
	"strings"

	"github.com/agnivade/levenshtein"
	"k8s.io/apimachinery/pkg/version"

	"github.com/syncgate/syncgate/manifest"
	"github.com/syncgate/syncgate/validate/internal/builtin"
)

// unknownKindFinding reports an object whose group is one of Kubernetes'
// own but whose kind, or kind and version, no Kubernetes version serves:
// a typo the API server would refuse with "no matches for kind", not a
// kind whose schema is missing. CRDs cannot define kinds in these groups.
// ok is false when the group is not a built-in one or the kind is known
// in some version (then it is a lifecycle matter).
func (b *builtins) unknownKindFinding(obj *manifest.Object, k gvk) (f manifest.Finding, ok bool) {
	if _, known := b.lifecycle(k); known || !b.builtinGroup(k.group) {
		return manifest.Finding{}, false
	}
	served := b.groupKinds(k.group)
	msg := fmt.Sprintf("%s %s is not a Kubernetes %s API", k.apiVersion(), k.kind, b.set.Version)
	field := "kind"
	switch near, found := nearestKind(served, k); {
	case found && near.Kind == k.kind:
		field = "apiVersion"
		msg += fmt.Sprintf("; did you mean %s %s?", near.APIVersion(), near.Kind)
	case found:
		msg += fmt.Sprintf("; did you mean %s %s?", near.APIVersion(), near.Kind)
	case len(served) > 0:
		var names []string
		for _, s := range served {
			if !slices.Contains(names, s.Kind) {
				names = append(names, s.Kind)
			}
		}
		slices.Sort(names)
		msg += fmt.Sprintf("; group %q serves %s", k.group, strings.Join(names, ", "))
	}
	return finding(obj, RuleUnknownKind, field, msg), true
}

// builtinGroup reports whether any embedded version serves the group.
func (b *builtins) builtinGroup(group string) bool {
	for _, bk := range b.set.Kinds {
		if bk.Group == group {
			return true
		}
	}
	b.loadOther()
	for k := range b.other {
		if k.group == group {
			return true
		}
	}
	return false
}

// groupKinds returns the kinds the target version serves in a group (not
// removed by it), the preferred version of each kind first (v1 before
// v1beta1).
func (b *builtins) groupKinds(group string) []builtin.Kind {
	var kinds []builtin.Kind
	for _, bk := range b.set.Kinds {
		if bk.Group == group && (bk.Removed == "" || !atLeast(b.set.Version, bk.Removed)) {
			kinds = append(kinds, bk)
		}
	}
	slices.SortStableFunc(kinds, func(x, y builtin.Kind) int {
		return -version.CompareKubeAwareVersionStrings(x.Version, y.Version)
	})
	return kinds
}

// maxKindDistance is the most edits a kind may be from a known one to be
// suggested: a letter or two, more for long kinds.
func maxKindDistance(kind string) int { return max(2, len(kind)/4) }

// nearestKind picks the served kind an unknown one most likely means: the
// same kind in the same version; else one differing only in case, in the
// object's version if served there; else the closest by edit distance
// within maxKindDistance. Kinds come in preference order, which breaks
// ties.
func nearestKind(served []builtin.Kind, k gvk) (builtin.Kind, bool) {
	best, bestScore := builtin.Kind{}, -1
	for _, s := range served {
		var score int
		switch {
		case strings.EqualFold(s.Kind, k.kind):
			score = 0 // the kind in another version, or in other case
			if s.Version != k.version {
				score = 1
			}
		default:
			d := levenshtein.ComputeDistance(strings.ToLower(s.Kind), strings.ToLower(k.kind))
			if d > maxKindDistance(k.kind) {
				continue
			}
			score = 2 + 2*d
			if s.Version != k.version {
				score++
			}
		}
		if bestScore < 0 || score < bestScore {
			best, bestScore = s, score
		}
	}
	return best, bestScore >= 0
}
