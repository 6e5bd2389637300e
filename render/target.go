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
	// ReleaseName is the Helm release name; "release-name" when empty, as
	// for helm template.
	ReleaseName string `json:"releaseName,omitempty"`
	// Namespace is the Helm release namespace; "default" when empty.
	Namespace string `json:"namespace,omitempty"`
	// KubernetesVersion overrides Options.KubernetesVersion for this target.
	KubernetesVersion string `json:"kubernetesVersion,omitempty"`
}

// Defaults for Helm targets, the same as helm template's.
const (
	DefaultReleaseName = "release-name"
	DefaultNamespace   = "default"
)
