package engine

import (
	"cmp"
	"fmt"
	"io/fs"
	"path"

	"github.com/syncgate/syncgate/manifest"
	"github.com/syncgate/syncgate/render"
)

// fluxSystem is the GitRepository flux bootstrap creates for the
// repository it writes the cluster's configuration to.
const fluxSystem = "flux-system"

// fluxTarget turns a Flux Kustomization into a target: its path built as
// kustomize-controller builds it, with its options.
func (repo *repository) fluxTarget(o object) render.Target {
	spec := o.spec()
	t := render.Target{
		Name:      "flux/" + qualified(o.namespace(), o.name()),
		Kind:      render.KindKustomize,
		Engine:    render.EngineFlux,
		DefinedBy: o.definedBy(),
	}
	p, err := repoPath(cmp.Or(str(spec["path"]), "."))
	if err != nil {
		t.Path, t.Skipped = str(spec["path"]), err.Error()
		return t
	}
	t.Path = p
	if reason := repo.fluxSource(o); reason != "" {
		t.Skipped = reason
		return t
	}
	edits := &render.KustomizeEdits{
		Generate:   true,
		Namespace:  str(spec["targetNamespace"]),
		NamePrefix: str(spec["namePrefix"]),
		NameSuffix: str(spec["nameSuffix"]),
		Images:     images(spec["images"]),
		Patches:    patches(spec["patches"]),
	}
	for _, c := range manifest.StringList(spec["components"]) {
		// ignoreMissingComponents drops the components that are not there.
		if _, err := fs.Stat(repo.fsys, path.Join(p, c)); err != nil && spec["ignoreMissingComponents"] == true {
			continue
		}
		edits.Components = append(edits.Components, c)
	}
	t.Kustomize = edits
	if pb, ok := spec["postBuild"].(map[string]any); ok {
		t.PostBuild = &render.PostBuild{Substitute: stringMap(pb["substitute"])}
		for _, ref := range listOf(pb["substituteFrom"]) {
			t.PostBuild.SubstituteFrom = append(t.PostBuild.SubstituteFrom, repo.varSource(o.namespace(), mapOf(ref)))
		}
	}
	if md := mapOf(spec["commonMetadata"]); md != nil {
		t.CommonMetadata = &render.Metadata{Labels: stringMap(md["labels"]), Annotations: stringMap(md["annotations"])}
	}
	return t
}

// fluxSource returns why a Kustomization's source is not this
// repository, or "" when it is.
func (repo *repository) fluxSource(o object) string {
	ref := mapOf(o.spec()["sourceRef"])
	kind, name := str(ref["kind"]), str(ref["name"])
	if kind == "" {
		return "the Kustomization has no sourceRef"
	}
	if kind != "GitRepository" {
		return fmt.Sprintf("source %s %s is not rendered: only GitRepository sources are", kind, name)
	}
	if name == fluxSystem {
		return ""
	}
	ns := cmp.Or(str(ref["namespace"]), o.namespace())
	gr, ok := repo.gitRepos[ns+"/"+name]
	if !ok {
		gr, ok = repo.gitRepos["/"+name] // its namespace set by a kustomization
	}
	switch {
	case !ok:
		return fmt.Sprintf("GitRepository %s is not defined in the repository, so its URL is unknown", qualified(ns, name))
	case repo.opts.RepoURL == "":
		return fmt.Sprintf("GitRepository %s (%s) is not known to be this repository: set repoURL", qualified(ns, name), str(gr.spec()["url"]))
	case !repo.ours(str(gr.spec()["url"])):
		return fmt.Sprintf("GitRepository %s is %s, not this repository", qualified(ns, name), str(gr.spec()["url"]))
	}
	return ""
}

// varSource resolves a substituteFrom reference to the ConfigMap or
// Secret of the repository with that name in the Kustomization's
// namespace (or with no namespace of its own).
func (repo *repository) varSource(ns string, ref map[string]any) render.VarSource {
	src := render.VarSource{Kind: str(ref["kind"]), Name: str(ref["name"]), Optional: ref["optional"] == true}
	o, ok := repo.varSources[src.Kind+"/"+ns+"/"+src.Name]
	if !ok {
		o, ok = repo.varSources[src.Kind+"//"+src.Name]
	}
	if ok {
		src.File, src.Line = o.file, o.line
	}
	return src
}

// images reads a list of kustomize image entries.
func images(v any) []render.Image {
	var out []render.Image
	for _, item := range listOf(v) {
		m := mapOf(item)
		out = append(out, render.Image{Name: str(m["name"]), NewName: str(m["newName"]), NewTag: scalar(m["newTag"]), Digest: str(m["digest"])})
	}
	return out
}

// patches reads a list of inline patches with their target selectors.
func patches(v any) []render.Patch {
	var out []render.Patch
	for _, item := range listOf(v) {
		m := mapOf(item)
		out = append(out, render.Patch{Patch: str(m["patch"]), Target: mapOf(m["target"])})
	}
	return out
}

func qualified(ns, name string) string {
	if ns == "" {
		return name
	}
	return ns + "/" + name
}

func listOf(v any) []any {
	list, _ := v.([]any)
	return list
}
