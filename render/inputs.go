package render

import (
	"io/fs"
	"maps"
	"path"
	"slices"
	"strings"
)

// maxInputDirs bounds the walk over kustomization references, so that a
// repository of many nested bases cannot make it run long.
const maxInputDirs = 10000

// Inputs returns the files and directories of fsys that rendering t reads,
// found without rendering: the target's directory, every local base and
// component, the files a kustomization loads, its helmCharts' charts,
// values files (and --set-file files, valuesFrom objects' files) and a
// chart's file:// dependencies. A changed file under
// any of them may change what t renders, which is how a pre-commit hook's
// file list maps to targets. Sorted, without duplicates.
func Inputs(fsys fs.FS, t Target) []string {
	seen := map[string]bool{}
	var visit func(dir string)
	visit = func(dir string) {
		dir = path.Clean(dir)
		if seen[dir] || len(seen) >= maxInputDirs {
			return
		}
		seen[dir] = true
		file, err := findKustomization(fsys, dir)
		if err != nil {
			for _, dep := range localChartDependencies(fsys, dir) {
				visit(dep)
			}
			return
		}
		k, err := readKustomization(fsys, file)
		if err != nil {
			return
		}
		for _, ref := range k.localRefs() {
			visit(path.Join(dir, ref))
		}
		for _, f := range k.files {
			if !isRemote(f) {
				seen[path.Join(dir, f)] = true
			}
		}
		for _, chart := range k.helmCharts {
			visit(k.chartDir(dir, chart))
			for _, f := range slices.Concat([]string{chart.ValuesFile}, chart.AdditionalValuesFiles) {
				if f != "" && !isRemote(f) {
					seen[path.Join(dir, f)] = true
				}
			}
		}
	}
	if t.Chart == nil { // a cached chart is outside the repository
		visit(t.Path)
	}
	for _, f := range t.ValuesFiles {
		seen[path.Clean(f)] = true
	}
	for _, s := range t.SetFiles {
		if _, f, ok := strings.Cut(s, "="); ok {
			seen[path.Clean(f)] = true
		}
	}
	for _, ref := range t.ValuesFrom {
		if ref.File != "" {
			seen[ref.File] = true
		}
	}
	return slices.Sorted(maps.Keys(seen))
}

// Affects reports whether file, relative to the repository root, is one of
// inputs or lies under one of them.
func Affects(inputs []string, file string) bool {
	file = path.Clean(file)
	for _, in := range inputs {
		if in == "." || file == in || strings.HasPrefix(file, in+"/") {
			return true
		}
	}
	return false
}
