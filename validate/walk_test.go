package validate

import (
	"maps"
	"slices"
	"strings"
	"testing"
)

// TestNodeRelevance checks the walk's marks, made once per definition
// with references back counted as relevant, against a plain search of
// the whole graph: a node is relevant when a quantity or a keyed list is
// reachable from it. A node marked irrelevant that is would hide
// findings; one marked relevant that is not only costs time.
func TestNodeRelevance(t *testing.T) {
	b, err := loadBuiltins("")
	if err != nil {
		t.Fatal(err)
	}
	var relevant, over, all int
	for _, name := range slices.Sorted(maps.Keys(b.set.Definitions)) {
		var check func(nd *node, at string)
		check = func(nd *node, at string) {
			all++
			want := reachable(b.nodes, nd, map[*node]bool{})
			switch {
			case want && !nd.relevant:
				t.Errorf("%s: marked irrelevant, but a quantity or keyed list is reachable", at)
			case nd.relevant && !want:
				over++
			}
			if want {
				relevant++
			}
			for _, k := range slices.Sorted(maps.Keys(nd.Properties)) {
				if p := nd.Properties[k]; p != nil {
					check(p, at+"."+k)
				}
			}
			if nd.additional != nil {
				check(nd.additional, at+".*")
			}
			if nd.Items != nil {
				check(nd.Items, at+"[]")
			}
		}
		if d := b.nodes.get(name); d != nil {
			check(d, name)
		}
	}
	t.Logf("%d of %d schema nodes relevant to the walk, %d more marked so", relevant, all, over)
}

func reachable(n *nodes, nd *node, seen map[*node]bool) bool {
	if nd == nil || seen[nd] {
		return false
	}
	seen[nd] = true
	if nd.ListType == "map" && len(nd.ListMapKeys) > 0 {
		return true
	}
	if nd.Ref != "" {
		def := strings.TrimPrefix(nd.Ref, "#/definitions/")
		if def == quantityDef || reachable(n, n.get(def), seen) {
			return true
		}
	}
	for _, p := range nd.Properties {
		if reachable(n, p, seen) {
			return true
		}
	}
	return reachable(n, nd.additional, seen) || reachable(n, nd.Items, seen)
}
