package syncgate_test

import (
	"context"
	"fmt"
	"log"
	"testing/fstest"
	"time"

	"github.com/syncgate/syncgate"
	"github.com/syncgate/syncgate/manifest"
	"github.com/syncgate/syncgate/render"
)

// A Gate is built once and checks a repository per call.
func ExampleNew() {
	gate, err := syncgate.New(context.Background(), syncgate.DefaultOptions())
	if err != nil {
		log.Fatal(err)
	}
	src, err := syncgate.OpenDir("examples/gitops-repo")
	if err != nil {
		log.Fatal(err)
	}
	defer src.Close()
	decision, err := gate.Check(context.Background(), src)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("allowed=%v targets=%d objects=%d findings=%d\n",
		decision.Allowed, decision.Stats.Targets, decision.Stats.Objects, len(decision.Findings))
	// Output: allowed=true targets=11 objects=91 findings=0
}

// A program that checks untrusted repositories renders them in worker
// processes with limits. The workers are the program itself, re-executed,
// so ServeWorker comes first in main.
func ExampleServeWorker() {
	syncgate.ServeWorker()

	opts := syncgate.DefaultOptions()
	limits := syncgate.DefaultIsolation()
	limits.Wall = 30 * time.Second
	opts.Isolation = &limits
	gate, err := syncgate.New(context.Background(), opts)
	if err != nil {
		log.Fatal(err)
	}
	defer gate.Close()
	src, err := syncgate.OpenDir("testdata/bad")
	if err != nil {
		log.Fatal(err)
	}
	defer src.Close()
	decision, err := gate.Check(context.Background(), src)
	if err != nil {
		log.Fatal(err)
	}
	for _, f := range decision.Findings {
		if f.Rule == "render/resource-limit" {
			fmt.Println(f.Rule, f.File)
		}
	}
	// Output: render/resource-limit testdata/bad/alias-bomb/app/bomb.yaml
}

// An operator that has rendered objects itself (Argo CD, Flux, a
// controller) gates them right before it applies them.
func ExampleGate_CheckObjects() {
	gate, err := syncgate.New(context.Background(), syncgate.DefaultOptions())
	if err != nil {
		log.Fatal(err)
	}
	pod := map[string]any{
		"apiVersion": "v1",
		"kind":       "Pod",
		"metadata":   map[string]any{"name": "web", "namespace": "shop"},
		"spec": map[string]any{
			"containers": []any{map[string]any{"name": "web", "image": "nginx:1.27", "imagePullPolicy": "Sometimes"}},
		},
	}
	obj := manifest.NewObject(pod, manifest.Origin{File: "rendered/web.yaml", Line: 1, Target: "shop"})
	// The operator's own configuration is trusted; it may waive any rule.
	cfg, err := syncgate.ParseConfig("gate.yaml", []byte("severity:\n  policy/image-tag-latest: info\n"))
	if err != nil {
		log.Fatal(err)
	}
	decision, err := gate.CheckObjects(context.Background(), syncgate.Objects{
		Targets: []*render.Result{{Target: render.Target{Name: "shop"}, Objects: []*manifest.Object{obj}}},
		Trusted: cfg,
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("allowed:", decision.Allowed)
	for _, f := range decision.Findings {
		if f.Severity == manifest.SeverityError {
			fmt.Println(f.Rule, f.Field)
		}
	}
	// Output:
	// allowed: false
	// schema/enum spec.containers[0].imagePullPolicy
}

// A repository need not be on disk: any fs.FS will do, such as a Git
// revision read into memory. Here, one plain manifest.
func ExampleFS() {
	repo := fstest.MapFS{
		"apps/cm.yaml": {Data: []byte("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: shop\ndata:\n  mode: fast\n")},
	}
	gate, err := syncgate.New(context.Background(), syncgate.DefaultOptions())
	if err != nil {
		log.Fatal(err)
	}
	decision, err := gate.Check(context.Background(), syncgate.FS(repo))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("allowed=%v targets=%d objects=%d\n", decision.Allowed, decision.Stats.Targets, decision.Stats.Objects)
	// Output: allowed=true targets=1 objects=1
}
