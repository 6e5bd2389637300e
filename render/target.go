package render

// Kind says how a target is rendered.
type Kind string

// The kinds of target.
const (
	KindKustomize Kind = "kustomize"
	KindHelm      Kind = "helm"
	KindManifests Kind = "manifests"
)

// Target is one unit that a GitOps operator would render and apply.
type Target struct {
	// Name identifies the target in findings: its path, plus ":<env>" for a
	// chart rendered with an environment's values file on top.
	Name string `json:"name"`
	// Kind says how the target is rendered.
	Kind Kind `json:"kind"`
	// Path is the target's directory, relative to the repository root.
	Path string `json:"path"`
	// ValuesFiles are Helm values files, relative to the repository root,
	// layered in order on top of the chart's own values.yaml.
	ValuesFiles []string `json:"valuesFiles,omitempty"`
	// Set holds Helm values in --set syntax, applied after ValuesFiles.
	Set []string `json:"set,omitempty"`
	// SetString holds Helm values in --set-string syntax, applied after
	// Set.
	SetString []string `json:"setString,omitempty"`
	// SetFiles holds Helm values in --set-file syntax ("key=file", the file
	// relative to the repository root), applied after SetString.
	SetFiles []string `json:"setFiles,omitempty"`
	// ReleaseName is the Helm release name; "release-name" when empty, as
	// for helm template.
	ReleaseName string `json:"releaseName,omitempty"`
	// Namespace is the Helm release namespace; "default" when empty.
	Namespace string `json:"namespace,omitempty"`
	// KubernetesVersion overrides Options.KubernetesVersion for this target.
	KubernetesVersion string `json:"kubernetesVersion,omitempty"`

	// Engine is the GitOps operator whose object defines the target
	// (EngineArgoCD or EngineFlux), or "" for a target found by directory.
	Engine string `json:"engine,omitempty"`
	// DefinedBy is the file and line ("file:line") of that object.
	DefinedBy string `json:"definedBy,omitempty"`
	// Skipped, when set, is why the target is listed but not rendered: a
	// source outside the repository, a plugin, an unsupported tool.
	Skipped string `json:"skipped,omitempty"`
	// Invalid, when set, is why the engine object cannot define a target
	// as written (a path that does not exist, a template error): the
	// target fails to render with this message at DefinedBy.
	Invalid string `json:"invalid,omitempty"`
	// Values are inline Helm values, layered after ValuesFiles and before
	// Set, as Argo CD layers an Application's values.
	Values map[string]any `json:"values,omitempty"`
	// ValuesFrom are a Flux HelmRelease's valuesFrom references, layered
	// in order after ValuesFiles and before Values.
	ValuesFrom []ValuesRef `json:"valuesFrom,omitempty"`
	// Chart, when set, is a remote chart found in the chart cache
	// (Options.ChartCache): the target renders its archive, with the
	// options above, and Path is empty.
	Chart *RemoteChart `json:"chart,omitempty"`
	// SkipCRDs leaves out a chart's crds/ directory.
	SkipCRDs bool `json:"skipCRDs,omitempty"`
	// Kustomize holds the edits an engine makes to the target's
	// kustomization before building it.
	Kustomize *KustomizeEdits `json:"kustomize,omitempty"`
	// Directory selects the files of a manifests target.
	Directory *DirectoryOptions `json:"directory,omitempty"`
	// PostBuild is Flux's variable substitution on the built objects.
	PostBuild *PostBuild `json:"postBuild,omitempty"`
	// CommonMetadata are labels and annotations Flux sets on every object
	// after the build.
	CommonMetadata *Metadata `json:"commonMetadata,omitempty"`
	// Artifact, when set, is the ExternalArtifact the target renders
	// from: Path is a path inside it, not in the repository.
	Artifact *Artifact `json:"artifact,omitempty"`
}

// The engines that define targets.
const (
	EngineArgoCD = "argocd"
	EngineFlux   = "flux"
)

// KustomizeEdits are the changes Argo CD (kustomize edit) and Flux
// (kustomize-controller's generator) make to a target's kustomization.yaml
// before the build. A directory without one gets one listing its files.
type KustomizeEdits struct {
	// Generate makes a kustomization.yaml when the directory has none, as
	// Flux does: every YAML file below it, and each subdirectory with its
	// own kustomization as a resource.
	Generate   bool              `json:"generate,omitempty"`
	Namespace  string            `json:"namespace,omitempty"`
	NamePrefix string            `json:"namePrefix,omitempty"`
	NameSuffix string            `json:"nameSuffix,omitempty"`
	Images     []Image           `json:"images,omitempty"`
	Patches    []Patch           `json:"patches,omitempty"`
	Components []string          `json:"components,omitempty"`
	Replicas   []Replica         `json:"replicas,omitempty"`
	Labels     map[string]string `json:"commonLabels,omitempty"`
	// Annotations become commonAnnotations.
	Annotations map[string]string `json:"commonAnnotations,omitempty"`
}

// Image is one kustomize images entry.
type Image struct {
	Name    string `json:"name" yaml:"name"`
	NewName string `json:"newName,omitempty" yaml:"newName,omitempty"`
	NewTag  string `json:"newTag,omitempty" yaml:"newTag,omitempty"`
	Digest  string `json:"digest,omitempty" yaml:"digest,omitempty"`
}

// Replica is one kustomize replicas entry.
type Replica struct {
	Name  string `json:"name" yaml:"name"`
	Count int64  `json:"count" yaml:"count"`
}

// Patch is one kustomize patches entry: an inline patch and its target
// selector, kept as written.
type Patch struct {
	Patch  string         `json:"patch" yaml:"patch"`
	Target map[string]any `json:"target,omitempty" yaml:"target,omitempty"`
}

// DirectoryOptions are Argo CD's directory source options. Include and
// Exclude are glob patterns on paths relative to the target, with {a,b}
// alternatives.
type DirectoryOptions struct {
	Recurse bool   `json:"recurse,omitempty"`
	Include string `json:"include,omitempty"`
	Exclude string `json:"exclude,omitempty"`
}

// PostBuild is a Flux Kustomization's postBuild: inline variables win
// over those read from ConfigMaps and Secrets, in the order given.
type PostBuild struct {
	Substitute     map[string]string `json:"substitute,omitempty"`
	SubstituteFrom []VarSource       `json:"substituteFrom,omitempty"`
}

// VarSource is one substituteFrom reference and where the repository
// defines the object. File is empty when no file does.
type VarSource struct {
	Kind     string `json:"kind"`
	Name     string `json:"name"`
	Optional bool   `json:"optional,omitempty"`
	File     string `json:"file,omitempty"`
	Line     int    `json:"line,omitempty"`
}

// ValuesRef is one valuesFrom reference of a HelmRelease and where the
// repository defines the object. File is empty when no file does.
type ValuesRef struct {
	Kind string `json:"kind"`
	Name string `json:"name"`
	// ValuesKey is the data key read; "values.yaml" when empty.
	ValuesKey string `json:"valuesKey,omitempty"`
	// TargetPath, when set, places the key's value at this path (in
	// --set syntax) instead of merging it as a values document.
	TargetPath string `json:"targetPath,omitempty"`
	Optional   bool   `json:"optional,omitempty"`
	File       string `json:"file,omitempty"`
	Line       int    `json:"line,omitempty"`
}

// RemoteChart is a chart of a Helm or OCI repository, resolved to an
// archive of the local chart cache.
type RemoteChart struct {
	// Repository is the repository's URL (https:// or oci://).
	Repository string `json:"repository"`
	Name       string `json:"name"`
	// Version is the version resolved from the constraint asked for.
	Version string `json:"version"`
	// Archive is the archive's file name in the chart cache.
	Archive string `json:"archive"`
	// Digest is the archive's SHA-256 (hex) when resolved: rendering
	// refuses an archive that changed since.
	Digest string `json:"digest"`
}

// Metadata are labels and annotations.
type Metadata struct {
	Labels      map[string]string `json:"labels,omitempty"`
	Annotations map[string]string `json:"annotations,omitempty"`
}

// Defaults for Helm targets, the same as helm template's.
const (
	DefaultReleaseName = "release-name"
	DefaultNamespace   = "default"
)
