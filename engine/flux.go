package engine

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"path"
	"strings"

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
	art, reason := repo.fluxSource(o)
	if reason != "" {
		t.Skipped = reason
		return t
	}
	t.Artifact = art
	edits := &render.KustomizeEdits{
		Generate:   true,
		Namespace:  str(spec["targetNamespace"]),
		NamePrefix: str(spec["namePrefix"]),
		NameSuffix: str(spec["nameSuffix"]),
		Images:     images(spec["images"]),
		Patches:    patches(spec["patches"]),
	}
	for _, c := range manifest.StringList(spec["components"]) {
		// ignoreMissingComponents drops the components that are not there;
		// an artifact's are known only once it is built, so kept.
		if art == nil && spec["ignoreMissingComponents"] == true && !exists(repo.fsys, path.Join(p, c)) {
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

// fluxSource returns the artifact a Kustomization's source makes of this
// repository (nil for the repository itself), or why its source is not
// this repository.
func (repo *repository) fluxSource(o object) (*render.Artifact, string) {
	ref := mapOf(o.spec()["sourceRef"])
	switch kind, name := str(ref["kind"]), str(ref["name"]); kind {
	case "":
		return nil, "the Kustomization has no sourceRef"
	case "GitRepository":
		return nil, repo.gitSource(o, ref)
	case "ExternalArtifact":
		return repo.externalArtifact(o, ref)
	default:
		return nil, fmt.Sprintf("source %s %s is not rendered: only GitRepository and ExternalArtifact sources are", kind, name)
	}
}

// gitSource returns why the GitRepository ref of object o names is not
// this repository, or "" when it is.
func (repo *repository) gitSource(o object, ref map[string]any) string {
	name := str(ref["name"])
	if name == fluxSystem {
		return ""
	}
	gr, key, ok := sourceObject(repo.gitRepos, o, ref)
	switch {
	case !ok:
		return fmt.Sprintf("GitRepository %s is not defined in the repository, so its URL is unknown", key)
	case repo.opts.RepoURL == "":
		return fmt.Sprintf("GitRepository %s (%s) is not known to be this repository: set repoURL", key, str(gr.spec()["url"]))
	case !repo.ours(str(gr.spec()["url"])):
		return fmt.Sprintf("GitRepository %s is %s, not this repository", key, str(gr.spec()["url"]))
	}
	return ""
}

// varSource resolves a substituteFrom reference to the ConfigMap or
// Secret of the repository with that name in the Kustomization's
// namespace (or with no namespace of its own).
func (repo *repository) varSource(ns string, ref map[string]any) render.VarSource {
	src := render.VarSource{Kind: str(ref["kind"]), Name: str(ref["name"]), Optional: ref["optional"] == true}
	src.File, src.Line = repo.objectIn(src.Kind, ns, src.Name)
	return src
}

// objectIn finds the ConfigMap or Secret of the repository with that name
// in namespace ns, or with no namespace of its own; file is "" when no
// file defines it.
func (repo *repository) objectIn(kind, ns, name string) (file string, line int) {
	o, ok := repo.varSources[kind+"/"+ns+"/"+name]
	if !ok {
		o, ok = repo.varSources[kind+"//"+name]
	}
	if !ok {
		return "", 0
	}
	return o.file, o.line
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

// maxReleaseName is the longest release name helm-controller uses as
// is; longer ones are shortened with a hash.
const maxReleaseName = 53

// helmReleaseTarget turns a Flux HelmRelease into a target: a chart from a
// GitRepository that is this repository, from a HelmRepository or
// OCIRepository found in the chart cache, or the chart of an
// ExternalArtifact an ArtifactGenerator makes of this repository
// (chartRef), with the release name and namespace helm-controller gives
// it, its chart's valuesFiles, valuesFrom and values. Remote charts not in
// the cache are listed as skipped.
func (repo *repository) helmReleaseTarget(o object) render.Target {
	spec := o.spec()
	t := render.Target{
		Name:      "flux/helmrelease/" + qualified(o.namespace(), o.name()),
		Kind:      render.KindHelm,
		Engine:    render.EngineFlux,
		DefinedBy: o.definedBy(),
	}
	targetNS := str(spec["targetNamespace"])
	name := o.name()
	if targetNS != "" {
		name = targetNS + "-" + name
	}
	t.ReleaseName = releaseName(cmp.Or(str(spec["releaseName"]), name))
	t.Namespace = cmp.Or(targetNS, o.namespace())
	t.SkipCRDs = str(mapOf(spec["install"])["crds"]) == "Skip"
	t.Values = mapOf(spec["values"])
	for _, ref := range listOf(spec["valuesFrom"]) {
		m := mapOf(ref)
		v := render.ValuesRef{Kind: str(m["kind"]), Name: str(m["name"]), ValuesKey: str(m["valuesKey"]), TargetPath: str(m["targetPath"]), Optional: m["optional"] == true}
		v.File, v.Line = repo.objectIn(v.Kind, o.namespace(), v.Name)
		t.ValuesFrom = append(t.ValuesFrom, v)
	}
	switch ref := mapOf(spec["chartRef"]); {
	case ref == nil:
		repo.specChart(o, &t)
	case str(ref["kind"]) == "ExternalArtifact":
		if t.Artifact, t.Skipped = repo.externalArtifact(o, ref); t.Skipped == "" {
			t.Path = "." // the chart is the artifact's, found once it is built
		}
	default:
		repo.chartRef(&t, o, ref)
	}
	return t
}

// specChart sets the chart of a HelmRelease's spec.chart: from a
// GitRepository that is this repository, with its valuesFiles, or from a
// HelmRepository in the chart cache; t is skipped or invalid when there is
// none to render.
func (repo *repository) specChart(o object, t *render.Target) {
	chart := mapOf(mapOf(o.spec()["chart"])["spec"])
	src := mapOf(chart["sourceRef"])
	switch kind := str(src["kind"]); kind {
	case "GitRepository":
		if reason := repo.gitSource(o, src); reason != "" {
			t.Skipped = reason
			return
		}
	case "HelmRepository":
		repo.helmRepoChart(t, o, src, str(chart["chart"]), str(chart["version"]), chart["valuesFiles"] != nil)
		return
	case "":
		t.Invalid = "the HelmRelease has neither spec.chart.spec.sourceRef nor spec.chartRef"
		return
	default:
		t.Skipped = fmt.Sprintf("chart %s from %s %s: remote chart, not rendered offline", str(chart["chart"]), kind, str(src["name"]))
		return
	}
	p, err := repoPath(str(chart["chart"]))
	if err != nil {
		t.Invalid = "spec.chart.spec.chart: " + err.Error()
		return
	}
	t.Path = p
	if !exists(repo.fsys, path.Join(p, "Chart.yaml")) {
		t.Invalid = fmt.Sprintf("spec.chart.spec.chart: %s has no Chart.yaml", p)
		return
	}
	for _, vf := range manifest.StringList(chart["valuesFiles"]) {
		p, err := repoPath(vf)
		if err != nil {
			t.Invalid = "spec.chart.spec.valuesFiles: " + err.Error()
			return
		}
		t.ValuesFiles = append(t.ValuesFiles, p)
	}
}

// sourceObject finds the Flux source a reference names, in the
// referrer's namespace unless it names one, and returns it with its
// qualified name.
func sourceObject[V any](sources map[string]V, o object, ref map[string]any) (V, string, bool) {
	ns, name := cmp.Or(str(ref["namespace"]), o.namespace()), str(ref["name"])
	src, ok := sources[ns+"/"+name]
	if !ok {
		src, ok = sources["/"+name] // its namespace set by a kustomization
	}
	return src, qualified(ns, name), ok
}

// helmRepoChart resolves a chart of a HelmRepository (of type oci too)
// in the chart cache, with the semver constraint of spec.chart.spec.version
// as source-controller resolves it.
func (repo *repository) helmRepoChart(t *render.Target, o object, ref map[string]any, chart, version string, valuesFiles bool) {
	hr, key, ok := sourceObject(repo.helmRepos, o, ref)
	if repo.noCache(t, fmt.Sprintf("chart %s from HelmRepository %s", chart, key)) {
		return
	}
	if !ok {
		t.Skipped = fmt.Sprintf("chart %s from HelmRepository %s: the HelmRepository is not defined in the repository, so its URL is unknown", chart, key)
		return
	}
	url := str(hr.spec()["url"])
	if valuesFiles {
		t.Skipped = fmt.Sprintf("chart %s from %s: valuesFiles inside a remote chart are not read", chart, url)
		return
	}
	repo.repoChart(t, url, chart, version, str(hr.spec()["type"]) == "oci" || strings.HasPrefix(url, "oci://"))
}

// chartRef resolves a HelmRelease's spec.chartRef: an OCIRepository's
// chart with its exact tag, from the chart cache.
func (repo *repository) chartRef(t *render.Target, o object, ref map[string]any) {
	if str(ref["kind"]) != "OCIRepository" {
		t.Skipped = fmt.Sprintf("chart from %s %s: remote chart, not rendered offline", str(ref["kind"]), str(ref["name"]))
		return
	}
	oci, key, ok := sourceObject(repo.ociRepos, o, ref)
	if repo.noCache(t, "chart from OCIRepository "+key) {
		return
	}
	if !ok {
		t.Skipped = fmt.Sprintf("chart from OCIRepository %s: the OCIRepository is not defined in the repository, so its URL is unknown", key)
		return
	}
	url := strings.TrimSuffix(str(oci.spec()["url"]), "/")
	tag := str(mapOf(oci.spec()["ref"])["tag"])
	if semver := str(mapOf(oci.spec()["ref"])["semver"]); semver != "" {
		tag = semver // a range is reported as not an exact tag, one version read as its tag
	}
	repo.remoteChart(t, url, path.Base(url), tag, true)
}

// releaseName shortens a release name longer than Helm allows as
// helm-controller does: its first 40 characters, "-", and 12 hex digits of
// its SHA-256.
func releaseName(name string) string {
	if len(name) <= maxReleaseName {
		return name
	}
	sum := sha256.Sum256([]byte(name))
	return name[:maxReleaseName-13] + "-" + hex.EncodeToString(sum[:])[:12]
}
