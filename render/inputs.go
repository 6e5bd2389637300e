package render

import (
	"io/fs"
	"maps"
	"path"
	"slices"
	"strings"

	"github.com/syncgate/syncgate/internal/memo"
)

// maxInputDirs bounds the walk over kustomization references, so that a
// repository of many nested bases cannot make it run long.
const maxInputDirs = 10000

// InputFinder finds the inputs of targets of one repository, reading each
// directory's kustomization once for all the targets that share it (the
// overlays of a base). It is safe for concurrent use; the repository must
// not change while it is used.
type InputFinder struct {
	fsys fs.FS
	dirs memo.Map[string, []input]
	// from, when set, answers for the directories same reports.
	from *InputFinder
	same func(dir string) bool
}

// input is one thing a directory adds to a target's inputs, in the order
// it adds them: a directory it refers to, visited in turn, or a file.
type input struct {
	path string
	dir  bool
}

// NewInputFinder returns an InputFinder of fsys.
func NewInputFinder(fsys fs.FS) *InputFinder {
	return &InputFinder{fsys: fsys}
}

// Reuse makes f take from's answer, for another revision of the
// repository, for each directory that same reports the same in both:
// what a directory adds to inputs depends only on the files in it, so a
// pre-merge check finds the inputs of the base's unchanged directories
// once, at head. Call it before f is used.
func (f *InputFinder) Reuse(from *InputFinder, same func(dir string) bool) {
	f.from, f.same = from, same
}

// dirInputs is what dir adds to inputs, read once.
func (f *InputFinder) dirInputs(dir string) []input {
	return f.dirs.Get(dir, func() []input {
		if f.from != nil && f.same(dir) {
			return f.from.dirInputs(dir)
		}
		return readDirInputs(f.fsys, dir)
	})
}

// Inputs returns the files and directories of the repository that
// rendering t reads, found without rendering: the target's directory,
// every local base and component, the files a kustomization loads, its
// helmCharts' charts, values files (and --set-file files, valuesFrom
// objects' files) and a chart's file:// dependencies; for a target of an
// artifact, what its copy rules read. A changed file under any of them
// may change what t renders, which is how a pre-commit hook's file list
// maps to targets. Sorted, without duplicates.
func (f *InputFinder) Inputs(t Target) []string {
	seen := map[string]bool{}
	var visit func(dir string)
	visit = func(dir string) {
		dir = path.Clean(dir)
		if seen[dir] || len(seen) >= maxInputDirs {
			return
		}
		seen[dir] = true
		for _, in := range f.dirInputs(dir) {
			if in.dir {
				visit(in.path)
			} else {
				seen[in.path] = true
			}
		}
	}
	switch {
	case t.Artifact != nil:
		for _, in := range artifactInputs(t.Artifact) {
			seen[in] = true
		}
	case t.Chart == nil: // a cached chart is outside the repository
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

// readDirInputs reads what directory dir adds to inputs. A resource may
// be a file: asking for a kustomization or chart in it would only fail.
func readDirInputs(fsys fs.FS, dir string) []input {
	if info, err := fs.Stat(fsys, dir); err != nil || !info.IsDir() {
		return nil
	}
	var in []input
	file, err := findKustomization(fsys, dir)
	if err != nil {
		for _, dep := range localChartDependencies(fsys, dir) {
			in = append(in, input{dep, true})
		}
		return in
	}
	k, err := readKustomization(fsys, file)
	if err != nil {
		return nil
	}
	for _, ref := range k.localRefs() {
		in = append(in, input{path.Join(dir, ref), true})
	}
	for _, f := range k.files {
		if !isRemote(f) {
			in = append(in, input{path.Join(dir, f), false})
		}
	}
	for _, chart := range k.helmCharts {
		in = append(in, input{k.chartDir(dir, chart), true})
		for _, f := range slices.Concat([]string{chart.ValuesFile}, chart.AdditionalValuesFiles) {
			if f != "" && !isRemote(f) {
				in = append(in, input{path.Join(dir, f), false})
			}
		}
	}
	return in
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

// artifactInputs are the generator's file and, for each copy rule, the
// repository directory below which its pattern matches (the path itself
// when it has no glob): a file added there may be copied too.
func artifactInputs(a *Artifact) []string {
	file, _ := a.GeneratedAt()
	out := []string{file}
	for _, rule := range a.Copy {
		alias, pattern, err := CopySource(rule.From)
		root, ok := a.Sources[alias]
		if err != nil || !ok || inside(pattern) != nil {
			continue // the render reports the rule
		}
		var fixed []string
		for _, seg := range strings.Split(pattern, "/") {
			if strings.ContainsAny(seg, "*?[]") {
				break
			}
			fixed = append(fixed, seg)
		}
		out = append(out, path.Join(root, path.Join(fixed...)))
	}
	return out
}
