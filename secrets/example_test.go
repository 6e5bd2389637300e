package secrets_test

import (
	"context"
	"fmt"
	"log"

	"github.com/syncgate/syncgate/manifest"
	"github.com/syncgate/syncgate/secrets"
)

func ExampleScanner_Objects() {
	scanner, err := secrets.New(secrets.DefaultOptions())
	if err != nil {
		log.Fatal(err)
	}
	objects, err := manifest.DecodeObjects("app/secret.yaml", []byte(`apiVersion: v1
kind: Secret
metadata: {name: db}
stringData:
  password: hunter2-but-longer
  url: postgres://app:${DB_PASSWORD}@db/app
`), manifest.Limits{})
	if err != nil {
		log.Fatal(err)
	}
	for _, f := range scanner.Objects(context.Background(), nil, objects) {
		fmt.Printf("%s:%d %s %s: %s\n", f.File, f.Line, f.Rule, f.Field, f.Message)
	}
	// Output:
	// app/secret.yaml:1 secrets/plaintext-secret stringData.password: Secret db holds a plaintext value under stringData.password (starts with "hunt"…)
}
