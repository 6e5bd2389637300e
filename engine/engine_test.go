package engine_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"

	"github.com/syncgate/syncgate/engine"
	"github.com/syncgate/syncgate/internal/golden"
	"github.com/syncgate/syncgate/render"
)

// TestFixtures discovers the targets of each fixture repository and
// renders each of them; the targets (JSON) and the rendered streams are
// golden files beside the fixture.
func TestFixtures(t *testing.T) {
	for _, repo := range []string{"flux", "argocd", "appset", "artifact"} {
		t.Run(repo, func(t *testing.T) {
			dir := filepath.Join("..", "testdata", "engine", repo)
			fsys := os.DirFS(dir)
			found, err := render.Discover(fsys, ".")
			if err != nil {
				t.Fatal(err)
			}
			defined, err := engine.Discover(fsys, ".", engine.Options{RepoURL: "https://github.com/example/fleet", Clusters: "clusters.yaml"})
			if err != nil {
				t.Fatal(err)
			}
			targets := engine.Merge(found, defined)
			data, err := json.MarshalIndent(targets, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			golden.Assert(t, filepath.Join("..", "testdata", "engine", repo+".targets.golden.json"), append(data, '\n'))

			r, err := render.New(render.DefaultOptions())
			if err != nil {
				t.Fatal(err)
			}
			var out bytes.Buffer
			for _, res := range r.RenderAll(context.Background(), fsys, targets) {
				fmt.Fprintf(&out, "### %s\n", res.Target.Name)
				if res.Err != nil {
					fmt.Fprintf(&out, "error: %v\n", res.Err)
					continue
				}
				out.Write(res.YAML)
			}
			golden.Assert(t, filepath.Join("..", "testdata", "engine", repo+".rendered.golden.yaml"), out.Bytes())
		})
	}
}

// TestFluxPostBuild checks Flux's substitution semantics on the rendered
// podinfo Deployment, and that a Secret's value never reaches an error.
func TestFluxPostBuild(t *testing.T) {
	fsys := os.DirFS(filepath.Join("..", "testdata", "engine", "flux"))
	defined, err := engine.Discover(fsys, ".", engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]render.Target{}
	for _, d := range defined {
		byName[d.Name] = d
	}
	r, err := render.New(render.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	res, err := r.Render(context.Background(), fsys, byName["flux/flux-system/podinfo"])
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{}
	var scriptData string
	for _, obj := range res.Objects {
		switch obj.Kind {
		case "Deployment":
			if obj.Name != "prod-podinfo-v2" || obj.Namespace != "prod" {
				t.Errorf("Deployment is %s/%s, want prod/prod-podinfo-v2", obj.Namespace, obj.Name)
			}
			spec := obj.Content["spec"].(map[string]any)
			if spec["replicas"] != int64(3) {
				t.Errorf("replicas = %v, want 3 from the component", spec["replicas"])
			}
			c := spec["template"].(map[string]any)["spec"].(map[string]any)["containers"].([]any)[0].(map[string]any)
			for _, e := range c["env"].([]any) {
				e := e.(map[string]any)
				env[e["name"].(string)] = e["value"].(string)
			}
			env["image"] = c["image"].(string)
			env["label:team"] = obj.Content["metadata"].(map[string]any)["labels"].(map[string]any)["team"].(string)
		case "ConfigMap":
			scriptData = obj.Content["data"].(map[string]any)["run.sh"].(string)
		}
	}
	want := map[string]string{
		"HOST":       "podinfo.prod.example.com",
		"CLUSTER":    "prod", // substitute wins over substituteFrom
		"TOKEN":      "super-secret-value",
		"REGION":     "eu-west-1",
		"UNSET":      "xx", // not strict: an undefined variable is empty
		"image":      "registry.example.com/podinfo:6.7.0",
		"label:team": "platform",
	}
	if diff := cmp.Diff(want, env); diff != "" {
		t.Errorf("substituted Deployment (-want +got):\n%s", diff)
	}
	if scriptData != "echo ${HOME}" {
		t.Errorf("substitute: disabled object has run.sh %q, want it untouched", scriptData)
	}

	_, err = r.Render(context.Background(), fsys, byName["flux/flux-system/broken"])
	if err == nil || !strings.Contains(err.Error(), "Secret/absent") || !strings.Contains(err.Error(), "broken/missing-vars.yaml") {
		t.Errorf("missing substituteFrom: err = %v, want one naming Secret/absent and the Kustomization's file", err)
	}
}

// TestSecretValueNotLeaked has substitution fail on an object after a
// Secret's values were loaded: the message must not hold them.
func TestSecretValueNotLeaked(t *testing.T) {
	fsys := os.DirFS(filepath.Join("..", "testdata", "engine", "flux"))
	r, err := render.New(render.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	target := render.Target{
		Name: "leak", Kind: render.KindKustomize, Path: "apps/podinfo", Engine: render.EngineFlux, DefinedBy: "clusters/prod/apps.yaml:1",
		PostBuild: &render.PostBuild{
			Substitute:     map[string]string{"bad-name": "x"},
			SubstituteFrom: []render.VarSource{{Kind: "Secret", Name: "cluster-secrets", File: "clusters/prod/vars.yaml", Line: 10}},
		},
	}
	_, err = r.Render(context.Background(), fsys, target)
	if err == nil || !strings.Contains(err.Error(), `variable name "bad-name" is invalid`) {
		t.Fatalf("err = %v, want the invalid variable name reported", err)
	}
	if strings.Contains(err.Error(), "super-secret-value") || strings.Contains(err.Error(), "c3VwZXItc2VjcmV0LXZhbHVl") {
		t.Errorf("error leaks the Secret's value: %v", err)
	}
}

func TestNormalizeURL(t *testing.T) {
	tests := []struct {
		a, b string
		same bool
	}{
		{"https://github.com/example/fleet", "git@github.com:example/fleet.git", true},
		{"ssh://git@github.com/example/fleet", "https://github.com/Example/fleet.git/", false},
		{"ssh://git@github.com:22/example/fleet", "https://github.com/example/fleet", true},
		{"https://user@gitlab.com/a/b.git", "https://gitlab.com/a/b", true},
		{"https://github.com/example/fleet", "https://github.com/example/other", false},
	}
	for _, tt := range tests {
		t.Run(tt.a+" "+tt.b, func(t *testing.T) {
			if got := engine.NormalizeURL(tt.a) == engine.NormalizeURL(tt.b); got != tt.same {
				t.Errorf("%q vs %q: same = %v, want %v (%q, %q)", tt.a, tt.b, got, tt.same, engine.NormalizeURL(tt.a), engine.NormalizeURL(tt.b))
			}
		})
	}
}

func TestParseImage(t *testing.T) {
	tests := []struct {
		in   string
		want render.Image
	}{
		{"nginx:1.27", render.Image{Name: "nginx", NewTag: "1.27"}},
		{"nginx=registry.example.com:5000/nginx:1.27", render.Image{Name: "nginx", NewName: "registry.example.com:5000/nginx", NewTag: "1.27"}},
		{"nginx@sha256:abc", render.Image{Name: "nginx", Digest: "sha256:abc"}},
		{"registry.example.com:5000/nginx", render.Image{Name: "registry.example.com:5000/nginx"}},
		{"old=new", render.Image{Name: "old", NewName: "new"}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, engine.ParseImage(tt.in)); diff != "" {
				t.Errorf("ParseImage(%q) (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}

// FuzzDiscover feeds arbitrary YAML as an engine object file: discovery
// must not panic, and every target it returns has a name and an engine.
func FuzzDiscover(f *testing.F) {
	for _, file := range []string{"flux/clusters/prod/apps.yaml", "flux/clusters/prod/infra.yaml", "argocd/apps/guestbook.yaml", "argocd/apps/elsewhere.yaml", "artifact/clusters/prod/generators.yaml", "artifact/clusters/prod/apps.yaml"} {
		data, err := os.ReadFile(filepath.Join("..", "testdata", "engine", file))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		fsys := fstest.MapFS{"objects.yaml": &fstest.MapFile{Data: data}}
		targets, err := engine.Discover(fsys, ".", engine.Options{RepoURL: "https://github.com/example/fleet"})
		if err != nil {
			t.Fatal(err)
		}
		for _, tg := range targets {
			if tg.Name == "" || tg.Engine == "" || tg.DefinedBy == "" {
				t.Errorf("incomplete target %+v", tg)
			}
		}
		engine.ParseImage(string(data))
	})
}

// TestValuesFromSecretNotLeaked has a HelmRelease's targetPath fail on a
// Secret's value: the message must not hold it.
func TestValuesFromSecretNotLeaked(t *testing.T) {
	fsys := fstest.MapFS{
		"chart/Chart.yaml":  {Data: []byte("apiVersion: v2\nname: c\nversion: 1.0.0\n")},
		"chart/values.yaml": {Data: []byte("a: 1\n")},
		"secret.yaml":       {Data: []byte("apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\nstringData:\n  v: \"{unclosed-secret-value\"\n")},
	}
	r, err := render.New(render.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	target := render.Target{Name: "hr", Kind: render.KindHelm, Path: "chart", Engine: render.EngineFlux, DefinedBy: "hr.yaml:1",
		ValuesFrom: []render.ValuesRef{{Kind: "Secret", Name: "s", ValuesKey: "v", TargetPath: "x", File: "secret.yaml", Line: 1}}}
	_, err = r.Render(context.Background(), fsys, target)
	if err == nil || !strings.Contains(err.Error(), "hr.yaml:1") {
		t.Fatalf("err = %v, want a targetPath error at hr.yaml:1", err)
	}
	if strings.Contains(err.Error(), "unclosed-secret-value") {
		t.Errorf("error leaks the Secret's value: %v", err)
	}
}

func TestOriginURL(t *testing.T) {
	tests := []struct {
		name   string
		config string
		want   string
	}{
		{"origin", "[remote \"origin\"]\n\turl = git@github.com:example/fleet.git\n\tfetch = +refs/heads/*:refs/remotes/origin/*\n", "git@github.com:example/fleet.git"},
		{"no origin", "[remote \"upstream\"]\n\turl = https://example.com/x\n", ""},
		{"no git", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fsys := fstest.MapFS{}
			if tt.config != "" {
				fsys[".git/config"] = &fstest.MapFile{Data: []byte(tt.config)}
			}
			got, err := engine.OriginURL(fsys, "")
			if err != nil || got != tt.want {
				t.Errorf("OriginURL = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
	// A linked worktree: .git is a file, the config is in the common dir.
	wt, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(wt, ".git")); err != nil {
		t.Skip("the module is not a git checkout")
	}
	if _, err := engine.OriginURL(os.DirFS(wt), wt); err != nil {
		t.Errorf("OriginURL of the module's own checkout: %v", err)
	}
}

// TestArtifactOrigins renders the Kustomizations of the artifact fixture:
// each object's origin is the repository file the artifact copied, and
// the copy rules' faults are on the generator's line.
func TestArtifactOrigins(t *testing.T) {
	fsys := os.DirFS(filepath.Join("..", "testdata", "engine", "artifact"))
	defined, err := engine.Discover(fsys, ".", engine.Options{RepoURL: "https://github.com/example/fleet"})
	if err != nil {
		t.Fatal(err)
	}
	r, err := render.New(render.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		target  string
		origins map[string]string // kind/name: file:line
		err     string
	}{
		{target: "flux/flux-system/podinfo", origins: map[string]string{
			"Deployment/podinfo":    "apps/podinfo/deployment.yaml:1",
			"ConfigMap/podinfo-env": "envs/prod/configmap.yaml:2",
		}},
		{target: "flux/web/frontend", origins: map[string]string{"Service/frontend": "apps/frontend/service.yaml:1"}},
		{target: "flux/helmrelease/flux-system/hello", origins: map[string]string{"ConfigMap/prod-hello-greeting": "charts/hello/templates/configmap.yaml:0"}},
		{target: "flux/flux-system/escape", err: "clusters/prod/generators.yaml:30: "},
	}
	for _, tt := range tests {
		t.Run(tt.target, func(t *testing.T) {
			i := slices.IndexFunc(defined, func(d render.Target) bool { return d.Name == tt.target })
			if i < 0 {
				t.Fatalf("no target %s", tt.target)
			}
			res, err := r.Render(context.Background(), fsys, defined[i])
			if tt.err != "" {
				if err == nil || !strings.HasPrefix(err.Error(), tt.err) {
					t.Errorf("err = %v, want it at %s", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]string{}
			for _, obj := range res.Objects {
				got[obj.Kind+"/"+obj.Name] = fmt.Sprintf("%s:%d", obj.Origin.File, obj.Origin.Line)
			}
			if diff := cmp.Diff(tt.origins, got); diff != "" {
				t.Errorf("origins (-want +got):\n%s", diff)
			}
		})
	}
}
