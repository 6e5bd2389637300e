package engine

import (
	"cmp"
	"fmt"
	"io/fs"
	"path"
	"strings"

	"github.com/syncgate/syncgate/manifest"
	"github.com/syncgate/syncgate/render"
)

// argoTarget turns an Argo CD Application with a single source into a
// target: a chart, a kustomization or a directory, as Argo CD detects the
// tool from the files at the path, with the source's options.
func (repo *repository) argoTarget(o object) render.Target {
	spec := o.spec()
	t := render.Target{
		Name:      "argocd/" + qualified(o.namespace(), o.name()),
		Engine:    render.EngineArgoCD,
		DefinedBy: o.definedBy(),
	}
	src := mapOf(spec["source"])
	switch {
	case src == nil && spec["sources"] != nil:
		t.Skipped = "multi-source Applications are not rendered yet"
		return t
	case src == nil:
		t.Skipped = "the Application has no source"
		return t
	}
	url := str(src["repoURL"])
	if chart := str(src["chart"]); chart != "" {
		t.Skipped = fmt.Sprintf("chart %s from %s: remote charts are not rendered offline", chart, url)
		return t
	}
	if !repo.ours(url) {
		t.Skipped = fmt.Sprintf("source %s is not this repository", url)
		if repo.opts.RepoURL == "" {
			t.Skipped += " (repoURL is not set)"
		}
		return t
	}
	p, err := repoPath(cmp.Or(str(src["path"]), "."))
	if err != nil {
		t.Path, t.Skipped = str(src["path"]), err.Error()
		return t
	}
	t.Path = p
	if plugin := mapOf(src["plugin"]); plugin != nil {
		t.Skipped = fmt.Sprintf("config management plugin %q is not rendered", str(plugin["name"]))
		return t
	}
	destNS := str(mapOf(spec["destination"])["namespace"])
	switch {
	case exists(repo.fsys, path.Join(p, "Chart.yaml")):
		t.Kind = render.KindHelm
		t.Skipped = repo.argoHelm(&t, o.name(), destNS, mapOf(src["helm"]))
	case exists(repo.fsys, path.Join(p, "kustomization.yaml")) || exists(repo.fsys, path.Join(p, "kustomization.yml")) || exists(repo.fsys, path.Join(p, "Kustomization")):
		t.Kind = render.KindKustomize
		if k := mapOf(src["kustomize"]); k != nil {
			t.Kustomize = argoKustomize(k)
		}
	default:
		t.Kind = render.KindManifests
		d := mapOf(src["directory"])
		if len(mapOf(d["jsonnet"])) > 0 {
			t.Skipped = "jsonnet is not rendered"
			return t
		}
		if d != nil {
			t.Directory = &render.DirectoryOptions{Recurse: d["recurse"] == true, Include: str(d["include"]), Exclude: str(d["exclude"])}
		}
	}
	return t
}

// argoHelm sets a chart target's options as Argo CD passes them to helm
// template: the release named after the Application unless releaseName
// says otherwise, the destination namespace, value files relative to the
// chart, then values (valuesObject wins over the values string), then
// parameters. It returns why the target cannot be rendered, or "".
func (repo *repository) argoHelm(t *render.Target, app, destNS string, h map[string]any) string {
	t.ReleaseName = cmp.Or(str(h["releaseName"]), app)
	t.Namespace = cmp.Or(str(h["namespace"]), destNS)
	t.SkipCRDs = h["skipCrds"] == true
	for _, vf := range manifest.StringList(h["valueFiles"]) {
		if strings.HasPrefix(vf, "$") || strings.Contains(vf, "://") {
			return fmt.Sprintf("value file %s is outside the source and is not read", vf)
		}
		p, err := repoPath(path.Join(t.Path, vf))
		if err != nil {
			return err.Error()
		}
		if !exists(repo.fsys, p) && h["ignoreMissingValueFiles"] == true {
			continue
		}
		t.ValuesFiles = append(t.ValuesFiles, p)
	}
	if obj := mapOf(h["valuesObject"]); obj != nil {
		t.Values = obj
	} else if values := str(h["values"]); values != "" {
		docs, err := manifest.Decode(t.DefinedBy, []byte(values), repo.opts.Limits)
		if err != nil {
			return "helm.values: " + err.Error()
		}
		if len(docs) > 0 {
			m, ok := docs[0].Value.(map[string]any)
			if !ok {
				return "helm.values is not a mapping"
			}
			t.Values = m
		}
	}
	for _, param := range listOf(h["parameters"]) {
		m := mapOf(param)
		t.Set = append(t.Set, str(m["name"])+"="+scalar(m["value"]))
	}
	return ""
}

// argoKustomize reads an Application's kustomize options.
func argoKustomize(k map[string]any) *render.KustomizeEdits {
	edits := &render.KustomizeEdits{
		Namespace:   str(k["namespace"]),
		NamePrefix:  str(k["namePrefix"]),
		NameSuffix:  str(k["nameSuffix"]),
		Labels:      stringMap(k["commonLabels"]),
		Annotations: stringMap(k["commonAnnotations"]),
		Patches:     patches(k["patches"]),
		Components:  manifest.StringList(k["components"]),
	}
	for _, img := range manifest.StringList(k["images"]) {
		edits.Images = append(edits.Images, ParseImage(img))
	}
	return edits
}

// ParseImage reads an image override as kustomize edit set image takes
// it: [old=]new[:tag][@digest]. Without "old=", the image named is the one
// replaced and only its tag or digest changes.
func ParseImage(s string) render.Image {
	old, ref, renamed := strings.Cut(s, "=")
	if !renamed {
		ref = old
	}
	var img render.Image
	name := ref
	if i := strings.Index(ref, "@"); i >= 0 {
		name, img.Digest = ref[:i], ref[i+1:]
	} else if i := strings.LastIndex(ref, ":"); i > strings.LastIndex(ref, "/") {
		name, img.NewTag = ref[:i], ref[i+1:]
	}
	if renamed {
		img.Name, img.NewName = old, name
	} else {
		img.Name = name
	}
	return img
}

func exists(fsys fs.FS, p string) bool {
	_, err := fs.Stat(fsys, p)
	return err == nil
}
