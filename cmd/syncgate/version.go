package main

import (
	"encoding/json"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"

	"github.com/syncgate/syncgate/validate"
)

// engines are the libraries whose versions decide a result, in the order
// of the pipeline: rendering, schema validation, policies, secrets. Their
// versions come from the build information, never from this list.
var engines = []struct{ name, module string }{
	{"kustomize-api", "sigs.k8s.io/kustomize/api"},
	{"helm", "helm.sh/helm/v4"},
	{"kubeconform", "github.com/yannh/kubeconform"},
	{"jsonschema", "github.com/santhosh-tekuri/jsonschema/v6"},
	{"apiextensions-apiserver", "k8s.io/apiextensions-apiserver"},
	{"opa", "github.com/open-policy-agent/opa"},
	{"sops", "github.com/getsops/sops/v3"},
	{"gitleaks", "github.com/zricethezav/gitleaks/v8"},
}

// versionInfo is what syncgate version prints; with -o json its field
// names are a stable contract.
type versionInfo struct {
	Syncgate string          `json:"syncgate"`
	Go       string          `json:"go"`
	Engines  []engineVersion `json:"engines"`
	Schemas  schemaVersions  `json:"schemas"`
}

// engineVersion is the version of one engine's Go module.
type engineVersion struct {
	Name    string `json:"name"`
	Module  string `json:"module"`
	Version string `json:"version"`
}

// schemaVersions are the schema data built into the binary.
type schemaVersions struct {
	// Kubernetes are the minors with embedded schemas, oldest first.
	Kubernetes []string `json:"kubernetes"`
	// CRDCatalog are the projects of the bundled CRD catalogue and the
	// module versions their CRDs come from.
	CRDCatalog []engineVersion `json:"crdCatalog"`
}

// unknownVersion stands for a version the build information does not hold.
const unknownVersion = "unknown"

// buildVersions reads the versions from info, the build information of
// the running binary; nil (a binary built without module support) gives
// "unknown" for every module.
func buildVersions(info *debug.BuildInfo) versionInfo {
	v := versionInfo{Syncgate: unknownVersion, Go: runtime.Version(), Schemas: schemaVersions{Kubernetes: validate.KubernetesVersions()}}
	for _, p := range validate.CRDCatalog() {
		v.Schemas.CRDCatalog = append(v.Schemas.CRDCatalog, engineVersion{Name: p.Name, Module: p.Module, Version: p.Version})
	}
	deps := map[string]*debug.Module{}
	if info != nil {
		v.Syncgate, v.Go = info.Main.Version, info.GoVersion
		for _, d := range info.Deps {
			deps[d.Path] = d
		}
	}
	for _, e := range engines {
		version := unknownVersion
		if d, ok := deps[e.module]; ok {
			version = d.Version
			if r := d.Replace; r != nil {
				// A replaced module runs the replacement; a local
				// directory has no version, only its path.
				version = r.Version
				if version == "" {
					version = r.Path
				}
			}
		}
		v.Engines = append(v.Engines, engineVersion{Name: e.name, Module: e.module, Version: version})
	}
	return v
}

// writeText prints one "name: version" line per component, as flux
// version does.
func (v versionInfo) writeText(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "syncgate: %s\ngo: %s\n", v.Syncgate, v.Go)
	for _, e := range v.Engines {
		fmt.Fprintf(&b, "%s: %s\n", e.Name, e.Version)
	}
	fmt.Fprintf(&b, "kubernetes-schemas: %s\n", strings.Join(v.Schemas.Kubernetes, ", "))
	for _, p := range v.Schemas.CRDCatalog {
		fmt.Fprintf(&b, "crd-catalog/%s: %s %s\n", p.Name, p.Module, p.Version)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func newVersionCmd() *cobra.Command {
	var output string
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print the versions of syncgate, Go, every engine that decides a result, and the built-in schemas",
		Long: `Print the version of syncgate and of everything that decides what it
reports: Go, the rendering engines (kustomize's API, Helm), the schema
validators (kubeconform's schema locations, the JSON schema engine, the
apiserver's CRD and CEL libraries), OPA, SOPS and gitleaks, read from
the binary's build information, and the Kubernetes versions whose schemas
are built in. -o json prints the same as a stable contract.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if output != "text" && output != "json" {
				return usageError(fmt.Errorf("unknown output format %q (want text or json)", output))
			}
			info, _ := debug.ReadBuildInfo() // nil when the binary has none
			v := buildVersions(info)
			if output == "json" {
				enc := json.NewEncoder(cmd.OutOrStdout())
				enc.SetIndent("", "  ")
				return enc.Encode(v)
			}
			return v.writeText(cmd.OutOrStdout())
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "text", "output format: text or json")
	return cmd
}
