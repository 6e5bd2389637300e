package validate

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/syncgate/syncgate/manifest"
)

// BenchmarkValidate validates a fixed set of objects, the labelled corpus
// and the rendered broken example, after one warm-up run has compiled
// their schemas, as a long-lived Validator would.
func BenchmarkValidate(b *testing.B) {
	v := newCorpusValidator(b)
	var objs []*manifest.Object
	for _, cf := range corpusFiles(b) {
		objs = append(objs, cf.objects...)
	}
	for _, res := range renderBroken(b) {
		objs = append(objs, res.Objects...)
	}
	ctx := context.Background()
	rv := v.WithCRDs(objs)
	rv.Validate(ctx, objs)
	b.ResetTimer()
	for b.Loop() {
		rv.Validate(ctx, objs)
	}
	b.ReportMetric(float64(len(objs)*b.N)/b.Elapsed().Seconds(), "objects/s")
}

// BenchmarkNew builds a Validator, as a Gate does once per Kubernetes
// version, with and without the CRD catalogue: the catalogue's part is
// its index, nothing is decompressed.
func BenchmarkNew(b *testing.B) {
	for _, off := range []bool{false, true} {
		b.Run(map[bool]string{false: "catalog", true: "no-catalog"}[off], func(b *testing.B) {
			for b.Loop() {
				if _, err := New(Options{NoCRDCatalog: off}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkCatalogFirstUse is what the first object of a catalogue kind
// costs a fresh Validator: decompressing its project, loading its CRD and
// compiling its schema and CEL rules.
func BenchmarkCatalogFirstUse(b *testing.B) {
	objs := decodeObjects(b, "ks.yaml", []byte(`apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: apps
  namespace: flux-system
spec:
  interval: 10m
  path: ./apps
  prune: true
  sourceRef:
    kind: GitRepository
    name: flux-system
`))
	ctx := context.Background()
	for b.Loop() {
		v, err := New(Options{})
		if err != nil {
			b.Fatal(err)
		}
		if f := v.Validate(ctx, objs); len(f) > 0 {
			b.Fatal(f)
		}
	}
}

// reviewObjects decodes the Deployment of the serve benchmark's
// AdmissionReview.
func reviewObjects(b *testing.B) []*manifest.Object {
	data, err := os.ReadFile(filepath.Join("..", "bench", "serve", "review.json"))
	if err != nil {
		b.Fatal(err)
	}
	var review struct {
		Request struct {
			Object json.RawMessage `json:"object"`
		} `json:"request"`
	}
	if err := json.Unmarshal(data, &review); err != nil {
		b.Fatal(err)
	}
	return decodeObjects(b, "review.json", review.Request.Object)
}

// BenchmarkValidateDeployment validates the Deployment of the serve
// benchmark's AdmissionReview, as `syncgate serve` does for each request.
func BenchmarkValidateDeployment(b *testing.B) {
	objs := reviewObjects(b)
	v, err := New(Options{})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	if f := v.Validate(ctx, objs); len(f) > 0 {
		b.Fatal(f)
	}
	b.ReportAllocs()
	for b.Loop() {
		v.Validate(ctx, objs)
	}
}

// BenchmarkSchemaDeployment is the schema check alone of the serve
// benchmark's Deployment: the library's validation, and the checker's,
// which runs the pre-check and the library only when it is unsure.
func BenchmarkSchemaDeployment(b *testing.B) {
	obj := reviewObjects(b)[0]
	v, err := New(Options{})
	if err != nil {
		b.Fatal(err)
	}
	c, err := v.builtins.schema(v.builtins.kinds[gvkOf(obj)].Definition)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("library", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := c.schema.Validate(obj.Content); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("checker", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if f := c.validate(obj, obj.Content); len(f) > 0 {
				b.Fatal(f)
			}
		}
	})
}
