package render

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strconv"
	"strings"
	"sync"

	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/api/resource"
	"sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/kustomize/kyaml/openapi"
	kyaml "sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/syncgate/syncgate/manifest"
)

// kustomizeState guards kustomize's package-level OpenAPI schema, the one
// piece of global state krusty has. A kustomization with an openapi field
// replaces that schema, so it renders alone and resets it afterwards;
// every other kustomization renders concurrently.
var kustomizeState sync.RWMutex

func (r *Renderer) renderKustomize(ctx context.Context, fsys fs.FS, t Target, yaml bool) (*Result, error) {
	kfs := &kustFS{ctx: ctx, renderer: r, opts: r.opts, target: t,
		fsys: overlayFS{FS: fsys, generated: map[string]generatedFile{}}, resourceFiles: map[string]bool{}, stats: statCache{}}
	kfile, err := findKustomization(fsys, t.Path)
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
	if t.PostBuild != nil {
		if err := r.postBuild(fsys, t, resources); err != nil {
			return nil, err
		}
	}
	if t.CommonMetadata != nil {
		if err := commonMetadata(t.CommonMetadata, resources); err != nil {
			return nil, fmt.Errorf("%s: commonMetadata: %w", t.Name, err)
		}
	}
	origins := make([]manifest.Origin, len(resources))
	for i, res := range resources {
		if origins[i], err = kfs.takeOrigin(res, kfile); err != nil {
			return nil, fmt.Errorf("%s: %w", t.Name, err)
		}
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
	return &Result{Target: t, YAML: out, Objects: objs}, nil
}

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

// takeOrigin reads and removes a resource's origin marker. A resource
// whose marker a patch removed along with its other annotations is matched
// to the source object of its kind whose name kustomize may have prefixed
// or suffixed into its name; anything else the kustomization generated.
func (k *kustFS) takeOrigin(res *resource.Resource, kfile string) (manifest.Origin, error) {
	marker, ok := res.GetAnnotations()[originAnnotation]
	if !ok {
		return k.matchSource(res.GetKind(), res.GetName(), kfile), nil
	}
	if err := res.PipeE(kyaml.ClearAnnotation(originAnnotation)); err != nil {
		return manifest.Origin{}, err
	}
	if err := kyaml.ClearEmptyAnnotations(&res.RNode); err != nil {
		return manifest.Origin{}, err
	}
	i := strings.LastIndexByte(marker, ':')
	line, _ := strconv.Atoi(marker[i+1:])
	return manifest.Origin{File: marker[:max(i, 0)], Line: line}, nil
}

func (k *kustFS) matchSource(kind, name, kfile string) manifest.Origin {
	origin, best := manifest.Origin{File: kfile}, -1
	for _, src := range k.sources {
		if src.kind == kind && strings.Contains(name, src.name) && len(src.name) > best {
			origin, best = manifest.Origin{File: src.file, Line: src.line}, len(src.name)
		}
	}
	return origin
}
