package render

import (
	"archive/tar"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/bmatcuk/doublestar/v4"
	"go.yaml.in/yaml/v3"

	"helm.sh/helm/v4/pkg/chart/v2/loader"

	"github.com/syncgate/syncgate/manifest"
)

// Artifact is a Flux ExternalArtifact that an ArtifactGenerator
// (source-watcher) makes by copying files of its sources: the target
// renders from the artifact, its Path is a path inside it.
type Artifact struct {
	// Name is the ExternalArtifact's namespace/name.
	Name string `json:"name"`
	// GeneratedBy is the file and line ("file:line") of the
	// ArtifactGenerator: the copy rules' faults are reported there.
	GeneratedBy string `json:"generatedBy"`
	// Sources maps each alias the generator declares for a source that is
	// this repository to the repository directory the source holds ("."
	// for the whole repository).
	Sources map[string]string `json:"sources"`
	// Copy are the artifact's copy operations, in order.
	Copy []CopyRule `json:"copy"`
}

// CopyRule is one copy operation of an ArtifactGenerator, as written.
type CopyRule struct {
	// From is "@alias/pattern".
	From string `json:"from"`
	// To is "@artifact/path"; a trailing "/" makes it a directory.
	To       string   `json:"to"`
	Exclude  []string `json:"exclude,omitempty"`
	Strategy string   `json:"strategy,omitempty"`
}

// The copy strategies.
const (
	StrategyOverwrite = "Overwrite"
	StrategyMerge     = "Merge"
	StrategyExtract   = "Extract"
)

// Bounds on building one artifact. The files and bytes copied share the
// budget of a chart's archives; the rules and exclude patterns are
// bounded as the ArtifactGenerator CRD bounds them.
const (
	maxCopyRules    = 1000
	maxCopyExcludes = 100
)

// CopySource splits a copy operation's from into the source alias and
// the pattern inside that source.
func CopySource(from string) (alias, pattern string, err error) {
	rest, ok := strings.CutPrefix(from, "@")
	if !ok {
		return "", "", fmt.Errorf("from %q must start with '@'", from)
	}
	alias, pattern, ok = strings.Cut(rest, "/")
	if !ok || alias == "" {
		return "", "", fmt.Errorf("from %q must be '@alias/pattern'", from)
	}
	return alias, pattern, nil
}

// GeneratedAt splits GeneratedBy into file and line.
func (a *Artifact) GeneratedAt() (file string, line int) {
	file, line, _ = splitPlace(a.GeneratedBy)
	return file, line
}

// artifactFile is one file of an artifact.
type artifactFile struct {
	// from is the repository file it came from: the file it copies, the
	// last file merged into it, or the tarball it was extracted from.
	from string
	// data holds the bytes of a file that is not a plain copy; a copy is
	// read from the repository when opened.
	data []byte
	copy bool
	size int64
}

// artifactFS is an ExternalArtifact as source-watcher builds it, read-only
// and in memory: copies are read from the repository when opened.
type artifactFS struct {
	repo  fs.FS
	files map[string]artifactFile
	dirs  map[string]bool
	// children are each directory's entries, sorted; made once the copy
	// rules are applied.
	children map[string][]fs.DirEntry
}

// source returns the repository file an artifact path came from, and
// whether its lines are that file's.
func (a *artifactFS) source(p string) (file string, sameLines, ok bool) {
	f, ok := a.files[p]
	return f.from, f.copy, ok
}

func (a *artifactFS) Open(name string) (fs.File, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrInvalid}
	}
	if a.dirs[name] {
		return &openDir{artifactDir: artifactDir{name: path.Base(name)}, entries: a.children[name]}, nil
	}
	f, ok := a.files[name]
	if !ok {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	data := f.data
	if f.copy {
		var err error
		if data, err = fs.ReadFile(a.repo, f.from); err != nil {
			return nil, &fs.PathError{Op: "open", Path: name, Err: err}
		}
	}
	return &memFile{Reader: bytes.NewReader(data), name: path.Base(name)}, nil
}

func (a *artifactFS) Stat(name string) (fs.FileInfo, error) {
	if a.dirs[name] {
		return &artifactDir{name: path.Base(name)}, nil
	}
	f, ok := a.files[name]
	if !ok {
		return nil, &fs.PathError{Op: "stat", Path: name, Err: fs.ErrNotExist}
	}
	return &sizedInfo{name: path.Base(name), size: f.size}, nil
}

func (a *artifactFS) ReadDir(name string) ([]fs.DirEntry, error) {
	if !a.dirs[name] {
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: fs.ErrNotExist}
	}
	return slices.Clone(a.children[name]), nil
}

// index makes the directories' entries.
func (a *artifactFS) index() {
	a.children = map[string][]fs.DirEntry{}
	for p := range a.dirs {
		if p != "." {
			a.children[path.Dir(p)] = append(a.children[path.Dir(p)], fs.FileInfoToDirEntry(&artifactDir{name: path.Base(p)}))
		}
	}
	for p, f := range a.files {
		a.children[path.Dir(p)] = append(a.children[path.Dir(p)], fs.FileInfoToDirEntry(&sizedInfo{name: path.Base(p), size: f.size}))
	}
	for _, entries := range a.children {
		slices.SortFunc(entries, func(x, y fs.DirEntry) int { return strings.Compare(x.Name(), y.Name()) })
	}
}

// artifactDir is a directory of an artifact, opened or stated.
type artifactDir struct{ name string }

func (d *artifactDir) Stat() (fs.FileInfo, error) { return d, nil }
func (d *artifactDir) Read([]byte) (int, error) {
	return 0, &fs.PathError{Op: "read", Path: d.name, Err: errors.New("is a directory")}
}
func (d *artifactDir) Close() error       { return nil }
func (d *artifactDir) Name() string       { return d.name }
func (d *artifactDir) Size() int64        { return 0 }
func (d *artifactDir) Mode() fs.FileMode  { return fs.ModeDir | 0o555 }
func (d *artifactDir) ModTime() time.Time { return time.Time{} }
func (d *artifactDir) IsDir() bool        { return true }
func (d *artifactDir) Sys() any           { return nil }

// openDir is an open directory of an artifact: a file system laid over
// the artifact lists it through the handle.
type openDir struct {
	artifactDir
	entries []fs.DirEntry
}

func (d *openDir) ReadDir(n int) ([]fs.DirEntry, error) {
	if n <= 0 {
		out := d.entries
		d.entries = nil
		return out, nil
	}
	if len(d.entries) == 0 {
		return nil, io.EOF
	}
	out := d.entries[:min(n, len(d.entries))]
	d.entries = d.entries[len(out):]
	return out, nil
}

// sizedInfo describes a file of an artifact without reading it.
type sizedInfo struct {
	name string
	size int64
}

func (s *sizedInfo) Name() string       { return s.name }
func (s *sizedInfo) Size() int64        { return s.size }
func (s *sizedInfo) Mode() fs.FileMode  { return 0o444 }
func (s *sizedInfo) ModTime() time.Time { return time.Time{} }
func (s *sizedInfo) IsDir() bool        { return false }
func (s *sizedInfo) Sys() any           { return nil }

// artifactBuilder applies copy rules to an artifactFS.
type artifactBuilder struct {
	out    *artifactFS
	limits manifest.Limits
	// entries left: files copied, overwrites included, and the entries
	// of extracted tarballs, directories too.
	entries int
	bytes   int64 // bytes copied so far
}

// buildArtifact applies the artifact's copy rules to the repository as
// source-watcher does. Every fault is a SourceError at the generator.
func buildArtifact(repo fs.FS, art *Artifact, limits manifest.Limits) (*artifactFS, error) {
	file, line := art.GeneratedAt()
	fail := func(err error) error {
		return &manifest.SourceError{File: file, Line: line, Err: fmt.Errorf("artifact %s: %w", art.Name, err)}
	}
	if len(art.Copy) > maxCopyRules {
		return nil, fail(fmt.Errorf("%w: %d copy operations, the limit is %d", manifest.ErrLimit, len(art.Copy), maxCopyRules))
	}
	b := &artifactBuilder{out: &artifactFS{repo: repo, files: map[string]artifactFile{}, dirs: map[string]bool{".": true}}, limits: limits, entries: maxArchiveEntries}
	for i, rule := range art.Copy {
		if err := b.apply(art, rule); err != nil {
			return nil, fail(fmt.Errorf("copy[%d] from %q to %q: %w", i, rule.From, rule.To, err))
		}
	}
	b.out.index()
	return b.out, nil
}

// apply runs one copy operation with cp-like semantics: a path that is a
// directory is copied as a subdirectory of the destination; a glob's
// matches keep their path from the source root, except that a pattern
// ending in "/**" copies the contents of the directory before it.
func (b *artifactBuilder) apply(art *Artifact, rule CopyRule) error {
	alias, pattern, err := CopySource(rule.From)
	if err != nil {
		return err
	}
	root, ok := art.Sources[alias]
	if !ok {
		return fmt.Errorf("unknown source alias %q: the generator's sources are %s", alias, strings.Join(slices.Sorted(maps.Keys(art.Sources)), ", "))
	}
	if err := inside(pattern); err != nil {
		return fmt.Errorf("from: %w", err)
	}
	destRaw, ok := strings.CutPrefix(rule.To, "@artifact/")
	if !ok {
		return errors.New("to must start with '@artifact/'")
	}
	if err := inside(destRaw); err != nil {
		return fmt.Errorf("to: %w", err)
	}
	dest := path.Clean(destRaw)
	if !fs.ValidPath(dest) {
		return fmt.Errorf("to: %q is not a valid path", destRaw)
	}
	toDir := strings.HasSuffix(rule.To, "/")
	if len(rule.Exclude) > maxCopyExcludes {
		return fmt.Errorf("%w: %d exclude patterns, the limit is %d", manifest.ErrLimit, len(rule.Exclude), maxCopyExcludes)
	}
	for _, ex := range rule.Exclude {
		if !doublestar.ValidatePattern(ex) {
			return fmt.Errorf("invalid exclude pattern %q", ex)
		}
	}
	switch rule.Strategy {
	case "", StrategyOverwrite, StrategyMerge, StrategyExtract:
	default:
		return fmt.Errorf("unknown strategy %q: want Overwrite, Merge or Extract", rule.Strategy)
	}
	src := source{fsys: subFS(b.out.repo, root), root: root}
	c := copier{b: b, src: src, exclude: rule.Exclude, merge: rule.Strategy == StrategyMerge}
	extract := rule.Strategy == StrategyExtract
	if !strings.ContainsAny(pattern, "*?[]") {
		if extract {
			return c.extractFile(path.Clean(pattern), dest)
		}
		return c.single(path.Clean(pattern), dest, toDir)
	}
	// source-watcher globs with fs.Glob, where ** is one level, except for
	// Extract, which globs with doublestar: ** is any depth there.
	glob := fs.Glob
	if extract {
		glob = func(fsys fs.FS, pattern string) ([]string, error) { return doublestar.Glob(fsys, pattern) }
	}
	matches, err := glob(src.fsys, pattern)
	if err != nil {
		return fmt.Errorf("invalid glob pattern %q: %w", pattern, err)
	}
	matches = slices.DeleteFunc(matches, func(m string) bool { return m == "." || m == ".." || vcsPath(m) })
	if len(matches) == 0 {
		return fmt.Errorf("no files match pattern %q in source %q", pattern, alias)
	}
	matches = slices.DeleteFunc(matches, func(m string) bool { return excluded(m, rule.Exclude) })
	if len(matches) == 0 {
		return fmt.Errorf("all files matching pattern %q in source %q were excluded", pattern, alias)
	}
	prefix, recursive := strings.CutSuffix(pattern, "/**")
	for _, m := range matches {
		if extract {
			if !isTarball(m) {
				continue // a glob's other files are left alone
			}
			if err := c.untar(m, dest); err != nil {
				return err
			}
			continue
		}
		to := path.Join(dest, m)
		if rel, ok := strings.CutPrefix(m, prefix+"/"); recursive && ok {
			to = path.Join(dest, rel)
		}
		if err := c.copy(m, to); err != nil {
			return err
		}
	}
	return nil
}

// inside refuses a path that leaves the root it is relative to.
func inside(p string) error {
	if strings.HasPrefix(p, "/") {
		return fmt.Errorf("%q is absolute: the path leaves the artifact's source", p)
	}
	if slices.Contains(strings.Split(p, "/"), "..") {
		return fmt.Errorf("%q has a \"..\" segment: the path leaves the artifact's source", p)
	}
	return nil
}

// subFS is the repository directory root as a file system.
func subFS(fsys fs.FS, root string) fs.FS {
	sub, err := fs.Sub(fsys, root)
	if err != nil {
		return fsys // root is "." or checked by the engine
	}
	return sub
}

// vcsPath reports whether p lies in a .git directory, which a
// GitRepository's artifact does not hold.
func vcsPath(p string) bool {
	return slices.Contains(strings.Split(p, "/"), ".git")
}

// excluded reports whether p matches an exclude pattern; a pattern
// without "/" also matches p's base name, at any depth.
func excluded(p string, patterns []string) bool {
	for _, ex := range patterns {
		if doublestar.MatchUnvalidated(ex, p) || !strings.Contains(ex, "/") && doublestar.MatchUnvalidated(ex, path.Base(p)) {
			return true
		}
	}
	return false
}

// source is one aliased source: a directory of the repository.
type source struct {
	fsys fs.FS
	root string
}

func (s source) repoPath(p string) string { return path.Join(s.root, p) }

// stat describes path p of the source, or says it is not there.
func (s source) stat(p string) (fs.FileInfo, error) {
	info, err := fs.Stat(s.fsys, p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("source path %q does not exist", s.repoPath(p))
	}
	if err != nil {
		return nil, fmt.Errorf("source path %q: %w", s.repoPath(p), err)
	}
	return info, nil
}

// copier copies the files of one copy operation.
type copier struct {
	b       *artifactBuilder
	src     source
	exclude []string
	merge   bool
}

// single copies a path that is not a glob: a directory as a
// subdirectory of dest (its contents when it is the source root), a file
// to dest, or into dest when dest is a directory.
func (c copier) single(p, dest string, toDir bool) error {
	info, err := c.src.stat(p)
	if err != nil {
		return err
	}
	if info.IsDir() {
		if p != "." {
			dest = path.Join(dest, path.Base(p))
		}
		return c.dir(p, dest)
	}
	if excluded(p, c.exclude) {
		return nil
	}
	if toDir || c.b.out.dirs[dest] {
		dest = path.Join(dest, path.Base(p))
	}
	return c.file(p, dest, info)
}

// copy copies a glob's match, a file or a whole directory.
func (c copier) copy(p, dest string) error {
	info, err := c.src.stat(p)
	if err != nil {
		return err
	}
	if info.IsDir() {
		return c.dir(p, dest)
	}
	return c.file(p, dest, info)
}

// dir copies a directory recursively to dest, leaving out what the
// exclude patterns match (relative to the directory) and .git.
func (c copier) dir(p, dest string) error {
	return fs.WalkDir(c.src.fsys, p, func(q string, d fs.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("source path %q: %w", c.src.repoPath(q), err)
		}
		if q == p {
			return c.b.mkdir(dest)
		}
		rel := q
		if p != "." {
			rel = strings.TrimPrefix(q, p+"/")
		}
		if excluded(rel, c.exclude) || d.Name() == ".git" {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		to := path.Join(dest, rel)
		if d.IsDir() {
			return c.b.mkdir(to)
		}
		if !d.Type().IsRegular() {
			return nil // symlinks and devices are not part of a source artifact
		}
		info, err := d.Info()
		if err != nil {
			return fmt.Errorf("source path %q: %w", c.src.repoPath(q), err)
		}
		// Directories are copied, never merged, as source-watcher does.
		return copier{b: c.b, src: c.src}.file(q, to, info)
	})
}

// file copies one regular file, described by info, to dest, or merges
// it into dest.
func (c copier) file(p, dest string, info fs.FileInfo) error {
	b := c.b
	from := c.src.repoPath(p)
	if !info.Mode().IsRegular() {
		return fmt.Errorf("source path %q is not a regular file", from)
	}
	if old, ok := b.out.files[dest]; ok && c.merge {
		if err := b.entry(); err != nil {
			return err
		}
		if err := b.fits(dest, from, info.Size()); err != nil {
			return err
		}
		return b.mergeInto(dest, old, from)
	}
	return b.put(dest, artifactFile{from: from, copy: true, size: info.Size()})
}

// put adds a file to the artifact, within the budget of entries and
// bytes.
func (b *artifactBuilder) put(dest string, f artifactFile) error {
	if err := b.entry(); err != nil {
		return err
	}
	return b.place(dest, f)
}

// place adds a file already charged as an entry.
func (b *artifactBuilder) place(dest string, f artifactFile) error {
	if err := b.fits(dest, f.from, f.size); err != nil {
		return err
	}
	if err := b.mkdir(path.Dir(dest)); err != nil {
		return err
	}
	b.out.files[dest] = f
	return nil
}

// entry charges one entry to the budget.
func (b *artifactBuilder) entry() error {
	if b.entries--; b.entries < 0 {
		return fmt.Errorf("%w: more than %d files copied", manifest.ErrLimit, maxArchiveEntries)
	}
	return nil
}

// fits charges a file of size bytes to the budget, and refuses a file
// over a directory.
func (b *artifactBuilder) fits(dest, from string, size int64) error {
	if b.out.dirs[dest] {
		return fmt.Errorf("cannot copy %q over directory %q of the artifact", from, dest)
	}
	if b.bytes += size; b.bytes > maxChartBytes {
		return fmt.Errorf("%w: more than %d bytes copied", manifest.ErrLimit, maxChartBytes)
	}
	return nil
}

// mkdir makes dir and its parents in the artifact.
func (b *artifactBuilder) mkdir(dir string) error {
	for d := dir; d != "."; d = path.Dir(d) {
		if _, ok := b.out.files[d]; ok {
			return fmt.Errorf("cannot make directory %q of the artifact: it is a file", d)
		}
		b.out.dirs[d] = true
	}
	return nil
}

// mergeInto merges the YAML of repository file from into the artifact's
// file dest, as Helm merges values files: maps key by key, the merged
// file's values winning, anything else replaced whole.
func (b *artifactBuilder) mergeInto(dest string, old artifactFile, from string) error {
	base, err := b.yamlOf(old)
	if err != nil {
		return err
	}
	top, err := b.yamlOf(artifactFile{from: from, copy: true})
	if err != nil {
		return err
	}
	data, err := yaml.Marshal(loader.MergeMaps(base, top))
	if err != nil {
		return fmt.Errorf("merging %q into %q: %w", from, dest, err)
	}
	b.out.files[dest] = artifactFile{from: from, data: data, size: int64(len(data))}
	return nil
}

// yamlOf decodes a file of the artifact as one YAML map, within limits.
func (b *artifactBuilder) yamlOf(f artifactFile) (map[string]any, error) {
	data := f.data
	if f.copy {
		var err error
		if data, err = readBounded(b.out.repo, f.from, b.limits); err != nil {
			return nil, err
		}
	}
	docs, err := manifest.Decode(f.from, data, b.limits)
	if err != nil {
		return nil, err
	}
	if len(docs) == 0 || docs[0].Value == nil {
		return map[string]any{}, nil
	}
	m, ok := docs[0].Value.(map[string]any)
	if len(docs) > 1 || !ok {
		return nil, &manifest.SourceError{File: f.from, Err: errors.New("strategy Merge needs a single YAML map")}
	}
	return m, nil
}

// inRepository maps the places a render from the artifact names back to
// the repository: an artifact's copy to the file it copies (a merged
// file without its line), and what has no file of its own there (a
// directory, a generated kustomization) to the generator. Places outside
// the artifact, as postBuild's objects, are the repository's already.
func (a *artifactFS) inRepository(t Target, res *Result, err error) (*Result, error) {
	genFile, genLine := t.Artifact.GeneratedAt()
	inArtifact := func(p string) bool {
		_, ok := a.files[p]
		return ok || a.dirs[p] || p == t.Path || strings.HasPrefix(p, t.Path+"/")
	}
	for _, se := range manifest.SourceErrors(err) {
		if from, same, ok := a.source(se.File); ok {
			se.File = from
			if !same {
				se.Line = 0
			}
		} else if inArtifact(se.File) {
			se.Err = fmt.Errorf("artifact %s, %s: %w", t.Artifact.Name, se.File, se.Err)
			se.File, se.Line = genFile, genLine
		}
	}
	if err != nil {
		return nil, err
	}
	for _, obj := range res.Objects {
		o := &obj.Origin
		if from, same, ok := a.source(o.File); ok {
			o.File = from
			if !same {
				o.Line = 0
			}
		} else if inArtifact(o.File) {
			o.File, o.Line = genFile, genLine
		}
	}
	return res, nil
}

// chartDir finds the chart of an artifact a HelmRelease's chartRef names:
// at its root, or its one top-level directory with a Chart.yaml, as a
// chart archive holds it.
func (a *artifactFS) chartDir(art *Artifact) (string, error) {
	if _, ok := a.files["Chart.yaml"]; ok {
		return ".", nil
	}
	var dirs []string
	for _, e := range a.children["."] {
		if _, ok := a.files[e.Name()+"/Chart.yaml"]; ok && e.IsDir() {
			dirs = append(dirs, e.Name())
		}
	}
	if len(dirs) == 1 {
		return dirs[0], nil
	}
	file, line := art.GeneratedAt()
	return "", &manifest.SourceError{File: file, Line: line, Err: fmt.Errorf("artifact %s: want one chart, a Chart.yaml at its root or in one top-level directory; found %d", art.Name, len(dirs))}
}

// isTarball reports whether Extract unpacks a file.
func isTarball(p string) bool {
	return strings.HasSuffix(p, ".tar.gz") || strings.HasSuffix(p, ".tgz")
}

// extractFile unpacks a tarball named without a glob, which must be one.
func (c copier) extractFile(p, dest string) error {
	info, err := c.src.stat(p)
	switch {
	case err != nil:
		return err
	case info.IsDir():
		return fmt.Errorf("strategy Extract takes a tarball, not the directory %q", c.src.repoPath(p))
	case excluded(p, c.exclude):
		return nil
	case !isTarball(p):
		return fmt.Errorf("strategy Extract takes a tarball (.tar.gz or .tgz), not %q", c.src.repoPath(p))
	}
	return c.untar(p, dest)
}

// untar unpacks a gzipped tarball of the source into dest, its entries
// keeping their paths, through the checks of a chart's archives
// (tarEntries): every entry, directories too, and the bytes count against
// the artifact's budget; links, devices and paths leaving dest are
// refused.
func (c copier) untar(p, dest string) error {
	b := c.b
	from := c.src.repoPath(p)
	data, err := readBounded(b.out.repo, from, b.limits)
	if err != nil {
		return err
	}
	left := maxChartBytes - b.bytes
	err = tarEntries(bytes.NewReader(data), "", &b.entries, &left, func(hdr *tar.Header, body io.Reader) error {
		to := path.Join(dest, path.Clean(hdr.Name))
		switch hdr.Typeflag {
		case tar.TypeDir:
			return b.mkdir(to)
		case tar.TypeReg:
			data, err := io.ReadAll(body)
			if err != nil {
				return err
			}
			return b.place(to, artifactFile{from: from, data: data, size: int64(len(data))})
		}
		return nil
	})
	if errors.Is(err, errArchiveBytes) || left < 0 {
		return fmt.Errorf("%w: tarball %q: more than %d bytes copied", manifest.ErrLimit, from, maxChartBytes)
	}
	if err != nil {
		return fmt.Errorf("tarball %q: %w", from, err)
	}
	return nil
}
