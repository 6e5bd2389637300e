package engine

import (
	"bytes"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/syncgate/syncgate/internal/parallel"
	"github.com/syncgate/syncgate/manifest"
	"github.com/syncgate/syncgate/render"
)

// Options configure engine discovery.
type Options struct {
	// RepoURL is the URL operators clone the repository from; sources
	// with this URL are the repository itself.
	RepoURL string
	// Clusters is the file, relative to the repository root, holding the
	// Argo CD cluster Secrets the clusters generator of an ApplicationSet
	// lists; without it, that generator is not run.
	Clusters string
	// Limits bound every file read.
	Limits manifest.Limits
	// Disabled turns engine discovery off: targets are found by
	// directory only.
	Disabled bool
	// ChartCache is a local Helm repository cache directory (see
	// render.Options.ChartCache): HelmRelease and Application charts of
	// Helm and OCI repositories found there become targets that render
	// the archive; without it, or when a chart is not there, they are
	// skipped. The caller's setting, never a repository's.
	ChartCache string
	// charts is the chart cache that the calls given these options share
	// (ShareCharts); nil: each call reads ChartCache anew.
	charts *chartCache
}

// ShareCharts returns o with one reading of its chart cache for every
// discovery call given the result: the directory, repositories.yaml and
// each index are read once. One check shares one, and the next check
// reads the cache again, which helm repo update may have changed.
func (o Options) ShareCharts() Options {
	if o.ChartCache != "" {
		o.charts = newChartCache(o.ChartCache, o.Limits)
	}
	return o
}

// WithChartsOf returns o reading its chart cache through shared's reading
// (from ShareCharts) when both name the same directory, so that the calls
// given either share one: a diff's head and base read the cache once.
func (o Options) WithChartsOf(shared Options) Options {
	if o.ChartCache == shared.ChartCache {
		o.charts = shared.charts
	}
	return o
}

// withCharts is o with a chart cache reading of its own unless it has one.
func (o Options) withCharts() Options {
	if o.charts == nil {
		return o.ShareCharts()
	}
	return o
}

// object is one decoded object of the repository with where it starts.
type object struct {
	m    map[string]any
	file string
	line int
}

// definedBy is file:line, or the file alone for an object a template
// rendered, which has no line of its own.
func (o object) definedBy() string {
	if o.line == 0 {
		return o.file
	}
	return o.file + ":" + strconv.Itoa(o.line)
}
func (o object) kind() string { return str(o.m["kind"]) }
func (o object) group() string {
	g, _, _ := strings.Cut(str(o.m["apiVersion"]), "/")
	return g
}
func (o object) name() string      { return str(mapOf(o.m["metadata"])["name"]) }
func (o object) namespace() string { return str(mapOf(o.m["metadata"])["namespace"]) }
func (o object) spec() map[string]any {
	return mapOf(o.m["spec"])
}

// repository holds the objects discovery acts on.
type repository struct {
	fsys           fs.FS
	opts           Options
	kustomizations []object
	applications   []object
	appSets        []object
	helmReleases   []object
	gitRepos       map[string]object    // by namespace/name
	helmRepos      map[string]object    // HelmRepository by namespace/name
	ociRepos       map[string]object    // OCIRepository by namespace/name
	artifacts      map[string]generated // by the ExternalArtifact's namespace/name
	varSources     map[string]object    // by kind/namespace/name
	varFiles       []string             // files that may hold varSources, not yet decoded
	tree           *tree                // the repository's files, for git generators; read once
	clusters       []cluster            // read once from Options.Clusters
	clustersErr    error
	clustersRead   bool
}

// engineMarkers are what the objects that define targets contain, and
// objectMarkers what a file must contain to be decoded at once: those and
// ArtifactGenerators. varMarkers are what a file must contain to hold the
// ConfigMaps and Secrets that substituteFrom and valuesFrom may name.
// Files with only the latter are decoded only when the repository has
// Flux objects: most repositories hold many Secrets and ConfigMaps, and
// no Flux.
var (
	engineMarkers = [][]byte{[]byte("toolkit.fluxcd.io"), []byte("argoproj.io")}
	objectMarkers = slices.Concat(engineMarkers, [][]byte{[]byte(generatorGroup)})
	varMarkers    = [][]byte{[]byte("ConfigMap"), []byte("Secret")}
)

func containsAny(data []byte, markers [][]byte) bool {
	return slices.ContainsFunc(markers, func(m []byte) bool { return bytes.Contains(data, m) })
}

// Discover reads the plain YAML files under dir of fsys (the repository
// root) and returns a target for each Flux Kustomization and Argo CD
// Application found, sorted by name. Files that do not decode are left to
// rendering, which reports them.
func Discover(fsys fs.FS, dir string, opts Options) ([]render.Target, error) {
	repo := newRepository(fsys, opts)
	var files []string
	err := fs.WalkDir(fsys, dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if strings.HasPrefix(d.Name(), ".") && p != dir {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if d.IsDir() && d.Name() == "templates" && exists(fsys, path.Join(path.Dir(p), "Chart.yaml")) {
			// A chart's templates are applied only as the chart renders
			// them: FromRendered reads what they render.
			return fs.SkipDir
		}
		if ext := path.Ext(p); d.Type().IsRegular() && (ext == ".yaml" || ext == ".yml") {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("engine: discover %s: %w", dir, err)
	}
	// Files are read and decoded on every CPU, and their objects kept in
	// the order of the walk.
	read := make([]discovered, len(files))
	parallel.Do(len(files), 0, func(i int) { read[i] = repo.read(files[i]) })
	for i, r := range read {
		repo.addDocs(files[i], r.docs)
		if r.vars {
			repo.varFiles = append(repo.varFiles, files[i])
		}
	}
	if len(repo.kustomizations) > 0 || len(repo.helmReleases) > 0 {
		for _, file := range repo.varFiles {
			if data, ok := repo.readBounded(file); ok {
				repo.addDocs(file, repo.decode(file, data))
			}
		}
	}
	return repo.targets(), nil
}

// FromRendered returns the targets that the Argo CD and Flux objects among
// rendered results define, as an app-of-apps chart renders Applications:
// each is defined by the template file that rendered it. Flux objects
// resolve GitRepositories and ConfigMaps rendered alongside them.
func FromRendered(fsys fs.FS, results []*render.Result, opts Options) []render.Target {
	repo := newRepository(fsys, opts)
	for _, res := range results {
		if res.Err != nil {
			continue
		}
		for _, obj := range res.Objects {
			repo.add(object{m: obj.Content, file: obj.Origin.File, line: obj.Origin.Line})
		}
	}
	return repo.targets()
}

func newRepository(fsys fs.FS, opts Options) *repository {
	if opts.Limits == (manifest.Limits{}) {
		opts.Limits = manifest.DefaultLimits()
	}
	return &repository{fsys: fsys, opts: opts.withCharts(), gitRepos: map[string]object{}, helmRepos: map[string]object{}, ociRepos: map[string]object{}, artifacts: map[string]generated{}, varSources: map[string]object{}}
}

// targets turns the objects read into targets, sorted by name.
func (repo *repository) targets() []render.Target {
	var targets []render.Target
	for _, o := range repo.kustomizations {
		targets = append(targets, repo.fluxTarget(o))
	}
	for _, o := range repo.helmReleases {
		targets = append(targets, repo.helmReleaseTarget(o))
	}
	for _, o := range repo.applications {
		targets = append(targets, repo.argoTargets(application{name: o.name(), namespace: o.namespace(), spec: o.spec(), definedBy: o.definedBy()})...)
	}
	for _, o := range repo.appSets {
		targets = append(targets, repo.appSetTargets(o)...)
	}
	uniqueNames(targets)
	slices.SortFunc(targets, func(a, b render.Target) int { return strings.Compare(a.Name, b.Name) })
	return targets
}

// discovered is what discovery takes from one file: the documents of a
// file that may hold engine objects, or whether a file may hold only
// varSources, which wait.
type discovered struct {
	docs []manifest.Document
	vars bool
}

// read reads and decodes a file for discovery. It does not change repo,
// so that files are read at once.
func (repo *repository) read(file string) discovered {
	data, ok := repo.readBounded(file)
	switch {
	case !ok:
	case containsAny(data, objectMarkers):
		return discovered{docs: repo.decode(file, data)}
	case containsAny(data, varMarkers):
		return discovered{vars: true}
	}
	return discovered{}
}

// readBounded reads a file within the size limit.
func (repo *repository) readBounded(file string) ([]byte, bool) {
	info, err := fs.Stat(repo.fsys, file)
	if err != nil || info.Size() > int64(repo.opts.Limits.MaxFileBytes) {
		return nil, false
	}
	data, err := fs.ReadFile(repo.fsys, file)
	return data, err == nil
}

// decode returns a file's documents; a file that does not decode has
// none here, and is left to rendering, which reports it.
func (repo *repository) decode(file string, data []byte) []manifest.Document {
	docs, err := manifest.Decode(file, data, repo.opts.Limits)
	if err != nil {
		return nil
	}
	return docs
}

// addDocs keeps the objects of interest among documents.
func (repo *repository) addDocs(file string, docs []manifest.Document) {
	for _, d := range docs {
		if m, ok := d.Value.(map[string]any); ok {
			repo.add(object{m: m, file: file, line: d.Line})
		}
	}
}

// add keeps an object if discovery acts on it.
func (repo *repository) add(o object) {
	switch group := o.group(); {
	case group == "kustomize.toolkit.fluxcd.io" && o.kind() == "Kustomization":
		repo.kustomizations = append(repo.kustomizations, o)
	case group == generatorGroup && o.kind() == "ArtifactGenerator":
		repo.addGenerator(o)
	case group == "source.toolkit.fluxcd.io" && o.kind() == "GitRepository":
		repo.gitRepos[o.namespace()+"/"+o.name()] = o
	case group == "source.toolkit.fluxcd.io" && o.kind() == "HelmRepository":
		repo.helmRepos[o.namespace()+"/"+o.name()] = o
	case group == "source.toolkit.fluxcd.io" && o.kind() == "OCIRepository":
		repo.ociRepos[o.namespace()+"/"+o.name()] = o
	case group == "argoproj.io" && o.kind() == "Application":
		repo.applications = append(repo.applications, o)
	case group == "argoproj.io" && o.kind() == "ApplicationSet":
		repo.appSets = append(repo.appSets, o)
	case group == "helm.toolkit.fluxcd.io" && o.kind() == "HelmRelease":
		repo.helmReleases = append(repo.helmReleases, o)
	case str(o.m["apiVersion"]) == "v1" && (o.kind() == "ConfigMap" || o.kind() == "Secret") && o.line > 0:
		// Only a file's objects: the renderer reads their data back from
		// the file and line.
		repo.varSources[o.kind()+"/"+o.namespace()+"/"+o.name()] = o
	}
}

// uniqueNames adds the defining file and line to the names several
// targets share, as the same Kustomization in two clusters' directories.
func uniqueNames(targets []render.Target) {
	count := map[string]int{}
	for _, t := range targets {
		count[t.Name]++
	}
	for i, t := range targets {
		if count[t.Name] > 1 {
			targets[i].Name = t.Name + "@" + t.DefinedBy
		}
	}
}

// Merge returns the engine targets and the directory targets that no
// engine target covers. An engine target covers its own path and, when it
// renders a whole tree (a Flux Kustomization over a directory without a
// kustomization.yaml, an Argo CD directory source with recurse), every
// path below it. Sorted by name.
func Merge(dirTargets, engineTargets []render.Target) []render.Target {
	covered := func(p string) bool {
		for _, e := range engineTargets {
			if e.Skipped != "" || e.Artifact != nil {
				continue // an artifact's paths are not the repository's
			}
			if e.Path == p {
				return true
			}
			tree := e.Kustomize != nil && e.Kustomize.Generate || e.Directory != nil && e.Directory.Recurse
			if tree && (e.Path == "." || strings.HasPrefix(p, e.Path+"/")) {
				return true
			}
		}
		return false
	}
	out := slices.Clone(engineTargets)
	for _, t := range dirTargets {
		if !covered(t.Path) {
			out = append(out, t)
		}
	}
	slices.SortFunc(out, func(a, b render.Target) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// NormalizeURL reduces a git URL to host and path, so that the https,
// ssh and scp-like forms of one repository compare equal.
func NormalizeURL(u string) string {
	u = strings.TrimSpace(u)
	if scheme, rest, ok := strings.Cut(u, "://"); ok && !strings.Contains(scheme, "/") {
		u = rest
	} else if at := strings.Index(u, "@"); at >= 0 && strings.Contains(u[at:], ":") {
		// scp-like: git@host:org/repo
		u = strings.Replace(u, ":", "/", 1)
	}
	if at := strings.LastIndex(u, "@"); at >= 0 && at < strings.Index(u+"/", "/") {
		u = u[at+1:]
	}
	u = strings.TrimSuffix(strings.TrimSuffix(u, "/"), ".git")
	host, rest, _ := strings.Cut(u, "/")
	if h, port, ok := strings.Cut(host, ":"); ok && (port == "22" || port == "443") {
		host = h
	}
	return strings.ToLower(host) + "/" + rest
}

// ours reports whether url names this repository.
func (repo *repository) ours(url string) bool {
	return repo.opts.RepoURL != "" && NormalizeURL(url) == NormalizeURL(repo.opts.RepoURL)
}

// repoPath turns an engine object's path into a repository path, or
// reports why it cannot be one.
func repoPath(p string) (string, error) {
	clean := path.Clean(strings.TrimPrefix(p, "/"))
	if clean == ".." || strings.HasPrefix(clean, "../") {
		return "", fmt.Errorf("path %q leaves the repository", p)
	}
	return clean, nil
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

// scalar is a YAML scalar as a string: numbers and booleans as written
// (a tag of 1.2 decodes as a number), anything else "".
func scalar(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case int, int64, uint64, float64, bool:
		return fmt.Sprint(v)
	}
	return ""
}

func mapOf(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

func stringMap(v any) map[string]string {
	m := mapOf(v)
	if len(m) == 0 {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = scalar(v)
	}
	return out
}
