package syncgate

import (
	"context"
	"fmt"
	"maps"
	"os"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/syncgate/syncgate/manifest"
	"github.com/syncgate/syncgate/render"
)

// TestEngineCompare prints, for each tree of SYNCGATE_ENGINE_TREES
// ("DIR=REPOURL ...", as scripts/engine-compare.sh passes the public
// trees), the targets found with engine discovery off and on, and what
// each engine target renders differently from the directory target at
// its path. Without the variable it compares testdata/engine/appofapps,
// and fails on any error, so that the comparison itself stays tested.
func TestEngineCompare(t *testing.T) {
	trees := strings.Fields(os.Getenv("SYNCGATE_ENGINE_TREES"))
	emit := func(s string) { fmt.Print(s) }
	if len(trees) == 0 {
		emit = func(s string) { t.Log("\n" + s) }
		trees = []string{"testdata/engine/appofapps=https://github.com/example/fleet"}
	}
	for _, tree := range trees {
		dir, url, _ := strings.Cut(tree, "=")
		var out strings.Builder
		if err := compareEngine(&out, dir, url); err != nil {
			t.Fatalf("%s: %v", dir, err)
		}
		emit(out.String())
	}
}

func compareEngine(out *strings.Builder, dir, url string) error {
	ctx := context.Background()
	src, err := OpenRoot(dir)
	if err != nil {
		return err
	}
	defer src.Close()
	found := map[bool][]render.Target{}
	gates := map[bool]*Gate{}
	for _, disabled := range []bool{true, false} {
		opts := DefaultOptions()
		opts.Stages = nil
		opts.Engine.RepoURL = url
		opts.Engine.Disabled = disabled
		g, err := New(ctx, opts)
		if err != nil {
			return err
		}
		defer g.Close()
		if found[disabled], err = g.Targets(ctx, src); err != nil {
			return err
		}
		gates[disabled] = g
	}
	off, on := found[true], found[false]
	var engine, skipped, dirs int
	for _, t := range on {
		switch {
		case t.Engine == "":
			dirs++
		case t.Skipped != "":
			skipped++
		default:
			engine++
		}
	}
	fmt.Fprintf(out, "tree %s\n  engine off: %d targets\n  engine on:  %d targets: %d engine, %d engine skipped, %d directory\n",
		dir, len(off), len(on), engine, skipped, dirs)
	reasons := map[string]int{}
	for _, t := range on {
		if t.Engine != "" && t.Skipped != "" {
			r, _, _ := strings.Cut(t.Skipped, ":")
			reasons[r]++
		}
	}
	for _, r := range slices.Sorted(maps.Keys(reasons)) {
		fmt.Fprintf(out, "    skipped %3d  %s\n", reasons[r], r)
	}
	byPath := map[string]render.Target{}
	for _, t := range off {
		byPath[t.Path] = t
	}
	// Each engine target, then the directory target at its path if any.
	var list []render.Target
	for _, t := range on {
		if t.Engine != "" && t.Skipped == "" {
			list = append(list, t)
			if d, ok := byPath[t.Path]; ok {
				list = append(list, d)
			}
		}
	}
	results, _, err := gates[false].render(ctx, src, "", list, nil)
	if err != nil {
		return err
	}
	for i := 0; i < len(results); i++ {
		e, d := results[i], (*render.Result)(nil)
		if i+1 < len(results) && results[i+1].Target.Engine == "" {
			d = results[i+1]
			i++
		}
		fmt.Fprintf(out, "  %s (%s, %s)\n    %s\n", e.Target.Name, e.Target.Path, e.Target.DefinedBy, renderDiff(d, e))
	}
	return nil
}

// renderDiff says how the engine target's objects differ from the
// directory target's: objects only in one, and the fields that differ.
func renderDiff(dir, eng *render.Result) string {
	switch {
	case dir == nil:
		return fmt.Sprintf("no directory target at this path; engine renders %s", count(eng))
	case eng.Err != nil || dir.Err != nil:
		return fmt.Sprintf("directory renders %s; engine renders %s", count(dir), count(eng))
	}
	index := func(objs []*manifest.Object) map[string]map[string]any {
		m := map[string]map[string]any{}
		for _, o := range objs {
			meta, _ := o.Content["metadata"].(map[string]any)
			m[fmt.Sprint(o.Content["kind"], "/", meta["name"])] = o.Content
		}
		return m
	}
	a, b := index(dir.Objects), index(eng.Objects)
	var only []string
	fields := map[string]int{}
	for k, obj := range b {
		if old, ok := a[k]; !ok {
			only = append(only, "+"+k)
		} else {
			diffFields("", old, obj, 3, fields)
		}
	}
	for k := range a {
		if _, ok := b[k]; !ok {
			only = append(only, "-"+k)
		}
	}
	if len(only) == 0 && len(fields) == 0 {
		return fmt.Sprintf("same %d objects", len(eng.Objects))
	}
	sort.Strings(only)
	var parts []string
	for _, f := range slices.Sorted(maps.Keys(fields)) {
		parts = append(parts, fmt.Sprintf("%s (%d)", f, fields[f]))
	}
	return fmt.Sprintf("directory %d objects, engine %d; objects by kind/name %s; fields differing (objects): %s",
		len(dir.Objects), len(eng.Objects), orNone(only), orNone(parts))
}

func count(r *render.Result) string {
	if r.Err != nil {
		return "an error: " + firstLine(r.Err.Error())
	}
	return fmt.Sprintf("%d objects", len(r.Objects))
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	if len(s) > 160 {
		s = s[:160] + "..."
	}
	return s
}

func orNone(s []string) string {
	if len(s) == 0 {
		return "none"
	}
	if len(s) > 8 {
		s = append(slices.Clone(s[:8]), fmt.Sprintf("... %d more", len(s)-8))
	}
	return strings.Join(s, ", ")
}

// diffFields counts the paths, depth levels deep, at which a and b differ.
func diffFields(prefix string, a, b any, depth int, fields map[string]int) {
	am, aok := a.(map[string]any)
	bm, bok := b.(map[string]any)
	if !aok || !bok || depth == 0 {
		if !reflect.DeepEqual(a, b) {
			fields[strings.TrimPrefix(prefix, ".")]++
		}
		return
	}
	for k := range am {
		diffFields(prefix+"."+k, am[k], bm[k], depth-1, fields)
	}
	for k := range bm {
		if _, ok := am[k]; !ok {
			diffFields(prefix+"."+k, nil, bm[k], depth-1, fields)
		}
	}
}
