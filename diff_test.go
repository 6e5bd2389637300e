package syncgate_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/google/go-cmp/cmp"

	"github.com/syncgate/syncgate"
	"github.com/syncgate/syncgate/change"
	"github.com/syncgate/syncgate/internal/gitfs"
	"github.com/syncgate/syncgate/internal/golden"
	"github.com/syncgate/syncgate/manifest"
	"github.com/syncgate/syncgate/report"
)

// gitCommit writes files into the working tree of repo (an empty content
// deletes the file) and commits them, as a person would.
func gitCommit(t *testing.T, repo *git.Repository, dir, msg string, files map[string]string) {
	t.Helper()
	wt, err := repo.Worktree()
	if err != nil {
		t.Fatal(err)
	}
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if files[name] == "" {
			if _, err := wt.Remove(name); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(files[name]), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := wt.Add(name); err != nil {
			t.Fatal(err)
		}
	}
	sig := &object.Signature{Name: "test", Email: "test@example.com", When: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	if _, err := wt.Commit(msg, &git.CommitOptions{Author: sig}); err != nil {
		t.Fatal(err)
	}
}

const fixtureCRD = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: scalers.example.com}
spec:
  group: example.com
  names: {kind: Scaler, plural: scalers, singular: scaler, listKind: ScalerList}
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
            x-kubernetes-validations:
            - {rule: self.replicas >= oldSelf.replicas, message: replicas may not decrease}
            properties:
              replicas: {type: integer}
`

func fixtureDeployment(app, extra string) string {
	return `apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: web}
spec:
  selector: {matchLabels: {app: ` + app + `}}
  template:
    metadata: {labels: {app: ` + app + `}}
    spec:
      containers:
      - name: web
        image: web:1.0
        oldField: x
` + extra
}

// manyConfigMaps is a target of n ConfigMaps whose value is value.
func manyConfigMaps(n int, value string) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm-%03d, namespace: many}\ndata: {value: %q}\n", i, value)
	}
	return b.String()
}

// fixture builds the repository of issue 17 with two commits: a base,
// and a head that changes a selector, deletes a PVC, edits an immutable
// ConfigMap, breaks a CEL transition rule, adds a finding next to an old
// one, waives its own new finding in .syncgate.yaml, and changes 400
// objects.
func fixture(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	repo, err := git.PlainInit(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	gitCommit(t, repo, dir, "base", map[string]string{
		"apps/web/deployment.yaml": fixtureDeployment("web", ""),
		"apps/web/pvc.yaml":        "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: data, namespace: web}\nspec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}\n",
		"apps/web/config.yaml":     "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings, namespace: web}\nimmutable: true\ndata: {mode: fast}\n",
		"apps/scaler/scaler.yaml":  "apiVersion: example.com/v1\nkind: Scaler\nmetadata: {name: s, namespace: web}\nspec: {replicas: 3}\n",
		"apps/broken/cm.yaml":      "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x\n",
		"crds/scaler.yaml":         fixtureCRD,
		"many/configmaps.yaml":     manyConfigMaps(400, strings.Repeat("base ", 30)),
		"untouched/cm.yaml":        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: old, namespace: web}\nstale: true\n",
	})
	newContainer := "      - name: sidecar\n        image: proxy:1\n        newField: y\n"
	gitCommit(t, repo, dir, "head", map[string]string{
		"apps/web/deployment.yaml": fixtureDeployment("web2", newContainer),
		"apps/web/pvc.yaml":        "",
		"apps/web/config.yaml":     "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings, namespace: web}\nimmutable: true\ndata: {mode: slow}\n",
		"apps/scaler/scaler.yaml":  "apiVersion: example.com/v1\nkind: Scaler\nmetadata: {name: s, namespace: web}\nspec: {replicas: 2}\n",
		"apps/broken/cm.yaml":      "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x, namespace: web}\n",
		"many/configmaps.yaml":     manyConfigMaps(400, strings.Repeat("head ", 30)),
		// The change waives its own new finding: the base's configuration
		// decides, so it must still block.
		".syncgate.yaml": "exceptions:\n  - rule: schema/unknown-field\n    reason: the pull request says so\n",
	})
	return dir
}

// revisions opens HEAD~1 and HEAD of the fixture from git objects.
func revisions(t *testing.T, dir string) syncgate.Revisions {
	t.Helper()
	repo, err := gitfs.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	side := func(rev string) *syncgate.Source {
		c, err := repo.Commit(rev)
		if err != nil {
			t.Fatal(err)
		}
		fsys, err := repo.FS(c)
		if err != nil {
			t.Fatal(err)
		}
		return &syncgate.Source{FS: fsys}
	}
	return syncgate.Revisions{Base: side("HEAD~1"), Head: side("HEAD"), Change: change.DefaultOptions()}
}

func fixtureGate(t *testing.T) *syncgate.Gate {
	t.Helper()
	opts := syncgate.DefaultOptions()
	opts.Stages = []syncgate.Stage{syncgate.StageValidate, syncgate.StageSecrets}
	opts.Validate.NoCRDCatalog = true
	g, err := syncgate.New(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { g.Close() })
	return g
}

// findingLine is a finding as the tests compare it: its rule, target,
// object and field, and whether it is new.
func findingLine(f manifest.Finding) string {
	obj := ""
	if f.Object != nil {
		obj = f.Object.String()
	}
	mark := ""
	if f.New != nil {
		mark = map[bool]string{true: "new ", false: "existing "}[*f.New]
	}
	return fmt.Sprintf("%s%s %s %s %s %s", mark, f.Severity, f.Rule, f.Target, obj, f.Field)
}

func TestDiffFixture(t *testing.T) {
	dir := fixture(t)
	g := fixtureGate(t)
	d, err := g.Diff(context.Background(), revisions(t, dir))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range d.Findings {
		got = append(got, findingLine(f))
	}
	want := []string{
		"info config/changed   ",
		"warning change/base-render-failed apps/broken  ",
		"error change/cel-transition apps/scaler Scaler/web/s spec",
		"error change/immutable-data apps/web ConfigMap/web/settings data",
		"error change/immutable-selector apps/web Deployment/web/web spec.selector",
		"error schema/unknown-field apps/web Deployment/web/web spec.template.spec.containers[0].oldField",
		"error schema/unknown-field apps/web Deployment/web/web spec.template.spec.containers[1].newField",
		"error change/prune-data-loss apps/web PersistentVolumeClaim/web/data ",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}
	if d.Allowed || len(d.Waived) != 0 {
		t.Errorf("allowed = %v, waived = %v: the change's own exception must not apply", d.Allowed, d.Waived)
	}
	var targets []string
	for _, td := range d.Diff.Targets {
		targets = append(targets, fmt.Sprintf("%s %s %q", td.Name, td.Change, td.Error))
	}
	wantTargets := []string{
		`apps/broken modified "base failed to render: apps/broken/cm.yaml:2: yaml: line 2: did not find expected ',' or '}'"`,
		`apps/scaler modified ""`,
		`apps/web modified ""`,
		`many modified ""`,
	}
	if diff := cmp.Diff(wantTargets, targets); diff != "" {
		t.Errorf("targets (-want +got):\n%s", diff)
	}
	if d.Diff.Unaffected != 2 || len(d.Diff.Objects) != 404 {
		t.Errorf("unaffected = %d, objects = %d; want 2 (crds, untouched) and 404", d.Diff.Unaffected, len(d.Diff.Objects))
	}

	var md bytes.Buffer
	if err := report.Write(&md, d, report.Markdown, report.Options{}); err != nil {
		t.Fatal(err)
	}
	if n := len([]rune(md.String())); n > report.MarkdownLimit {
		t.Errorf("markdown is %d characters, over %d", n, report.MarkdownLimit)
	}
	if !strings.Contains(md.String(), "Left out to fit GitHub's 65536-character limit") {
		t.Errorf("markdown of 400 changed objects has no truncation note")
	}
	d.Stats = syncgate.Stats{}
	golden.Assert(t, "testdata/diff/fixture.md", md.Bytes())
	var js bytes.Buffer
	if err := report.Write(&js, d, report.JSON, report.Options{}); err != nil {
		t.Fatal(err)
	}
	golden.Assert(t, "testdata/diff/fixture.json", js.Bytes())
}

func TestCheckChangeFixture(t *testing.T) {
	dir := fixture(t)
	g := fixtureGate(t)
	// Every target with new-only off; with it on, only those the change
	// affects, so the untouched target's old finding is not reported.
	for _, newOnly := range []bool{false, true} {
		t.Run(fmt.Sprintf("new-only=%v", newOnly), func(t *testing.T) {
			rev := revisions(t, dir)
			rev.NewOnly, rev.AllTargets = newOnly, !newOnly
			d, err := g.CheckChange(context.Background(), rev)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, f := range d.Findings {
				got = append(got, findingLine(f))
			}
			existing := "error"
			if newOnly {
				existing = "warning"
			}
			want := []string{
				"new info config/changed   ",
				"new warning change/base-render-failed apps/broken  ",
				"new error change/cel-transition apps/scaler Scaler/web/s spec",
				"new error change/immutable-data apps/web ConfigMap/web/settings data",
				"new error change/immutable-selector apps/web Deployment/web/web spec.selector",
				"existing " + existing + " schema/unknown-field apps/web Deployment/web/web spec.template.spec.containers[0].oldField",
				"new error schema/unknown-field apps/web Deployment/web/web spec.template.spec.containers[1].newField",
				"new error change/prune-data-loss apps/web PersistentVolumeClaim/web/data ",
			}
			if !newOnly {
				want = append(want, "existing error schema/unknown-field untouched ConfigMap/web/old stale")
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("findings (-want +got):\n%s", diff)
			}
			if d.Allowed || len(d.Waived) != 0 {
				t.Errorf("allowed = %v, waived = %v: new errors block, and the change's own exception must not apply", d.Allowed, d.Waived)
			}
			if !newOnly {
				var text bytes.Buffer
				if err := report.Write(&text, d, report.Text, report.Options{}); err != nil {
					t.Fatal(err)
				}
				golden.Assert(t, "testdata/diff/check-base.txt", text.Bytes())
			}
		})
	}
}

// TestNewOnlyAllows: a change that brings no new finding passes with
// --new-only, though the repository has old errors.
func TestNewOnlyAllows(t *testing.T) {
	dir := t.TempDir()
	repo, err := git.PlainInit(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	gitCommit(t, repo, dir, "base", map[string]string{"apps/a/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\nstale: true\ndata: {k: '1'}\n"})
	gitCommit(t, repo, dir, "head", map[string]string{"apps/a/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n# a comment moves the line\nstale: true\ndata: {k: '2'}\n"})
	g := fixtureGate(t)
	rev := revisions(t, dir)
	rev.NewOnly = true
	d, err := g.CheckChange(context.Background(), rev)
	if err != nil {
		t.Fatal(err)
	}
	if !d.Allowed || len(d.Findings) != 1 || *d.Findings[0].New {
		t.Errorf("allowed = %v, findings = %v; want allowed with one existing finding", d.Allowed, d.Findings)
	}
}

// TestDiffNewDirectory: a path the change adds has no targets at base, so
// its objects are added.
func TestDiffNewDirectory(t *testing.T) {
	dir := t.TempDir()
	repo, err := git.PlainInit(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	gitCommit(t, repo, dir, "base", map[string]string{"apps/a/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n"})
	gitCommit(t, repo, dir, "head", map[string]string{"apps/b/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\n"})
	rev := revisions(t, dir)
	rev.Head.Paths, rev.Base.Paths = []string{"apps/b"}, []string{"apps/b"}
	d, err := fixtureGate(t).Diff(context.Background(), rev)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, o := range d.Diff.Objects {
		got = append(got, fmt.Sprintf("%s %s %s", o.Target, o.Change, o.Ref()))
	}
	if diff := cmp.Diff([]string{"apps/b added ConfigMap/b"}, got); diff != "" {
		t.Errorf("objects (-want +got):\n%s", diff)
	}
}

// TestDiffChangePolicyFromBase: the base revision's change policies
// decide; a pull request that deletes its own change policy is still
// checked by it.
func TestDiffChangePolicyFromBase(t *testing.T) {
	dir := t.TempDir()
	repo, err := git.PlainInit(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	rule := "package change\n\ndeny contains msg if {\n\tinput.operation == \"UPDATE\"\n\tinput.old.data.tier != input.new.data.tier\n\tmsg := sprintf(\"tier moves from %s to %s\", [input.old.data.tier, input.new.data.tier])\n}\n"
	cm := func(tier string) string {
		return "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: shop}\ndata: {tier: " + tier + "}\n"
	}
	gitCommit(t, repo, dir, "base", map[string]string{".syncgate.yaml": "policies: [policies]\n", "policies/change.rego": rule, "apps/a/cm.yaml": cm("gold")})
	gitCommit(t, repo, dir, "head", map[string]string{"policies/change.rego": "", "apps/a/cm.yaml": cm("bronze")})
	opts := syncgate.DefaultOptions()
	opts.Stages = []syncgate.Stage{syncgate.StagePolicy}
	opts.Policy.Bundled = false
	g, err := syncgate.New(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { g.Close() })
	d, err := g.Diff(context.Background(), revisions(t, dir))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range d.Findings {
		got = append(got, findingLine(f)+": "+f.Message)
	}
	want := []string{
		"error policy/change/deny apps/a ConfigMap/shop/a : tier moves from gold to bronze",
		"info config/changed   : the change edits the gate's configuration; the base revision's decides this check, and the change takes effect after the merge",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}
	if d.Allowed {
		t.Error("allowed; the base's change policy must block")
	}
}
