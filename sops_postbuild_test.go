package syncgate_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"maps"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5"

	"github.com/syncgate/syncgate"
	"github.com/syncgate/syncgate/manifest"
	"github.com/syncgate/syncgate/render"
	"github.com/syncgate/syncgate/report"
)

// The values of the SOPS Secret testdata/engine/flux-sops substitutes
// from (secrets/internal/fixturegen writes it).
const (
	sopsHost  = "db-sops-canary-5b1e.internal"
	sopsToken = "tok-sops-canary-93ad17"
)

// A Flux Kustomization substitutes from a SOPS Secret: with the Gate's age
// key the real values are substituted, and no output shows them; without
// a key, or with one that is not a recipient, the placeholder is, with an
// info note.
func TestSOPSSubstituteFrom(t *testing.T) {
	const dir = "testdata/engine/flux-sops"
	tests := []struct {
		name     string
		key      string // age key file; "" gives none
		isolated bool
		wantData map[string]string
		wantNote string // in the render/sops-placeholder message; "" wants none
		wantDeny bool
	}{
		{name: "key", key: "testdata/secrets/age-test-key.txt", wantData: map[string]string{"endpoint": sopsHost, "token": sopsToken, "cluster": "prod"}, wantDeny: true},
		{name: "key isolated", key: "testdata/secrets/age-test-key.txt", isolated: true, wantData: map[string]string{"endpoint": sopsHost, "token": sopsToken, "cluster": "prod"}, wantDeny: true},
		{name: "no key", wantData: map[string]string{"endpoint": "SOPS-ENCRYPTED", "token": "SOPS-ENCRYPTED", "cluster": "prod"}, wantNote: "no age key given"},
		{name: "wrong key", key: "testdata/secrets/age-other-key.txt", wantData: map[string]string{"endpoint": "SOPS-ENCRYPTED", "token": "SOPS-ENCRYPTED", "cluster": "prod"}, wantNote: "no age identity given is a recipient"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := syncgate.DefaultOptions()
			opts.Engine.RepoURL = "https://github.com/example/fleet"
			opts.Policy.Dirs = []string{dir + "/policy"}
			if tt.key != "" {
				key, err := os.ReadFile(tt.key)
				if err != nil {
					t.Fatal(err)
				}
				opts.Secrets.AgeKeys = string(key)
			}
			g, src := openFixture(t, opts, tt.isolated, dir)

			if got := configData(t, g, src); !maps.Equal(got, tt.wantData) {
				t.Errorf("substituted ConfigMap data = %v, want %v", got, tt.wantData)
			}

			d, err := g.Check(context.Background(), src)
			if err != nil {
				t.Fatal(err)
			}
			var denied, noted bool
			for _, f := range d.Findings {
				switch f.Rule {
				case "policy/main/deny":
					denied = true
					if !strings.Contains(f.Message, "[redacted]") {
						t.Errorf("deny message %q does not mask the value", f.Message)
					}
				case render.RuleSOPSPlaceholder:
					noted = true
					if f.Severity != manifest.SeverityInfo || f.File != "clusters/app-vars.sops.yaml" || f.Line != 1 || !strings.Contains(f.Message, tt.wantNote) || !strings.Contains(f.Message, "SOPS-ENCRYPTED") {
						t.Errorf("note %+v: want info at clusters/app-vars.sops.yaml:1 saying %q", f, tt.wantNote)
					}
				}
			}
			if denied != tt.wantDeny || noted != (tt.wantNote != "") {
				t.Errorf("denied = %v, noted = %v; want %v, %v (findings %v)", denied, noted, tt.wantDeny, tt.wantNote != "", d.Findings)
			}
			for _, format := range []report.Format{report.Text, report.JSON, report.SARIF} {
				var out bytes.Buffer
				if err := report.Write(&out, d, format, report.Options{}); err != nil {
					t.Fatal(err)
				}
				for _, v := range []string{sopsHost, sopsToken, base64.StdEncoding.EncodeToString([]byte(sopsToken))} {
					if strings.Contains(out.String(), v) {
						t.Errorf("%s report holds the secret value %q", format, v)
					}
				}
			}
		})
	}
}

// configData renders the Flux target and returns the ConfigMap's data.
func configData(t *testing.T, g *syncgate.Gate, src *syncgate.Source) map[string]string {
	t.Helper()
	targets, err := g.Targets(context.Background(), src)
	if err != nil {
		t.Fatal(err)
	}
	for _, target := range targets {
		if target.Name != "flux/flux-system/app" {
			continue
		}
		results, err := g.Render(context.Background(), src, []render.Target{target})
		if err != nil {
			t.Fatal(err)
		}
		if results[0].Err != nil {
			t.Fatal(results[0].Err)
		}
		for _, obj := range results[0].Objects {
			if obj.Kind == "ConfigMap" {
				out := map[string]string{}
				for k, v := range obj.Content["data"].(map[string]any) {
					out[k] = v.(string)
				}
				return out
			}
		}
	}
	t.Fatalf("no ConfigMap rendered by flux/flux-system/app among %v", targets)
	return nil
}

// A diff of objects that hold substituted Secret values shows none of
// them: the changed fields are masked.
func TestSOPSSubstituteFromDiff(t *testing.T) {
	const fixture = "testdata/engine/flux-sops/"
	files := map[string]string{}
	for _, name := range []string{"clusters/app.yaml", "clusters/sync.yaml", "clusters/app-vars.sops.yaml", "app/kustomization.yaml", "app/configmap.yaml"} {
		data, err := os.ReadFile(fixture + name)
		if err != nil {
			t.Fatal(err)
		}
		files[name] = string(data)
	}
	dir := t.TempDir()
	repo, err := git.PlainInit(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	head := files["app/configmap.yaml"]
	files["app/configmap.yaml"] = strings.Replace(head, `"${DB_HOST}"`, `"old-${DB_HOST}"`, 1)
	gitCommit(t, repo, dir, "base", files)
	gitCommit(t, repo, dir, "head", map[string]string{"app/configmap.yaml": head})

	opts := syncgate.DefaultOptions()
	opts.Engine.RepoURL = "https://github.com/example/fleet"
	key, err := os.ReadFile("testdata/secrets/age-test-key.txt")
	if err != nil {
		t.Fatal(err)
	}
	opts.Secrets.AgeKeys = string(key)
	g, err := syncgate.New(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	d, err := g.Diff(context.Background(), revisions(t, dir))
	if err != nil {
		t.Fatal(err)
	}
	var changed []string
	for _, o := range d.Diff.Objects {
		for _, f := range o.Fields {
			changed = append(changed, o.Target+" "+f.Path+": "+f.From+" -> "+f.To)
		}
	}
	want := "flux/flux-system/app data.endpoint: old-[redacted] -> [redacted]"
	if !slices.Contains(changed, want) {
		t.Errorf("changed fields %q, want %q among them", changed, want)
	}
	for _, format := range []report.Format{report.Text, report.JSON, report.Markdown} {
		var out bytes.Buffer
		if err := report.Write(&out, d, format, report.Options{}); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(out.String(), sopsHost) {
			t.Errorf("%s diff report holds the secret value", format)
		}
	}
}
