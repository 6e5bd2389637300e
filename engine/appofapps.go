package engine

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"

	"github.com/syncgate/syncgate/render"
)

// MaxDepth bounds app-of-apps discovery: how many charts deep, from an
// engine object in a file or a directory chart, the engine objects that
// charts render are followed. Charts deeper that render engine objects
// are listed as skipped.
const MaxDepth = 4

// maxChartScan bounds the bytes of a chart's templates read to decide
// whether it renders engine objects.
const maxChartScan = 10 << 20

// RenderFunc renders targets, returning one result per target in order.
type RenderFunc func(targets []render.Target) ([]*render.Result, error)

// node is a target found during app-of-apps discovery with the charts
// that rendered the object defining it, outermost first.
type node struct {
	t      render.Target
	chain  []string // ChartKey of each chart
	charts []string // its path, for messages
}

// AppOfApps adds to targets (the result of Discover merged with directory
// discovery) the targets that engine objects rendered by charts define,
// as an app-of-apps chart renders Applications. Charts are rendered
// breadth first: engine targets first, then the directory charts no
// engine target covers. A rendered target with the same path and options
// as one already found is the same target and is dropped: a root
// Application that renders itself, or two charts that render the same
// Application. One that repeats a chart further up its own chain is a
// cycle, listed as a skipped target at the object that closes it. Charts
// at MaxDepth that render engine objects are listed as skipped. Directory
// targets the new engine targets cover are dropped, as Merge drops them.
func AppOfApps(fsys fs.FS, targets []render.Target, opts Options, renderAll RenderFunc) ([]render.Target, error) {
	opts = opts.withCharts() // every level reads the chart cache once
	names, keys := map[string]bool{}, map[string]bool{}
	var pending []node
	for _, t := range targets {
		names[t.Name] = true
		if t.Engine != "" && t.Skipped == "" {
			keys[ChartKey(t)] = true
			pending = append(pending, node{t: t})
		}
	}
	rendered := map[string]bool{}
	dirsDone, added := false, false
	for {
		var charts []node
		for _, n := range pending {
			key := ChartKey(n.t)
			switch {
			case rendered[key] || !RendersEngineObjects(fsys, n.t):
			case len(n.chain) == MaxDepth:
				targets = append(targets, unique(names, cut(n)))
			default:
				rendered[key] = true
				charts = append(charts, n)
			}
		}
		if len(charts) == 0 && !dirsDone {
			// Directory charts last: an engine object may render them
			// with its own options, and then they are no target of their own.
			dirsDone = true
			for _, t := range Merge(dirTargets(targets), engineTargets(targets)) {
				if t.Engine == "" && !rendered[ChartKey(t)] && RendersEngineObjects(fsys, t) {
					rendered[ChartKey(t)] = true
					charts = append(charts, node{t: t})
				}
			}
		}
		if len(charts) == 0 {
			break
		}
		list := make([]render.Target, len(charts))
		for i, n := range charts {
			list[i] = n.t
		}
		results, err := renderAll(list)
		if err != nil {
			return nil, err
		}
		pending = nil
		for i, res := range results {
			parent := charts[i]
			chain := append(slices.Clone(parent.chain), ChartKey(parent.t))
			paths := append(slices.Clone(parent.charts), parent.t.Path)
			for _, t := range FromRendered(fsys, []*render.Result{res}, opts) {
				key := ChartKey(t)
				if at := slices.Index(chain, key); at >= 0 && at < len(chain)-1 && t.Skipped == "" {
					targets = append(targets, unique(names, cycle(t, append(paths[at:], t.Path))))
					continue
				}
				if t.Skipped == "" && keys[key] {
					continue
				}
				keys[key], added = true, true
				t = unique(names, t)
				targets = append(targets, t)
				pending = append(pending, node{t: t, chain: chain, charts: paths})
			}
		}
	}
	if !added {
		return targets, nil
	}
	return Merge(dirTargets(targets), engineTargets(targets)), nil
}

func dirTargets(targets []render.Target) []render.Target {
	return slices.DeleteFunc(slices.Clone(targets), func(t render.Target) bool { return t.Engine != "" })
}

func engineTargets(targets []render.Target) []render.Target {
	return slices.DeleteFunc(slices.Clone(targets), func(t render.Target) bool { return t.Engine == "" })
}

// unique gives t a name no other target has, as uniqueNames does for the
// objects of files, and records it.
func unique(names map[string]bool, t render.Target) render.Target {
	if names[t.Name] {
		t.Name += "@" + t.DefinedBy
	}
	names[t.Name] = true
	return t
}

// RendersEngineObjects reports whether t is a chart whose templates
// mention Argo CD's or Flux's API groups, so that what it renders may hold
// Applications, ApplicationSets, Kustomizations or HelmReleases (an
// app-of-apps chart). Only such charts are rendered during discovery.
func RendersEngineObjects(fsys fs.FS, t render.Target) bool {
	if t.Kind != render.KindHelm || t.Skipped != "" || t.Invalid != "" {
		return false
	}
	found, read := false, 0
	_ = fs.WalkDir(fsys, t.Path+"/templates", func(p string, d fs.DirEntry, err error) error {
		if err != nil || found || read > maxChartScan {
			return fs.SkipAll
		}
		if !d.Type().IsRegular() {
			return nil
		}
		data, err := fs.ReadFile(fsys, p)
		if err != nil {
			return nil
		}
		read += len(data)
		found = containsAny(data, engineMarkers)
		return nil
	})
	return found
}

// cut is the target that reports a chart at MaxDepth whose rendered
// engine objects discovery does not follow.
func cut(n node) render.Target {
	return render.Target{
		Name:      n.t.Name + "/app-of-apps",
		Kind:      n.t.Kind,
		Path:      n.t.Path,
		Engine:    cmp.Or(n.t.Engine, render.EngineArgoCD),
		DefinedBy: cmp.Or(n.t.DefinedBy, path.Join(n.t.Path, "Chart.yaml")),
		Skipped: fmt.Sprintf("app-of-apps discovery stops at depth %d (%s): the engine objects this chart renders are not followed",
			MaxDepth, strings.Join(append(n.charts, n.t.Path), " -> ")),
	}
}

// cycle is the skipped target for an engine object that renders a chart,
// with the same options, that is already in its own chain.
func cycle(t render.Target, charts []string) render.Target {
	t.Skipped = "app-of-apps cycle: " + strings.Join(charts, " -> ") + "; the chart is rendered once, for the first object in the chain"
	t.Invalid = ""
	return t
}

// ChartKey identifies what a target renders: its path and options,
// whatever object defines it.
func ChartKey(t render.Target) string {
	t.Name, t.DefinedBy, t.Engine = "", "", ""
	data, _ := json.Marshal(t)
	return string(data)
}
