// Package deploy holds the kustomize base and the Helm chart of syncgate
// serve; its test renders and checks both with syncgate itself.
package deploy

import (
	"context"
	"fmt"
	"os"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/syncgate/syncgate"
	"github.com/syncgate/syncgate/manifest"
	"github.com/syncgate/syncgate/render"
)

// config declares the chart's release as docs/serve.md installs it.
const config = `targets:
  - path: deploy/helm/syncgate
    type: helm
    releaseName: syncgate
    namespace: syncgate-system
`

// shape is what an installation must have, read from its objects.
type shape struct {
	Replicas            int64
	RunAsNonRoot        bool
	ReadOnlyRootFS      bool
	Probes              []string
	ResourceLimits      bool
	PDBMinAvailable     int64
	Service             bool
	FailurePolicy       string
	SideEffects         string
	TimeoutSeconds      int64
	ExcludedNamespaces  []any
	WebhookPath         string
	Certificate         bool
	CAInjectedFrom      string
	TokenAutomounted    bool
	ServiceAccountToken bool
}

func TestDeploy(t *testing.T) {
	ctx := context.Background()
	cfg, err := syncgate.ParseConfig(".syncgate.yaml", []byte(config))
	if err != nil {
		t.Fatal(err)
	}
	opts := syncgate.DefaultOptions()
	opts.FailOn = manifest.SeverityWarning
	g, err := syncgate.New(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	src := syncgate.FS(os.DirFS(".."), "deploy")
	src.Trusted = cfg
	d, err := g.Check(ctx, src)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range d.Findings {
		t.Errorf("%s %s %s: %s", f.Severity, f.Rule, f.File, f.Message)
	}
	targets, err := g.Targets(ctx, src)
	if err != nil {
		t.Fatal(err)
	}
	results, err := g.Render(ctx, src, targets)
	if err != nil {
		t.Fatal(err)
	}
	want := shape{
		Replicas: 2, RunAsNonRoot: true, ReadOnlyRootFS: true, Probes: []string{"/healthz", "/readyz"},
		ResourceLimits: true, PDBMinAvailable: 1, Service: true,
		FailurePolicy: "Fail", SideEffects: "None", TimeoutSeconds: 10,
		ExcludedNamespaces: []any{"syncgate-system", "kube-system"}, WebhookPath: "/v1/admission",
		Certificate: true, CAInjectedFrom: "syncgate-system/syncgate",
	}
	// deploy/argocd-cmp is the Argo CD plugin sidecar, not the gate's own
	// Deployment: its package tests it.
	results = slices.DeleteFunc(results, func(res *render.Result) bool { return res.Target.Path == "deploy/argocd-cmp" })
	if len(results) != 2 {
		t.Fatalf("targets: %v, want the chart and the default overlay", targets)
	}
	for _, res := range results {
		t.Run(res.Target.Name, func(t *testing.T) {
			if res.Err != nil {
				t.Fatal(res.Err)
			}
			if diff := cmp.Diff(want, shapeOf(res.Objects)); diff != "" {
				t.Errorf("installation (-want +got):\n%s", diff)
			}
		})
	}
}

func shapeOf(objects []*manifest.Object) shape {
	var s shape
	for _, o := range objects {
		c := o.Content
		switch o.Kind {
		case "Deployment":
			s.Replicas, _ = at(c, "spec", "replicas").(int64)
			pod := at(c, "spec", "template", "spec")
			s.RunAsNonRoot, _ = at(pod, "securityContext", "runAsNonRoot").(bool)
			s.TokenAutomounted, _ = at(pod, "automountServiceAccountToken").(bool)
			container := at(pod, "containers", 0)
			s.ReadOnlyRootFS, _ = at(container, "securityContext", "readOnlyRootFilesystem").(bool)
			for _, probe := range []string{"livenessProbe", "readinessProbe"} {
				if p, ok := at(container, probe, "httpGet", "path").(string); ok {
					s.Probes = append(s.Probes, p)
				}
			}
			s.ResourceLimits = at(container, "resources", "limits", "memory") != nil && at(container, "resources", "requests", "cpu") != nil
		case "PodDisruptionBudget":
			s.PDBMinAvailable, _ = at(c, "spec", "minAvailable").(int64)
		case "Service":
			s.Service = true
		case "ServiceAccount":
			s.ServiceAccountToken, _ = at(c, "automountServiceAccountToken").(bool)
		case "Certificate":
			s.Certificate = true
		case "ValidatingWebhookConfiguration":
			w := at(c, "webhooks", 0)
			s.FailurePolicy, _ = at(w, "failurePolicy").(string)
			s.SideEffects, _ = at(w, "sideEffects").(string)
			s.TimeoutSeconds, _ = at(w, "timeoutSeconds").(int64)
			s.ExcludedNamespaces, _ = at(w, "namespaceSelector", "matchExpressions", 0, "values").([]any)
			s.WebhookPath, _ = at(w, "clientConfig", "service", "path").(string)
			s.CAInjectedFrom, _ = at(c, "metadata", "annotations", "cert-manager.io/inject-ca-from").(string)
		}
	}
	return s
}

// at walks maps by key and lists by index; nil when a step is missing.
func at(v any, path ...any) any {
	for _, step := range path {
		switch s := step.(type) {
		case string:
			m, _ := v.(map[string]any)
			v = m[s]
		case int:
			l, _ := v.([]any)
			if s >= len(l) {
				return nil
			}
			v = l[s]
		default:
			panic(fmt.Sprintf("path step %T", step))
		}
	}
	return v
}
