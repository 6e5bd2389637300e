package policy_test

import (
	"context"
	"fmt"

	"github.com/syncgate/syncgate/manifest"
	"github.com/syncgate/syncgate/policy"
)

// Load compiles the bundled library (and any policy directories) once;
// Evaluate checks the objects of one render target.
func ExampleLoad() {
	engine, err := policy.Load(context.Background(), policy.DefaultOptions())
	if err != nil {
		panic(err)
	}
	svc := manifest.NewObject(map[string]any{
		"apiVersion": "v1", "kind": "Service",
		"metadata": map[string]any{"name": "web", "namespace": "shop"},
		"spec": map[string]any{
			"type":     "NodePort",
			"selector": map[string]any{"app": "web"},
			"ports":    []any{map[string]any{"port": int64(80)}},
		},
	}, manifest.Origin{File: "apps/web/service.yaml", Line: 1, Target: "apps/web"})
	for _, f := range engine.Evaluate(context.Background(), []*manifest.Object{svc}) {
		fmt.Printf("%s %s: %s\n", f.Severity, f.Rule, f.Message)
	}
	// Output:
	// warning policy/service-nodeport: Service web is of type NodePort
}

// RunTests runs Rego unit tests as opa test does.
func ExampleRunTests() {
	results, err := policy.RunTests(context.Background(), policy.Options{Dirs: []string{"../testdata/policy/tests/pass"}})
	if err != nil {
		panic(err)
	}
	for _, r := range results {
		fmt.Println(r, r.Outcome)
	}
	// Output:
	// data.main_test.test_unlabelled_denied PASS
	// data.main_test.test_labelled_allowed PASS
}
