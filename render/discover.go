package render

import (
	"fmt"
	"io/fs"
	"maps"
	"path"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/syncgate/syncgate/internal/parallel"
	"github.com/syncgate/syncgate/manifest"
)

// kustomizationNames are the file names kustomize accepts, in its order.
var kustomizationNames = []string{"kustomization.yaml", "kustomization.yml", "Kustomization"}

// repoDir is what discovery learns about one directory.
type repoDir struct {
	kustomization string // file name, or "" when not a kustomization
	chart         bool
	yamlFiles     []string
}

// Discover finds every target under dir in fsys: each kustomization that no
// other kustomization uses as a resource or component, each Helm chart (one
// target with its values.yaml, plus one per values-<env>.yaml or
// values/<env>.yaml), and each directory of plain manifests outside those
// trees. Targets are sorted by name.
func Discover(fsys fs.FS, dir string) ([]Target, error) {
	dirs := map[string]*repoDir{}
	err := fs.WalkDir(fsys, dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if p != dir && strings.HasPrefix(d.Name(), ".") {
				return fs.SkipDir
			}
			dirs[p] = &repoDir{}
			return nil
		}
		if !d.Type().IsRegular() {
			return nil
		}
		rd := dirs[path.Dir(p)]
		name := d.Name()
		switch {
		case slices.Contains(kustomizationNames, name):
			if rd.kustomization == "" {
				rd.kustomization = name
			}
		case name == "Chart.yaml":
			rd.chart = true
		case isManifestFile(name):
			rd.yamlFiles = append(rd.yamlFiles, name)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("discover %s: %w", dir, err)
	}

	refs := scanReferences(fsys, dirs)
	var targets []Target
	for _, p := range slices.Sorted(maps.Keys(dirs)) {
		rd := dirs[p]
		switch {
		case rd.kustomization != "":
			if !refs.dirs[p] && !refs.components[p] {
				targets = append(targets, Target{Name: p, Kind: KindKustomize, Path: p})
			}
		case rd.chart:
			if !refs.charts[p] && !insideAny(p, dirs, func(d *repoDir) bool { return d.chart }) {
				targets = append(targets, chartTargets(fsys, p, rd)...)
			}
		case len(rd.yamlFiles) > 0:
			if !refs.fileDirs[p] && !insideAny(p, dirs, func(d *repoDir) bool { return d.chart || d.kustomization != "" }) &&
				holdsObjects(fsys, p, rd.yamlFiles) {
				targets = append(targets, Target{Name: p, Kind: KindManifests, Path: p})
			}
		}
	}
	slices.SortFunc(targets, func(a, b Target) int { return strings.Compare(a.Name, b.Name) })
	return targets, nil
}

func isManifestFile(name string) bool {
	if strings.HasPrefix(name, ".") {
		return false
	}
	switch path.Ext(name) {
	case ".yaml", ".yml", ".json":
		return true
	}
	return false
}

// insideAny reports whether an ancestor of p satisfies match.
func insideAny(p string, dirs map[string]*repoDir, match func(*repoDir) bool) bool {
	for parent := path.Dir(p); parent != p; p, parent = parent, path.Dir(parent) {
		if d, ok := dirs[parent]; ok && match(d) {
			return true
		}
	}
	return false
}

var envValuesFile = regexp.MustCompile(`^values-(.+)\.ya?ml$`)

func chartTargets(fsys fs.FS, dir string, rd *repoDir) []Target {
	targets := []Target{{Name: dir, Kind: KindHelm, Path: dir}}
	addEnv := func(env, file string) {
		targets = append(targets, Target{Name: dir + ":" + env, Kind: KindHelm, Path: dir, ValuesFiles: []string{file}})
	}
	for _, f := range rd.yamlFiles {
		if m := envValuesFile.FindStringSubmatch(f); m != nil {
			addEnv(m[1], path.Join(dir, f))
		}
	}
	entries, _ := fs.ReadDir(fsys, path.Join(dir, "values"))
	for _, e := range entries {
		if ext := path.Ext(e.Name()); !e.IsDir() && (ext == ".yaml" || ext == ".yml") && !strings.HasPrefix(e.Name(), ".") {
			addEnv(strings.TrimSuffix(e.Name(), ext), path.Join(dir, "values", e.Name()))
		}
	}
	return targets
}

var (
	apiVersionLine = regexp.MustCompile(`(?m)^"?apiVersion"?\s*:`)
	kindLine       = regexp.MustCompile(`(?m)^"?kind"?\s*:`)
)

// holdsObjects is a cheap look for Kubernetes objects, so that directories
// of CI configuration or Helm values are not taken for manifests.
func holdsObjects(fsys fs.FS, dir string, files []string) bool {
	for _, f := range files {
		data, err := fs.ReadFile(fsys, path.Join(dir, f))
		if err != nil {
			return true // let rendering report the unreadable file
		}
		if path.Ext(f) == ".json" {
			if strings.Contains(string(data), `"apiVersion"`) && strings.Contains(string(data), `"kind"`) {
				return true
			}
			continue
		}
		if apiVersionLine.Match(data) && kindLine.Match(data) {
			return true
		}
	}
	return false
}

// references records what kustomizations and charts use, so that bases,
// components and charts consumed by another are not targets of their own.
type references struct {
	dirs       map[string]bool // kustomization directories used as resources
	components map[string]bool // directories holding a kind: Component
	fileDirs   map[string]bool // directories of single files used as resources
	charts     map[string]bool // chart directories used by helmCharts
}

// scanReferences reads the charts and kustomizations of dirs on every CPU
// (reading and parsing them is most of discovery's time), then records
// what they use.
func scanReferences(fsys fs.FS, dirs map[string]*repoDir) references {
	refs := references{dirs: map[string]bool{}, components: map[string]bool{}, fileDirs: map[string]bool{}, charts: map[string]bool{}}
	names := slices.Collect(maps.Keys(dirs))
	deps := make([][]string, len(names))
	kustomizations := make([]*kustomizationFile, len(names))
	parallel.Do(len(names), 0, func(i int) {
		dir, rd := names[i], dirs[names[i]]
		if rd.chart {
			deps[i] = localChartDependencies(fsys, dir)
		}
		if rd.kustomization != "" {
			// An error is left for rendering to report, with file and line.
			if k, err := readKustomization(fsys, path.Join(dir, rd.kustomization)); err == nil {
				kustomizations[i] = k
			}
		}
	})
	for i, dir := range names {
		for _, dep := range deps[i] {
			refs.charts[dep] = true
		}
		if k := kustomizations[i]; k != nil {
			refs.addKustomization(dirs, dir, k)
		}
	}
	return refs
}

func (refs references) addKustomization(dirs map[string]*repoDir, dir string, k *kustomizationFile) {
	if k.kind == "Component" {
		refs.components[dir] = true
	}
	for _, entry := range k.localRefs() {
		p := path.Join(dir, entry)
		if d, ok := dirs[p]; ok {
			if d.kustomization != "" {
				refs.dirs[p] = true
			}
			continue
		}
		refs.fileDirs[path.Dir(p)] = true
	}
	for _, chart := range k.helmCharts {
		refs.charts[k.chartDir(dir, chart)] = true
	}
}

// localChartDependencies returns the directories of a chart's file://
// dependencies: charts rendered as part of another are not targets.
func localChartDependencies(fsys fs.FS, dir string) []string {
	file := path.Join(dir, "Chart.yaml")
	data, err := fs.ReadFile(fsys, file)
	if err != nil {
		return nil
	}
	docs, err := manifest.Decode(file, data, manifest.Limits{})
	if err != nil || len(docs) == 0 {
		return nil
	}
	deps, _ := mapOf(docs[0].Value)["dependencies"].([]any)
	var dirs []string
	for _, d := range deps {
		if local, ok := strings.CutPrefix(str(mapOf(d)["repository"]), "file://"); ok {
			dirs = append(dirs, path.Join(dir, local))
		}
	}
	return dirs
}

// kustomizationFile holds the fields of a kustomization that syncgate
// itself acts on; krusty reads the rest.
type kustomizationFile struct {
	kind       string
	openAPI    bool
	resources  []string
	components []string
	// files are the other paths kustomize loads (plugins, patches,
	// generator files, schemas), which it fetches too when they are URLs.
	files []string
	// generators is set when the kustomization has a configMapGenerator
	// or secretGenerator.
	generators bool
	namespace  string
	chartHome  string
	helmCharts []helmChartSpec
}

// helmChartSpec is one entry of a kustomization's helmCharts.
type helmChartSpec struct {
	Name         string
	Repo         string
	Version      string
	ReleaseName  string
	Namespace    string
	ValuesFile   string
	ValuesInline map[string]any
	ValuesMerge  string
	IncludeCRDs  bool
	SkipHooks    bool
	SkipTests    bool
	KubeVersion  string
	APIVersions  []string
	// AdditionalValuesFiles are layered after ValuesFile.
	AdditionalValuesFiles []string
}

// readKustomization reads and parses a kustomization; its callers only
// read the result, which parsed may share.
func readKustomization(fsys fs.FS, file string) (*kustomizationFile, error) {
	data, err := fs.ReadFile(fsys, file)
	if err != nil {
		return nil, err
	}
	return parsed.get(file, data)
}

// maxParsedBytes bounds the kustomization text parsed keeps, which
// outlives a check (a server checks many).
const maxParsedBytes = 16 << 20

// parsed keeps kustomizations by name and contents: discovery and input
// finding parse each one, and a pre-merge check does both at base and at
// head, where most are the same. Parsing is a function of both, so an
// answer kept is never stale.
var parsed = &kustomizationMemo{m: map[kustomizationKey]parsedKustomization{}}

type kustomizationKey struct{ file, data string }

type parsedKustomization struct {
	k   *kustomizationFile
	err error
}

type kustomizationMemo struct {
	mu    sync.Mutex
	m     map[kustomizationKey]parsedKustomization
	bytes int // of the keys' names and contents
}

func (p *kustomizationMemo) get(file string, data []byte) (*kustomizationFile, error) {
	key := kustomizationKey{file, string(data)}
	p.mu.Lock()
	r, ok := p.m[key]
	p.mu.Unlock()
	if ok {
		return r.k, r.err
	}
	r.k, r.err = parseKustomization(file, data, manifest.Limits{})
	size := len(key.file) + len(key.data)
	if size > maxParsedBytes {
		return r.k, r.err
	}
	p.mu.Lock()
	if p.bytes+size > maxParsedBytes {
		clear(p.m)
		p.bytes = 0
	}
	if _, ok := p.m[key]; !ok {
		p.m[key] = r
		p.bytes += size
	}
	p.mu.Unlock()
	return r.k, r.err
}

func parseKustomization(file string, data []byte, limits manifest.Limits) (*kustomizationFile, error) {
	docs, err := manifest.Decode(file, data, limits)
	if err != nil {
		return nil, err
	}
	k := &kustomizationFile{chartHome: "charts"}
	if len(docs) == 0 {
		return k, nil
	}
	m, ok := docs[0].Value.(map[string]any)
	if !ok {
		return nil, &manifest.SourceError{File: file, Line: docs[0].Line, Err: fmt.Errorf("kustomization is not a mapping")}
	}
	k.kind, _ = m["kind"].(string)
	_, k.openAPI = m["openapi"]
	// "bases" is the deprecated spelling of resources; kustomize still reads it.
	k.resources = append(manifest.StringList(m["resources"]), manifest.StringList(m["bases"])...)
	k.components = manifest.StringList(m["components"])
	k.files = loadedFiles(m)
	k.namespace = str(m["namespace"])
	k.generators = len(listOf(m["configMapGenerator"]))+len(listOf(m["secretGenerator"])) > 0
	if globals, ok := m["helmGlobals"].(map[string]any); ok {
		if home, ok := globals["chartHome"].(string); ok && home != "" {
			k.chartHome = home
		}
	}
	charts, _ := m["helmCharts"].([]any)
	for _, c := range charts {
		cm, _ := c.(map[string]any)
		k.helmCharts = append(k.helmCharts, helmChartSpec{
			Name:                  str(cm["name"]),
			Repo:                  str(cm["repo"]),
			Version:               str(cm["version"]),
			ReleaseName:           str(cm["releaseName"]),
			Namespace:             str(cm["namespace"]),
			ValuesFile:            str(cm["valuesFile"]),
			ValuesInline:          mapOf(cm["valuesInline"]),
			ValuesMerge:           str(cm["valuesMerge"]),
			IncludeCRDs:           cm["includeCRDs"] == true,
			SkipHooks:             cm["skipHooks"] == true,
			SkipTests:             cm["skipTests"] == true,
			KubeVersion:           str(cm["kubeVersion"]),
			APIVersions:           manifest.StringList(cm["apiVersions"]),
			AdditionalValuesFiles: manifest.StringList(cm["additionalValuesFiles"]),
		})
	}
	return k, nil
}

// loadedFiles returns the paths, other than resources and components, that
// a kustomization has kustomize load. Entries with a newline are inline
// documents, not paths.
func loadedFiles(m map[string]any) []string {
	var files []string
	add := func(entries ...string) {
		for _, e := range entries {
			if e != "" && !strings.Contains(e, "\n") {
				files = append(files, e)
			}
		}
	}
	for _, field := range []string{"generators", "transformers", "validators", "patchesStrategicMerge", "configurations", "crds"} {
		add(manifest.StringList(m[field])...)
	}
	for _, field := range []string{"patches", "patchesJson6902", "replacements"} {
		for _, entry := range listOf(m[field]) {
			add(str(mapOf(entry)["path"]))
		}
	}
	for _, field := range []string{"configMapGenerator", "secretGenerator"} {
		for _, entry := range listOf(m[field]) {
			gen := mapOf(entry)
			for _, file := range manifest.StringList(gen["files"]) {
				_, p, _ := strings.Cut(file, "=") // key=path, or just path
				add(file, p)
			}
			add(manifest.StringList(gen["envs"])...)
			add(str(gen["env"]))
		}
	}
	add(str(mapOf(m["openapi"])["path"]))
	return files
}

// chartDir is where kustomize looks for a helmCharts entry's chart: under
// chartHome, in a name-version directory when a repo and version are set.
func (k *kustomizationFile) chartDir(dir string, spec helmChartSpec) string {
	home := path.Join(dir, k.chartHome)
	if spec.Version != "" && spec.Repo != "" {
		home = path.Join(home, spec.Name+"-"+spec.Version)
	}
	return path.Join(home, spec.Name)
}

// localRefs returns the resources and components that are paths in the
// repository, leaving out remote URLs.
func (k *kustomizationFile) localRefs() []string {
	var local []string
	for _, r := range slices.Concat(k.resources, k.components) {
		if !isRemote(r) {
			local = append(local, r)
		}
	}
	return local
}

// remoteRefs returns the resources, components and other loaded files
// that are remote URLs.
func (k *kustomizationFile) remoteRefs() []string {
	var remote []string
	for _, r := range slices.Concat(k.resources, k.components, k.files) {
		if isRemote(r) {
			remote = append(remote, r)
		}
	}
	return remote
}

// remoteHost matches the host-first forms kustomize accepts for git
// repositories, such as github.com/org/repo/path?ref=v1.
var remoteHost = regexp.MustCompile(`^[a-zA-Z0-9-]+(\.[a-zA-Z0-9-]+)+(:[0-9]+)?/`)

func isRemote(ref string) bool {
	return strings.Contains(ref, "://") || strings.HasPrefix(ref, "git@") || remoteHost.MatchString(ref)
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

func mapOf(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

func listOf(v any) []any {
	list, _ := v.([]any)
	return list
}

// TargetAt returns the target rooted at dir, whether or not discovery
// would list it: a kustomization (even a base), a chart, or otherwise a
// directory of plain manifests.
func TargetAt(fsys fs.FS, dir string) (Target, error) {
	dir = path.Clean(dir)
	info, err := fs.Stat(fsys, dir)
	if err != nil {
		return Target{}, err
	}
	if !info.IsDir() {
		return Target{}, fmt.Errorf("%s: not a directory", dir)
	}
	if _, err := findKustomization(fsys, dir); err == nil {
		return Target{Name: dir, Kind: KindKustomize, Path: dir}, nil
	}
	if _, err := fs.Stat(fsys, path.Join(dir, "Chart.yaml")); err == nil {
		return Target{Name: dir, Kind: KindHelm, Path: dir}, nil
	}
	return Target{Name: dir, Kind: KindManifests, Path: dir}, nil
}
