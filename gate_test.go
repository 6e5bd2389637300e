package syncgate

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"

	"github.com/syncgate/syncgate/manifest"
	"github.com/syncgate/syncgate/render"
)

// Gates with Isolation render in this test binary, re-executed.
func TestMain(m *testing.M) {
	ServeWorker()
	os.Exit(m.Run())
}

func checkDir(t *testing.T, dir string) *Decision {
	t.Helper()
	return checkDirWith(t, DefaultOptions(), dir)
}

func checkDirWith(t *testing.T, opts Options, dir string) *Decision {
	t.Helper()
	g, err := New(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	src, err := OpenDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	d, err := g.Check(context.Background(), src)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// finding keeps the fields a test pins; messages come from the libraries.
type finding struct {
	Rule, File string
	Line       int
}

func TestCheckBadInput(t *testing.T) {
	tests := []struct {
		dir  string
		want []finding
	}{
		{dir: "outside-root", want: []finding{{"render/failed", "testdata/bad/outside-root/app", 0}}},
		{dir: "remote-base", want: []finding{{"render/failed", "testdata/bad/remote-base/app/kustomization.yaml", 3}}},
		{dir: "missing-dep", want: []finding{{"render/failed", "testdata/bad/missing-dep/chart/Chart.yaml", 0}}},
		{dir: "yaml-syntax", want: []finding{{"render/failed", "testdata/bad/yaml-syntax/app/configmap.yaml", 5}}},
		{dir: "template-error", want: []finding{{"render/failed", "testdata/bad/template-error/chart/templates/cm.yaml", 6}}},
		{dir: "alias-bomb", want: []finding{{"render/resource-limit", "testdata/bad/alias-bomb/app/bomb.yaml", 4}}},
		{dir: "duplicate", want: []finding{{"render/duplicate-object", "testdata/bad/duplicate/plain/b.yaml", 7}}},
	}
	for _, tt := range tests {
		t.Run(tt.dir, func(t *testing.T) {
			d := checkDir(t, filepath.Join("testdata/bad", tt.dir))
			if d.Allowed {
				t.Error("Allowed = true, want false")
			}
			var got []finding
			for _, f := range d.Findings {
				got = append(got, finding{f.Rule, f.File, f.Line})
				if f.Severity != manifest.SeverityError || f.Message == "" || f.Target == "" {
					t.Errorf("finding %+v lacks severity, message or target", f)
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("findings (-want +got):\n%s", diff)
			}
		})
	}
}

// Isolation changes where targets render, never what a Check decides.
func TestCheckIsolatedMatchesInProcess(t *testing.T) {
	isolated := DefaultOptions()
	limits := DefaultIsolation()
	isolated.Isolation = &limits
	for _, dir := range []string{"testdata/bad", "examples/broken", "examples/gitops-repo"} {
		t.Run(dir, func(t *testing.T) {
			want, got := checkDir(t, dir), checkDirWith(t, isolated, dir)
			if diff := cmp.Diff(want.Findings, got.Findings); diff != "" {
				t.Errorf("findings differ (-in-process +isolated):\n%s", diff)
			}
			if diff := cmp.Diff(want.Targets, got.Targets); diff != "" {
				t.Errorf("targets differ (-in-process +isolated):\n%s", diff)
			}
		})
	}
}

// CheckObjects is given rendered objects: with Isolation its policies are
// still evaluated (no worker renders, so none evaluates alongside).
func TestCheckObjectsIsolatedEvaluatesPolicies(t *testing.T) {
	opts := DefaultOptions()
	limits := DefaultIsolation()
	opts.Isolation = &limits
	isolated, err := New(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { isolated.Close() })
	inProcess, err := New(context.Background(), DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	pod := manifest.NewObject(map[string]any{
		"apiVersion": "v1", "kind": "Pod", "metadata": map[string]any{"name": "p", "namespace": "shop"},
		"spec": map[string]any{"containers": []any{map[string]any{"name": "c", "image": "nginx:latest"}}},
	}, manifest.Origin{File: "pod.yaml", Line: 1, Target: "t"})
	want, err := inProcess.CheckObjects(context.Background(), objectsOf([]*manifest.Object{pod}))
	if err != nil {
		t.Fatal(err)
	}
	got, err := isolated.CheckObjects(context.Background(), objectsOf([]*manifest.Object{pod}))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(want.Findings, func(f manifest.Finding) bool { return f.Rule == "policy/image-tag-latest" }) {
		t.Fatalf("in-process findings %v lack policy/image-tag-latest", want.Findings)
	}
	if diff := cmp.Diff(want.Findings, got.Findings); diff != "" {
		t.Errorf("findings differ (-in-process +isolated):\n%s", diff)
	}
}

func TestCheckRefusesSymlinkOutOfRoot(t *testing.T) {
	outside := filepath.Join(t.TempDir(), "secret.yaml")
	if err := os.WriteFile(outside, []byte("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: leaked}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	repo := t.TempDir()
	if err := os.WriteFile(filepath.Join(repo, "kustomization.yaml"), []byte("resources: [link.yaml]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(repo, "link.yaml")); err != nil {
		t.Fatal(err)
	}
	d := checkDir(t, repo)
	if d.Allowed || len(d.Findings) != 1 || d.Findings[0].Rule != "render/failed" {
		t.Fatalf("decision %+v, want one render/failed finding", d)
	}
	if d.Stats.Objects != 0 {
		t.Errorf("%d objects rendered through a symlink out of the root", d.Stats.Objects)
	}
}

func TestCheckConfigTargets(t *testing.T) {
	fsys := fstest.MapFS{
		"chart/Chart.yaml":        {Data: []byte("apiVersion: v2\nname: c\nversion: 0.1.0\n")},
		"chart/values.yaml":       {Data: []byte("name: base\n")},
		"env/eu.yaml":             {Data: []byte("name: eu\n")},
		"chart/templates/cm.yaml": {Data: []byte("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Values.name }}\n  namespace: {{ .Release.Namespace }}\n")},
		"plain/ns.yaml":           {Data: []byte("apiVersion: v1\nkind: Namespace\nmetadata: {name: web}\n")},
	}
	cfg, err := ParseConfig(ConfigFileName, []byte(`
targets:
  - path: chart
    type: helm
    name: chart-eu
    valuesFiles: [env/eu.yaml]
    namespace: web
`))
	if err != nil {
		t.Fatal(err)
	}
	opts := DefaultOptions()
	opts.Config = cfg
	g, err := New(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	d, err := g.Check(context.Background(), FS(fsys))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, tr := range d.Targets {
		names = append(names, tr.Name)
	}
	if diff := cmp.Diff([]string{"chart-eu", "plain"}, names); diff != "" {
		t.Errorf("targets (-want +got):\n%s", diff)
	}
	if !d.Allowed || d.Stats.Objects != 2 {
		t.Errorf("decision %+v, want allowed with 2 objects", d)
	}
}

func TestParseConfigErrors(t *testing.T) {
	tests := []struct {
		name, input, want string
	}{
		{name: "unknown key", input: "kubernetesVersion: '1.33'\ntargest: []\n", want: ".syncgate.yaml:2:"},
		{name: "bad type", input: "targets:\n  - path: x\n    type: kpt\n", want: `type "kpt"`},
		{name: "no path", input: "targets:\n  - type: helm\n", want: "path is required"},
		{name: "duplicate key", input: "kubernetesVersion: a\nkubernetesVersion: b\n", want: "duplicate key"},
		// The chart cache is read outside the repository: the Gate's option only.
		{name: "chart cache", input: "chartCache: /home\n", want: ".syncgate.yaml:1:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseConfig(ConfigFileName, []byte(tt.input))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func FuzzParseConfig(f *testing.F) {
	f.Add([]byte("kubernetesVersion: '1.33'\ntargets:\n  - {path: a, type: helm, valuesFiles: [v.yaml]}\n"))
	f.Add([]byte("targets: &t [*t]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := ParseConfig(ConfigFileName, data)
		if err == nil && cfg == nil {
			t.Fatal("nil config without error")
		}
	})
}

func TestCheckObjectsFindsDuplicates(t *testing.T) {
	g, err := New(context.Background(), DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	obj := func(line int) *manifest.Object {
		return manifest.NewObject(map[string]any{"apiVersion": "v1", "kind": "ConfigMap", "metadata": map[string]any{"name": "a"}},
			manifest.Origin{File: "f.yaml", Line: line, Target: "t"})
	}
	d, err := g.CheckObjects(context.Background(), objectsOf([]*manifest.Object{obj(1), obj(9)}))
	if err != nil {
		t.Fatal(err)
	}
	if d.Allowed || len(d.Findings) != 1 || d.Findings[0].Line != 9 || !strings.Contains(d.Findings[0].Message, "f.yaml:1") {
		t.Errorf("decision %+v, want one duplicate at line 9 naming line 1", d)
	}
}

// The repeats of one file's objects in another are one finding per pair of
// files, on the first repeat, as install.yaml and namespace-install.yaml in
// one directory are one mistake.
func TestDuplicateFindingsGroupByFile(t *testing.T) {
	cm := func(name, file string, line int) *manifest.Object {
		return manifest.NewObject(map[string]any{"apiVersion": "v1", "kind": "ConfigMap", "metadata": map[string]any{"name": name}},
			manifest.Origin{File: file, Line: line, Target: "t"})
	}
	objects := []*manifest.Object{
		cm("a", "install.yaml", 1), cm("b", "install.yaml", 5), cm("c", "install.yaml", 9),
		cm("a", "ns-install.yaml", 1), cm("b", "ns-install.yaml", 5), cm("c", "ns-install.yaml", 9),
		cm("b", "extra.yaml", 3),
		cm("c", "install.yaml", 20),
	}
	type finding struct {
		File    string
		Line    int
		Message string
	}
	want := []finding{
		{"ns-install.yaml", 1, "ConfigMap/a and 2 more objects of this file are defined more than once (first in install.yaml, from install.yaml:1)"},
		{"extra.yaml", 3, "ConfigMap/b is defined more than once (first in install.yaml:5)"},
		{"install.yaml", 20, "ConfigMap/c is defined more than once (first in install.yaml:9)"},
	}
	var got []finding
	for _, f := range duplicateFindings(objects) {
		got = append(got, finding{f.File, f.Line, f.Message})
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}
}

func TestNewRejectsBadFailOn(t *testing.T) {
	opts := DefaultOptions()
	opts.FailOn = "fatal"
	if _, err := New(context.Background(), opts); err == nil {
		t.Error("New accepted fail-on fatal")
	}
}

// Policies run on every rendered object, and their findings carry the
// object's origin.
func TestCheckPolicies(t *testing.T) {
	opts := DefaultOptions()
	opts.Policy.Dirs = []string{"policy/testdata/basic"}
	opts.FailOn = manifest.SeverityWarning
	d := checkDirWith(t, opts, "examples/broken")
	var warned []string
	for _, f := range d.Findings {
		if f.Rule == "policy/main/warn_latest" {
			warned = append(warned, f.Object.Name)
			if f.File == "" || f.Object == nil {
				t.Errorf("finding %+v has no origin", f)
			}
		}
	}
	if len(warned) == 0 || d.Allowed {
		t.Fatalf("got allowed=%v and warn_latest findings %v, want findings that block at --fail-on warning", d.Allowed, warned)
	}
}

// A file selects the targets whose inputs hold it: through bases,
// values files and components, and, for the targets of a Flux artifact,
// the files its ArtifactGenerator copies and the generator's own file.
func TestTargetsOfChangedFiles(t *testing.T) {
	const gitops, artifact = "examples/gitops-repo", "testdata/engine/artifact"
	tests := []struct {
		repo  string
		files []string
		want  []string
	}{
		{repo: gitops, files: []string{"apps/web/base/deployment.yaml"}, want: []string{"apps/web/overlays/dev", "apps/web/overlays/prod", "apps/web/overlays/staging"}},
		{repo: gitops, files: []string{"apps/web/overlays/prod/kustomization.yaml", "platform/namespaces.yaml"}, want: []string{"apps/web/overlays/prod", "platform"}},
		{repo: gitops, files: []string{"charts/webapp/values-dev.yaml"}, want: []string{"charts/webapp", "charts/webapp:dev", "charts/webapp:prod"}},
		{repo: gitops, files: []string{"components/monitoring/kustomization.yaml"}, want: []string{"apps/api/overlays/prod", "apps/api/overlays/staging"}},
		{repo: gitops, files: []string{"README.md"}, want: nil},
		{repo: artifact, files: []string{"envs/prod/configmap.yaml"}, want: []string{"envs/prod", "flux/flux-system/podinfo"}},
		{repo: artifact, files: []string{"apps/frontend/service.yaml"}, want: []string{"apps/frontend", "flux/web/frontend"}},
		{repo: artifact, files: []string{"charts/hello/values-prod.yaml"}, want: []string{"charts/hello", "charts/hello:prod", "flux/helmrelease/flux-system/hello"}},
		{repo: artifact, files: []string{"clusters/prod/generators.yaml"}, want: []string{"clusters/prod", "flux/flux-system/escape", "flux/flux-system/podinfo",
			"flux/flux-system/unknown-alias", "flux/helmrelease/flux-system/hello", "flux/web/frontend"}},
		// Inputs are the rules' directories: a file an exclude leaves out
		// re-checks the artifact's target too.
		{repo: artifact, files: []string{"apps/podinfo/testdata/broken.yaml"}, want: []string{"apps/podinfo", "flux/flux-system/podinfo"}},
	}
	opts := DefaultOptions()
	opts.Engine.RepoURL = "https://github.com/example/fleet" // the artifact fixture's
	g, err := New(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		targets, err := g.Targets(context.Background(), FS(os.DirFS(tt.repo), tt.files...))
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, target := range targets {
			got = append(got, target.Name)
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("targets of %v in %s (-want +got):\n%s", tt.files, tt.repo, diff)
		}
	}
}

// objectsOf hands objects to CheckObjects as one target's.
func objectsOf(objects []*manifest.Object) Objects {
	return Objects{Targets: []*render.Result{{Target: render.Target{Name: "t"}, Objects: objects}}}
}

// A repository in memory is decided as the same files on disk: its
// .syncgate.yaml, and the policies and CRDs it names, load from its fs.FS.
func TestFSSourceReadsItsConfig(t *testing.T) {
	files := map[string]string{
		".syncgate.yaml":   "policies: [policy]\ncrds: [crds]\nexceptions:\n  - rule: schema/enum\n    reason: known\n",
		"policy/cm.rego":   "package main\n\ndeny contains \"no owner\" if {\n\tinput.kind == \"ConfigMap\"\n\tnot input.metadata.labels.owner\n}\n",
		"crds/widget.yaml": widgetCRD,
		"app/cm.yaml":      "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: shop\n",
		"app/widget.yaml":  "apiVersion: example.io/v1\nkind: Widget\nmetadata:\n  name: w\n  namespace: shop\nspec:\n  size: big\n",
		"app/pod.yaml":     "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  namespace: shop\nspec:\n  containers:\n    - name: c\n      image: nginx:1.27\n      imagePullPolicy: Sometimes\n",
	}
	mem := fstest.MapFS{}
	for name, data := range files {
		mem[name] = &fstest.MapFile{Data: []byte(data)}
	}
	dir := t.TempDir()
	writeFiles(t, dir, files)
	opts := DefaultOptions()
	opts.Policy.Bundled = false
	g, err := New(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	fromMemory, err := g.Check(context.Background(), FS(mem))
	if err != nil {
		t.Fatal(err)
	}
	disk, err := OpenRoot(dir, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer disk.Close()
	fromDisk, err := g.Check(context.Background(), disk)
	if err != nil {
		t.Fatal(err)
	}
	summary := func(d *Decision) []string {
		var out []string
		for _, f := range d.Findings {
			out = append(out, f.Rule+" "+f.File)
		}
		for _, w := range d.Waived {
			out = append(out, "waived "+w.Rule+" "+w.File)
		}
		return out
	}
	want := []string{"policy/main/deny app/cm.yaml", "schema/type app/widget.yaml", "waived schema/enum app/pod.yaml"}
	if diff := cmp.Diff(want, summary(fromMemory)); diff != "" {
		t.Errorf("in memory (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(summary(fromMemory), summary(fromDisk)); diff != "" {
		t.Errorf("on disk differs from in memory (-memory +disk):\n%s", diff)
	}
}

// Isolation renders from disk: a repository in memory is refused, never
// rendered in-process behind the caller's back.
func TestIsolationNeedsADirectory(t *testing.T) {
	opts := DefaultOptions()
	limits := DefaultIsolation()
	opts.Isolation = &limits
	g, err := New(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	mem := fstest.MapFS{"cm.yaml": {Data: []byte("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n")}}
	if _, err := g.Check(context.Background(), FS(mem)); err == nil || !strings.Contains(err.Error(), "cannot be isolated") {
		t.Errorf("Check of an in-memory source with Isolation = %v, want a refusal", err)
	}
}

// Outside git the root is the working directory when the path is under
// it, else the path itself.
func TestRootOf(t *testing.T) {
	dir := t.TempDir()
	for _, d := range []string{"tree/apps/web", "elsewhere/app"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	t.Chdir(filepath.Join(dir, "tree"))
	for _, tt := range []struct{ path, want string }{
		{"apps/web", filepath.Join(dir, "tree")},
		{".", filepath.Join(dir, "tree")},
		{filepath.Join(dir, "elsewhere/app"), filepath.Join(dir, "elsewhere/app")},
	} {
		got, err := RootOf(tt.path)
		if err != nil || got != tt.want {
			t.Errorf("RootOf(%s) = %q, %v; want %q", tt.path, got, err, tt.want)
		}
	}
	if _, err := OpenRoot(filepath.Join(dir, "tree/apps"), "."); err == nil || !strings.Contains(err.Error(), "outside the repository root") {
		t.Errorf("OpenRoot of a path outside the root = %v, want an error naming the root", err)
	}
}

// The bundled checks' findings on an overlay's Deployment sit on the line
// that wrote their field, through provenance: a value an overlay patch
// sets on the patch's line, a field missing from a container on the line
// of the container (or of its nearest existing parent) where it was made.
func TestBundledFindingsOnTheirWriter(t *testing.T) {
	d := checkDir(t, "testdata/provenance")
	tests := []struct{ rule, field, want string }{
		{"policy/run-as-root", "spec.template.spec.containers[0].securityContext.runAsNonRoot", "kustomize/overlay/kustomization.yaml:29"},
		{"policy/privileged-container", "spec.template.spec.containers[0].securityContext.privileged", "kustomize/overlay/memory.yaml:14"},
		{"policy/liveness-probe-missing", "spec.template.spec.containers[0]", "kustomize/base/deployment.yaml:19"},
		{"policy/cpu-requests-missing", "spec.template.spec.containers[0].resources", "kustomize/base/deployment.yaml:23"},
		{"policy/cpu-limits-missing", "spec.template.spec.containers[0].resources.limits", "kustomize/base/deployment.yaml:24"},
		{"policy/memory-limits-missing", "spec.template.spec.containers[1]", "kustomize/overlay/memory.yaml:15"},
		{"policy/image-tag-latest", "spec.template.spec.containers[0].image", "kustomize/overlay/kustomization.yaml:32"},
	}
	for _, tt := range tests {
		var got []string
		for _, f := range d.Findings {
			if f.Rule == tt.rule && f.Object != nil && f.Object.Name == "prod-web" && f.Field == tt.field {
				got = append(got, fmt.Sprintf("%s:%d", strings.TrimPrefix(f.File, "testdata/provenance/"), f.Line))
			}
		}
		if diff := cmp.Diff([]string{tt.want}, got); diff != "" {
			t.Errorf("%s %s (-want +got):\n%s", tt.rule, tt.field, diff)
		}
	}
}
