package validate

import (
	"context"
	"encoding/json"
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/syncgate/syncgate/manifest"
	"github.com/syncgate/syncgate/validate/internal/catalog"
)

func readObjects(t *testing.T, file string) []*manifest.Object {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	return decodeObjects(t, file, b)
}

func validateShort(t *testing.T, v *Validator, objs []*manifest.Object) []string {
	t.Helper()
	var got []string
	for _, f := range v.Validate(context.Background(), objs) {
		got = append(got, short(f)+" "+apiserverWording(f))
	}
	return got
}

func TestCRDCatalogObjects(t *testing.T) {
	tests := []struct {
		name  string
		file  string
		noCat bool
		want  []string
	}{
		{name: "valid", file: "testdata/catalog/valid.yaml"},
		{name: "invalid", file: "testdata/catalog/invalid.yaml", want: []string{
			"testdata/catalog/invalid.yaml:3 schema/required spec.sourceRef spec.sourceRef: required field is missing",
			"testdata/catalog/invalid.yaml:15 schema/unknown-field spec.valuesFile spec.valuesFile: unknown field",
			"testdata/catalog/invalid.yaml:32 schema/required spec.issuerRef.name spec.issuerRef.name: required field is missing",
			"testdata/catalog/invalid.yaml:32 schema/type spec.duration spec.duration: wrong type: got number, want string",
			"testdata/catalog/invalid.yaml:46 schema/cel spec.rules[0].matches[0].path spec.rules[0].matches[0].path: Invalid value: value must be an absolute path and start with '/' when type one of ['Exact', 'PathPrefix']",
			"testdata/catalog/invalid.yaml:64 schema/required spec.destination spec.destination: required field is missing",
			"testdata/catalog/invalid.yaml:64 schema/unknown-field spec.destinations spec.destinations: unknown field",
		}},
		{name: "catalogue off", file: "testdata/catalog/invalid.yaml", noCat: true, want: []string{
			"testdata/catalog/invalid.yaml:3 schema/missing-schema  warning no schema for kustomize.toolkit.fluxcd.io/v1 Kustomization in Kubernetes 1.37, the CRDs or the schema locations",
			"testdata/catalog/invalid.yaml:15 schema/missing-schema  warning no schema for helm.toolkit.fluxcd.io/v2 HelmRelease in Kubernetes 1.37, the CRDs or the schema locations",
			"testdata/catalog/invalid.yaml:32 schema/missing-schema  warning no schema for cert-manager.io/v1 Certificate in Kubernetes 1.37, the CRDs or the schema locations",
			"testdata/catalog/invalid.yaml:46 schema/missing-schema  warning no schema for gateway.networking.k8s.io/v1 HTTPRoute in Kubernetes 1.37, the CRDs or the schema locations",
			"testdata/catalog/invalid.yaml:64 schema/missing-schema  warning no schema for argoproj.io/v1alpha1 Application in Kubernetes 1.37, the CRDs or the schema locations",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := New(Options{KubernetesVersion: "1.37", NoCRDCatalog: tt.noCat})
			if err != nil {
				t.Fatal(err)
			}
			got := validateShort(t, v, readObjects(t, tt.file))
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("findings (-want +got):\n%s", diff)
			}
		})
	}
}

// A certificate CRD of the repository's own (rendered, or given with
// --crds) that lets spec.duration be a number: it, not the catalogue's,
// judges cert-manager.io/v1 Certificates.
const ownCertificateCRD = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: certificates.cert-manager.io
spec:
  group: cert-manager.io
  names:
    kind: Certificate
    listKind: CertificateList
    plural: certificates
    singular: certificate
  scope: Namespaced
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            x-kubernetes-preserve-unknown-fields: true
            properties:
              duration:
                type: integer
`

func TestCRDCatalogOwnCRDsWin(t *testing.T) {
	crds := decodeObjects(t, "crds.yaml", []byte(ownCertificateCRD))
	cert := decodeObjects(t, "cert.yaml", []byte(`apiVersion: cert-manager.io/v1
kind: Certificate
metadata:
  name: web
spec:
  duration: 2160
  anything: goes
`))
	catalogue := []string{
		"cert.yaml:1 schema/required spec.issuerRef spec.issuerRef: required field is missing",
		"cert.yaml:1 schema/required spec.secretName spec.secretName: required field is missing",
		"cert.yaml:1 schema/type spec.duration spec.duration: wrong type: got number, want string",
		"cert.yaml:1 schema/unknown-field spec.anything spec.anything: unknown field",
	}
	tests := []struct {
		name    string
		userCRD bool // given as Options.CRDs (--crds)
		runCRD  bool // among the rendered objects (WithCRDs)
		want    []string
	}{
		{name: "catalogue", want: catalogue},
		{name: "--crds", userCRD: true},
		{name: "rendered", runCRD: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := Options{}
			if tt.userCRD {
				opts.CRDs = crds
			}
			v, err := New(opts)
			if err != nil {
				t.Fatal(err)
			}
			if tt.runCRD {
				v = v.WithCRDs(crds)
				if findings := v.CRDFindings(); len(findings) > 0 {
					t.Fatalf("CRDFindings: %v", findings)
				}
			}
			if diff := cmp.Diff(tt.want, validateShort(t, v, cert)); diff != "" {
				t.Errorf("findings (-want +got):\n%s", diff)
			}
		})
	}
}

// TestCRDCatalogLoads loads every kind of the catalogue through the
// Validator, and checks every CRD as the API server would, which the
// Validator skips: an entry that does not load would be a finding in a
// user's run; catalogen refuses it, and this keeps the embedded data
// honest.
func TestCRDCatalogLoads(t *testing.T) {
	if testing.Short() {
		t.Skip("compiles every catalogue CRD")
	}
	v, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range catalog.Entries() {
		crds, err := catalog.Load(e.Name)
		if err != nil {
			t.Fatal(err)
		}
		var objs []*manifest.Object
		for _, name := range sortedKeys(crds) {
			var content map[string]any
			if err := json.Unmarshal(crds[name], &content); err != nil {
				t.Fatalf("%s: %s: %v", e.Name, name, err)
			}
			objs = append(objs, manifest.NewObject(content, manifest.Origin{File: e.Name + "/" + name}))
		}
		if _, findings := loadCRDs(v.builtins.defs, objs); len(findings) > 0 {
			t.Errorf("%s: the API server would refuse: %v", e.Name, findings)
		}
		for _, k := range e.Kinds {
			m, err := v.crdKind(gvk{k.Group, k.Version, k.Kind}, "")
			if err != nil || m == nil {
				t.Errorf("%s: %s/%s %s: %v", e.Name, k.Group, k.Version, k.Kind, err)
				continue
			}
			if _, err := m.set.schema(m.kind); err != nil {
				t.Errorf("%s: %s/%s %s: schema: %v", e.Name, k.Group, k.Version, k.Kind, err)
			}
			n++
		}
	}
	if n < 100 {
		t.Errorf("%d catalogue kinds loaded, want the whole catalogue (over 100)", n)
	}
}

func TestCRDCatalogList(t *testing.T) {
	projects := CRDCatalog()
	var names []string
	kinds := map[string]bool{}
	for _, p := range projects {
		names = append(names, p.Name)
		if p.Module == "" || p.Version == "" || len(p.Kinds) == 0 {
			t.Errorf("%s: module %q version %q, %d kinds", p.Name, p.Module, p.Version, len(p.Kinds))
		}
		for _, k := range p.Kinds {
			kinds[k] = true
		}
	}
	want := []string{
		"flux-source-controller", "flux-kustomize-controller", "flux-helm-controller",
		"flux-notification-controller", "flux-image-reflector-controller",
		"flux-image-automation-controller", "flux-source-watcher", "argo-cd", "argo-rollouts",
		"cert-manager", "gateway-api", "prometheus-operator", "sealed-secrets",
		"external-secrets", "kyverno", "gatekeeper",
	}
	if diff := cmp.Diff(want, names); diff != "" {
		t.Errorf("projects (-want +got):\n%s", diff)
	}
	for _, k := range []string{
		"kustomize.toolkit.fluxcd.io/v1 Kustomization", "helm.toolkit.fluxcd.io/v2 HelmRelease",
		"source.toolkit.fluxcd.io/v1 GitRepository", "source.extensions.fluxcd.io/v1beta1 ArtifactGenerator",
		"argoproj.io/v1alpha1 Application", "argoproj.io/v1alpha1 ApplicationSet",
		"argoproj.io/v1alpha1 AppProject", "argoproj.io/v1alpha1 Rollout",
		"cert-manager.io/v1 Certificate", "gateway.networking.k8s.io/v1 HTTPRoute",
		"gateway.networking.k8s.io/v1alpha2 TCPRoute", "monitoring.coreos.com/v1 ServiceMonitor",
		"bitnami.com/v1alpha1 SealedSecret", "external-secrets.io/v1 ExternalSecret",
		"kyverno.io/v1 ClusterPolicy", "templates.gatekeeper.sh/v1 ConstraintTemplate",
	} {
		if !kinds[k] {
			t.Errorf("catalogue lacks %s", k)
		}
	}
}
