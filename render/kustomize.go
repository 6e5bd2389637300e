package render

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"
	"sync"

	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/api/resource"
	"sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/kustomize/kyaml/openapi"

	"github.com/syncgate/syncgate/manifest"
)

// kustomizeState guards kustomize's package-level OpenAPI schema, the one
// piece of global state krusty has. A kustomization with an openapi field
// replaces that schema, so it renders alone and resets it afterwards;
// every other kustomization renders concurrently, once the schema is
// parsed: kustomize parses it on first use and reads part of it without
// its lock, so a render that parses it beside one that reads it races
// (the race detector saw it in TestResultCacheRechecksChangedInputs).
var kustomizeState sync.RWMutex

// PrepareKustomize parses kustomize's built-in OpenAPI schema, which the
// first strategic merge patch of a process otherwise waits for (tens of
// milliseconds). A render worker calls it as it starts, while it waits
// for its first target; the schema is the one a render would parse.
func PrepareKustomize() {
	kustomizeState.RLock()
	defer kustomizeState.RUnlock()
	openapi.Schema()
}

// renderKustomize builds t from tree, the repository or an artifact made
// from it; the objects postBuild reads are in repo.
func (r *Renderer) renderKustomize(ctx context.Context, tree, repo fs.FS, t Target, yaml bool) (*Result, error) {
	kfs := &kustFS{ctx: ctx, renderer: r, opts: r.opts, target: t,
		fsys: overlayFS{FS: tree, generated: map[string]generatedFile{}}, resourceFiles: map[string]bool{}, stats: statCache{},
		parents: map[string]string{}, namespaces: map[string]string{}}
	kfile, err := findKustomization(tree, t.Path)
	if err != nil && t.Kustomize != nil && t.Kustomize.Generate {
		if err = generateKustomization(kfs.fsys, t.Path); err == nil {
			kfile, err = findKustomization(kfs.fsys, t.Path)
		}
	}
	if err != nil {
		return nil, err
	}
	kfs.topFile = kfile
	top, err := readKustomization(kfs.fsys, kfile)
	if err != nil {
		return nil, err
	}
	opts := krusty.MakeDefaultOptions()
	// Unspecified means: the kustomization's sortOptions, else legacy
	// order, which is what the kustomize CLI and Argo CD print.
	opts.Reorder = krusty.ReorderOptionUnspecified
	opts.LoadRestrictions = types.LoadRestrictionsRootOnly
	if r.opts.LoadRestrictions == LoadNone {
		opts.LoadRestrictions = types.LoadRestrictionsNone
	}
	opts.PluginConfig = types.DisabledPluginConfig()

	if top.openAPI {
		kustomizeState.Lock()
		defer func() {
			openapi.ResetOpenAPI()
			kustomizeState.Unlock()
		}()
	} else {
		kustomizeState.RLock()
		defer kustomizeState.RUnlock()
		openapi.Schema() // parsed, under kustomize's lock, before any render reads it
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	resMap, err := krusty.MakeKustomizer(opts).Run(kfs, kfs.abs(t.Path))
	if err != nil {
		return nil, kustomizeError(kfs, kfile, err)
	}
	resources := resMap.Resources()
	// Flux substitutes variables and sets its common metadata on the built
	// objects, in that order.
	var read reads
	if t.PostBuild != nil {
		if err := r.postBuild(repo, t, resources, &read); err != nil {
			return nil, err
		}
	}
	if t.CommonMetadata != nil {
		if err := commonMetadata(t.CommonMetadata, resources); err != nil {
			return nil, fmt.Errorf("%s: commonMetadata: %w", t.Name, err)
		}
	}
	origins := make([]manifest.Origin, len(resources))
	taken := make([]bool, len(kfs.sources))
	for i, res := range resources {
		origins[i] = kfs.origin(res, kfile, taken)
	}
	var out []byte
	print := func() ([]byte, error) {
		var err error
		if out, err = resMap.AsYaml(); err != nil {
			return nil, fmt.Errorf("%s: %w", t.Name, err)
		}
		return out, nil
	}
	var objs []*manifest.Object
	if yaml {
		objs, err = printed(t, print, r.opts.Limits)
	} else {
		objs, err = objectsOf(t, resources, print, r.opts.Limits)
	}
	if err != nil {
		return nil, err
	}
	if len(objs) != len(origins) {
		return nil, fmt.Errorf("%s: kustomize printed %d objects for %d resources", t.Name, len(objs), len(origins))
	}
	for i, obj := range objs {
		obj.Origin = origins[i]
	}
	return read.result(&Result{Target: t, YAML: out, Objects: objs}), nil
}

// KustomizationFile returns the kustomization file of dir, whichever of
// the names kustomize accepts it has.
func KustomizationFile(fsys fs.FS, dir string) (string, error) { return findKustomization(fsys, dir) }

func findKustomization(fsys fs.FS, dir string) (string, error) {
	for _, name := range kustomizationNames {
		file := path.Join(dir, name)
		if _, err := fs.Stat(fsys, file); err == nil {
			return file, nil
		}
	}
	return "", &manifest.SourceError{File: dir, Err: errors.New("no kustomization.yaml, kustomization.yml or Kustomization here")}
}

// kustomizeError prefers the checked failure syncgate saw while kustomize
// read files, which names file and line; otherwise it reports kustomize's
// message against the target's kustomization, with repository paths.
func kustomizeError(kfs *kustFS, kfile string, err error) error {
	if kfs.problem != nil {
		return kfs.problem
	}
	msg := strings.ReplaceAll(err.Error(), mountPoint+"/", "")
	return &manifest.SourceError{File: kfile, Err: errors.New(msg)}
}

// origin finds the source of a rendered resource among the objects of
// the resource files and the generators' entries kustomize read: one of
// its kind whose name the resource's contains (kustomize adds prefixes,
// suffixes and a generator's hash), the longest such name, one that ends
// in the resource's namespace before others, and among equals the first
// not taken yet. A resource of no source is the kustomization's own.
func (k *kustFS) origin(res *resource.Resource, kfile string, taken []bool) manifest.Origin {
	kind, name, namespace := res.GetKind(), res.GetName(), res.GetNamespace()
	best, score := -1, -1
	for i, src := range k.sources {
		if src.kind != kind || !strings.Contains(name, src.name) {
			continue
		}
		s := len(src.name) * 4
		if k.namespaceOf(src) == namespace {
			s += 2
		}
		if !taken[i] {
			s++
		}
		if s > score {
			best, score = i, s
		}
	}
	if best < 0 {
		return manifest.Origin{File: kfile}
	}
	taken[best] = true
	return manifest.Origin{File: k.sources[best].file, Line: k.sources[best].line}
}

// namespaceOf is the namespace kustomize moves a source object to: that
// of the outermost kustomization on its way to the target that sets one,
// else its own.
func (k *kustFS) namespaceOf(src sourceObject) string {
	ns, kfile := src.namespace, src.file
	if !slices.Contains(kustomizationNames, path.Base(kfile)) {
		kfile = k.parents[kfile]
	}
	for range len(k.parents) + 1 { // bounded: kustomize refuses cycles
		if kfile == "" {
			break
		}
		if n := k.namespaces[kfile]; n != "" {
			ns = n
		}
		kfile = k.parents[path.Dir(kfile)]
	}
	return ns
}
