package policy

import (
	"cmp"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	gocmp "github.com/google/go-cmp/cmp"

	"github.com/syncgate/syncgate/manifest"
)

func decodeDir(t *testing.T, dir string) []*manifest.Object {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var objects []*manifest.Object
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		objs, err := manifest.DecodeObjects(file, data, manifest.DefaultLimits())
		if err != nil {
			t.Fatal(err)
		}
		objects = append(objects, objs...)
	}
	return objects
}

// verdict is what a Gatekeeper test pins of a finding.
type verdict struct {
	Rule     string
	Severity manifest.Severity
	Object   string
	Message  string
}

var gatekeeperWant = []verdict{
	{"policy/gatekeeper/K8sAllowedRepos/internal-registry", manifest.SeverityWarning, "Deployment/sandbox/experiment",
		`container experiment: image docker.io/library/busybox:1.37 is not from an allowed registry ["registry.example.com/"]`},
	{"policy/gatekeeper/K8sAllowedRepos/internal-registry", manifest.SeverityWarning, "Deployment/shop/legacy",
		`container legacy: image docker.io/library/nginx:1.27 is not from an allowed registry ["registry.example.com/"]`},
	{"policy/gatekeeper/K8sContainerLimits/backend-limits", manifest.SeverityInfo, "Deployment/shop/legacy", "container legacy has no cpu limit"},
	{"policy/gatekeeper/K8sContainerLimits/backend-limits", manifest.SeverityInfo, "Deployment/shop/legacy", "container legacy has no memory limit"},
	{"policy/gatekeeper/K8sRequiredLabels/prod-owner", manifest.SeverityError, "Deployment/shop/legacy", `Deployment legacy must carry the labels {"team"}`},
	{"policy/gatekeeper/K8sUniqueIngressHost/unique-hosts", manifest.SeverityError, "Ingress/sandbox/web-copy", "host shop.example.com is already routed by Ingress shop/web"},
	{"policy/gatekeeper/K8sUniqueIngressHost/unique-hosts", manifest.SeverityError, "Ingress/shop/web", "host shop.example.com is already routed by Ingress sandbox/web-copy"},
	{"policy/gatekeeper/K8sBlockNodePort/no-nodeports", manifest.SeverityError, "Service/sandbox/debug", "NodePort Services are not allowed"},
}

// The five templates give the verdicts Gatekeeper's webhook would,
// whether they come from a policy directory or with the rendered objects.
func TestGatekeeper(t *testing.T) {
	objects := decodeDir(t, "../testdata/gatekeeper/objects")
	policies := decodeDir(t, "../testdata/gatekeeper/policies")
	tests := []struct {
		name    string
		dirs    []string
		objects []*manifest.Object
	}{
		{name: "policy directory", dirs: []string{"../testdata/gatekeeper/policies"}, objects: objects},
		{name: "rendered", objects: append(append([]*manifest.Object{}, policies...), objects...)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := Load(context.Background(), Options{Dirs: tt.dirs})
			if err != nil {
				t.Fatal(err)
			}
			findings := e.Evaluate(context.Background(), tt.objects)
			manifest.SortFindings(findings)
			var got []verdict
			for _, f := range findings {
				got = append(got, verdict{f.Rule, f.Severity, f.Object.String(), f.Message})
			}
			want := gatekeeperWant
			sortVerdicts(want)
			sortVerdicts(got)
			if diff := gocmp.Diff(want, got); diff != "" {
				t.Errorf("verdicts (-want +got):\n%s", diff)
			}
		})
	}
}

func sortVerdicts(v []verdict) {
	slices.SortFunc(v, func(a, b verdict) int {
		return cmp.Or(strings.Compare(a.Object, b.Object), strings.Compare(a.Rule, b.Rule), strings.Compare(a.Message, b.Message))
	})
}

// A template that calls http.send does not compile; the error names the
// file and the template.
func TestGatekeeperRefusesBuiltins(t *testing.T) {
	_, err := Load(context.Background(), Options{Dirs: []string{"testdata/gatekeeper-http"}})
	sources := manifest.SourceErrors(err)
	if len(sources) == 0 || sources[0].File != "testdata/gatekeeper-http/template.yaml" || !strings.Contains(err.Error(), "http.send") || !strings.Contains(err.Error(), "k8sexfiltrate") {
		t.Fatalf("got %v, want a compile error naming the file, the template and http.send", err)
	}
}

// A constraint whose kind no template defines fails closed.
func TestGatekeeperMissingTemplate(t *testing.T) {
	e, err := Load(context.Background(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	orphan := object(map[string]any{
		"apiVersion": "constraints.gatekeeper.sh/v1beta1", "kind": "K8sNoSuchTemplate",
		"metadata": map[string]any{"name": "orphan"},
	})
	f := e.Evaluate(context.Background(), []*manifest.Object{orphan})
	if len(f) != 1 || f[0].Rule != "policy/eval-error" || f[0].Severity != manifest.SeverityError || !strings.Contains(f[0].Message, "no ConstraintTemplate defines kind K8sNoSuchTemplate") {
		t.Fatalf("got %+v", f)
	}
}

func TestEnforcementAction(t *testing.T) {
	scoped := func(entries ...any) map[string]any {
		return map[string]any{"enforcementAction": "scoped", "scopedEnforcementActions": entries}
	}
	point := func(action string, points ...string) any {
		var list []any
		for _, p := range points {
			list = append(list, map[string]any{"name": p})
		}
		return map[string]any{"action": action, "enforcementPoints": list}
	}
	tests := []struct {
		name string
		spec map[string]any
		want manifest.Severity // "" for an error
	}{
		{"default", map[string]any{}, manifest.SeverityError},
		{"deny", map[string]any{"enforcementAction": "deny"}, manifest.SeverityError},
		{"warn", map[string]any{"enforcementAction": "warn"}, manifest.SeverityWarning},
		{"dryrun", map[string]any{"enforcementAction": "dryrun"}, manifest.SeverityInfo},
		{"unknown", map[string]any{"enforcementAction": "block"}, ""},
		{"scoped webhook warn, audit deny", scoped(point("warn", "validation.gatekeeper.sh"), point("deny", "audit.gatekeeper.sh")), manifest.SeverityWarning},
		{"scoped everywhere", scoped(point("deny", "*")), manifest.SeverityError},
		{"scoped audit only", scoped(point("deny", "audit.gatekeeper.sh")), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := newConstraint(object(map[string]any{
				"apiVersion": "constraints.gatekeeper.sh/v1beta1", "kind": "K8sBlockNodePort",
				"metadata": map[string]any{"name": "x"}, "spec": tt.spec,
			}))
			if tt.want == "" {
				if err == nil || manifest.SourceErrors(err)[0].File != "app/deploy.yaml" {
					t.Fatalf("got %v, want an error naming the file", err)
				}
				return
			}
			if err != nil || c.severity != tt.want {
				t.Fatalf("got %q, %v; want %q", c.severity, err, tt.want)
			}
		})
	}
}

// Other YAML in a policy directory is left alone; the templates beside it
// load.
func TestGatekeeperMixedYAML(t *testing.T) {
	e, err := Load(context.Background(), Options{Dirs: []string{"testdata/mixed-yaml"}})
	if err != nil {
		t.Fatal(err)
	}
	svc := object(map[string]any{"apiVersion": "v1", "kind": "Service", "metadata": map[string]any{"name": "web", "namespace": "shop"}, "spec": map[string]any{"type": "NodePort"}})
	if f := e.Evaluate(context.Background(), []*manifest.Object{svc}); len(f) != 1 || f[0].Rule != "policy/gatekeeper/K8sBlockNodePort/no-nodeports" {
		t.Fatalf("got %+v", f)
	}
}
