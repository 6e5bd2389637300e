// Package argocdcmp tests the Argo CD Config Management Plugin definition
// of this directory by running its generate command as the CMP server
// runs it.
package argocdcmp

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

// plugin is the part of a ConfigManagementPlugin the CMP server runs.
type plugin struct {
	Kind string `json:"kind"`
	Spec struct {
		Generate struct {
			Command []string `json:"command"`
			Args    []string `json:"args"`
		} `json:"generate"`
	} `json:"spec"`
}

// TestGenerate builds syncgate, copies example repositories to a
// temporary directory, as the CMP server extracts the repository it is
// sent, and runs the plugin's generate command in an application's
// directory with the environment the CMP server sets.
func TestGenerate(t *testing.T) {
	data, err := os.ReadFile("plugin.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var p plugin
	if err := yaml.Unmarshal(data, &p); err != nil {
		t.Fatal(err)
	}
	if p.Kind != "ConfigManagementPlugin" || len(p.Spec.Generate.Command) == 0 || p.Spec.Generate.Command[0] != "/syncgate" {
		t.Fatalf("plugin.yaml: generate command %q, want one running /syncgate (the image's path)", p.Spec.Generate.Command)
	}
	bin := filepath.Join(t.TempDir(), "syncgate")
	if out, err := exec.Command("go", "build", "-o", bin, "../../cmd/syncgate").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	work := t.TempDir()
	for _, repo := range []string{"gitops-repo", "broken"} {
		if err := os.CopyFS(filepath.Join(work, repo), os.DirFS(filepath.Join("..", "..", "examples", repo))); err != nil {
			t.Fatal(err)
		}
	}
	run := func(dir string, env []string, args ...string) (stdout, stderr string, code int) {
		cmd := exec.Command(bin, args...)
		cmd.Dir = dir
		cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir()}, env...)
		var o, e bytes.Buffer
		cmd.Stdout, cmd.Stderr = &o, &e
		err := cmd.Run()
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			code = exit.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return o.String(), e.String(), code
	}
	tests := []struct {
		name, repo, app string
		env             []string
		wantCode        int
		// wantOut is in stdout; with wantCode 0 stdout is also exactly
		// what syncgate render prints for the same application.
		wantOut, wantErr string
	}{
		{name: "allowed kustomization", repo: "gitops-repo", app: "apps/api/overlays/prod", wantOut: "kind: Deployment"},
		{name: "allowed chart named after the app", repo: "gitops-repo", app: "charts/webapp",
			env: []string{"ARGOCD_APP_NAME=storefront", "ARGOCD_APP_NAMESPACE=shop"}, wantOut: "name: storefront-webapp"},
		{name: "blocked", repo: "broken", app: "apps/web/overlays/prod", wantCode: 1, wantErr: "schema/unknown-field"},
		{name: "bad fail-on from the app's plugin env", repo: "gitops-repo", app: "apps/api/overlays/prod",
			env: []string{"ARGOCD_ENV_SYNCGATE_FAIL_ON=never"}, wantCode: 2, wantErr: "ARGOCD_ENV_SYNCGATE_FAIL_ON"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(work, tt.repo, filepath.FromSlash(tt.app))
			env := append([]string{
				"ARGOCD_APP_SOURCE_PATH=" + tt.app,
				"ARGOCD_APP_SOURCE_REPO_URL=https://github.com/example/" + tt.repo,
				"ARGOCD_APP_SOURCE_TARGET_REVISION=HEAD",
				"ARGOCD_APP_REVISION=0123456789abcdef0123456789abcdef01234567",
			}, tt.env...)
			args := append(p.Spec.Generate.Command[1:], p.Spec.Generate.Args...)
			stdout, stderr, code := run(dir, env, args...)
			if code != tt.wantCode {
				t.Fatalf("exit code %d, want %d\nstderr:\n%s", code, tt.wantCode, stderr)
			}
			if !strings.Contains(stdout, tt.wantOut) || !strings.Contains(stderr, tt.wantErr) {
				t.Errorf("stdout has %q: %v; stderr has %q: %v\nstderr:\n%s", tt.wantOut, strings.Contains(stdout, tt.wantOut), tt.wantErr, strings.Contains(stderr, tt.wantErr), stderr)
			}
			if code != 0 {
				if stdout != "" {
					t.Errorf("a blocked revision printed manifests:\n%s", stdout)
				}
				return
			}
			// The manifests are render's, with the CMP's release name and
			// namespace.
			want, _, _ := run(dir, nil, "render", "--root", filepath.Join(work, tt.repo), "--release-name", envValue(env, "ARGOCD_APP_NAME"), "--namespace", envValue(env, "ARGOCD_APP_NAMESPACE"), ".")
			if stdout != want {
				t.Errorf("stdout differs from syncgate render of the same application")
			}
		})
	}
}

func envValue(env []string, key string) string {
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, key+"="); ok {
			return v
		}
	}
	return ""
}
