package validate_test

import (
	"context"
	"fmt"

	"github.com/syncgate/syncgate/manifest"
	"github.com/syncgate/syncgate/validate"
)

func ExampleValidator_Validate() {
	v, err := validate.New(validate.Options{KubernetesVersion: "1.37"})
	if err != nil {
		fmt.Println(err)
		return
	}
	yaml := []byte(`apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  ports:
    - port: "80"
`)
	docs, err := manifest.Decode("service.yaml", yaml, manifest.Limits{})
	if err != nil {
		fmt.Println(err)
		return
	}
	obj := manifest.NewObject(docs[0].Value.(map[string]any), manifest.Origin{File: "service.yaml", Line: docs[0].Line})
	ctx := context.Background()
	run := v.WithCRDs([]*manifest.Object{obj})
	for _, f := range run.Validate(ctx, []*manifest.Object{obj}) {
		fmt.Printf("%s:%d: %s %s: %s\n", f.File, f.Line, f.Rule, f.Field, f.Message)
	}
	// Output:
	// service.yaml:1: schema/type spec.ports[0].port: wrong type: got string, want integer
}
