package render

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path"
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
// every other kustomization renders concurrently.
var kustomizeState sync.RWMutex

func (r *Renderer) renderKustomize(ctx context.Context, fsys fs.FS, t Target) (*Result, error) {
	kfile, err := findKustomization(fsys, t.Path)
	if err != nil {
		return nil, err
	}
	top, err := readKustomization(fsys, kfile)
	if err != nil {
		return nil, err
	}
	kfs := &kustFS{ctx: ctx, renderer: r, opts: r.opts, target: t,
		fsys: overlayFS{FS: fsys, generated: map[string]generatedFile{}}, decoded: map[string][]manifest.Document{}}
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
	origins := make([]*resource.Origin, len(resources))
	for i, res := range resources {
		origins[i], _ = res.GetOrigin()
	}
	if !kfs.userOrigins {
		if err := resMap.RemoveOriginAnnotations(); err != nil {
			return nil, fmt.Errorf("%s: %w", t.Name, err)
		}
	}
	out, err := resMap.AsYaml()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", t.Name, err)
	}
	objs, err := decodeRendered(t, out, r.opts.Limits)
	if err != nil {
		return nil, err
	}
	if len(objs) != len(origins) {
		return nil, fmt.Errorf("%s: kustomize printed %d objects for %d resources", t.Name, len(objs), len(origins))
	}
	for i, obj := range objs {
		obj.Origin = kfs.origin(kfile, origins[i], obj)
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

// origin says where a kustomize object came from: the file named by its
// origin annotation, at the line of the object's document there, or the
// chart behind a rendered helmCharts entry.
func (k *kustFS) origin(kfile string, o *resource.Origin, obj *manifest.Object) manifest.Origin {
	switch {
	case o == nil:
		return manifest.Origin{File: kfile}
	case o.Repo != "":
		return manifest.Origin{File: kfile} // a remote base: no file in this repository
	case o.Path != "":
		file := path.Join(k.target.Path, o.Path)
		if g, ok := k.fsys.generated[file]; ok {
			return manifest.Origin{File: g.chart}
		}
		return manifest.Origin{File: file, Line: k.line(file, obj)}
	case o.ConfiguredIn != "":
		return manifest.Origin{File: path.Join(k.target.Path, o.ConfiguredIn)}
	}
	return manifest.Origin{File: kfile}
}

// line returns the line of the document in file with obj's kind whose name
// kustomize may have prefixed or suffixed into obj's name, or 0. It uses
// the documents decoded when kustomize read the file.
func (k *kustFS) line(file string, obj *manifest.Object) int {
	docs := k.decoded[file]
	if len(docs) == 1 {
		return docs[0].Line
	}
	best, bestLen := 0, -1
	for _, doc := range docs {
		src := manifest.NewObject(mapOf(doc.Value), manifest.Origin{})
		if src.Kind != obj.Kind || !strings.Contains(obj.Name, src.Name) {
			continue
		}
		if len(src.Name) > bestLen {
			best, bestLen = doc.Line, len(src.Name)
		}
	}
	return best
}
