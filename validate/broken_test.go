package validate

import (
	"context"
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/syncgate/syncgate/internal/rendertest"
	"github.com/syncgate/syncgate/manifest"
	"github.com/syncgate/syncgate/render"
)

const brokenRoot = "../examples/broken"

// renderBroken renders the targets of examples/broken in-process.
func renderBroken(tb testing.TB) []*render.Result {
	tb.Helper()
	return rendertest.All(tb, os.DirFS(brokenRoot))
}

// TestBrokenSeedDeployment checks the seed's mis-indented Deployment of
// examples/broken: image and ports at pod-spec level are unknown fields,
// reported in the base file at the Deployment's line.
func TestBrokenSeedDeployment(t *testing.T) {
	v, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	var res *render.Result
	for _, r := range renderBroken(t) {
		if r.Target.Name == "k8s-apps/overlays/prod" {
			res = r
		}
	}
	if res == nil || res.Err != nil {
		t.Fatalf("render k8s-apps/overlays/prod: %+v", res)
	}
	type short struct {
		Rule, Field, Message, File string
		Line                       int
	}
	var got []short
	for _, f := range v.Validate(context.Background(), res.Objects) {
		if f.Rule == RuleUnknownField && f.Object.Kind == "Deployment" {
			got = append(got, short{f.Rule, f.Field, f.Message, f.File, f.Line})
		}
	}
	want := []short{
		{RuleUnknownField, "spec.template.spec.image", "unknown field", "k8s-apps/base/deployment.yaml", 1},
		{RuleUnknownField, "spec.template.spec.ports", "unknown field", "k8s-apps/base/deployment.yaml", 1},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}
}

// TestBrokenExample records every finding of the whole broken example, so
// that a change in what the stage reports shows in review.
func TestBrokenExample(t *testing.T) {
	v, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	var all []manifest.Finding
	for _, res := range renderBroken(t) {
		all = append(all, v.Validate(context.Background(), res.Objects)...)
	}
	manifest.SortFindings(all)
	assertFindingsGolden(t, "testdata/broken.golden", all)
}
