package client_test

import (
	"context"
	"fmt"
	"log"
	"net/http/httptest"

	"github.com/syncgate/syncgate"
	"github.com/syncgate/syncgate/client"
	"github.com/syncgate/syncgate/manifest"
	"github.com/syncgate/syncgate/server"
)

// A controller checks what it is about to apply. The server here runs in
// the test with the policies of server/testdata; in a cluster it is
// syncgate serve behind its Service.
func ExampleClient_Check() {
	ctx := context.Background()
	opts := server.DefaultOptions()
	opts.Load = func(ctx context.Context) (*server.Set, error) {
		gopts := syncgate.DefaultOptions()
		gopts.Policy.Dirs = []string{"../server/testdata/policy"}
		gopts.Policy.Bundled = false
		g, err := syncgate.New(ctx, gopts)
		return &server.Set{Gate: g, FailOn: manifest.SeverityError}, err
	}
	srv, err := server.New(opts)
	if err != nil {
		log.Fatal(err)
	}
	if err := srv.Load(ctx); err != nil {
		log.Fatal(err)
	}
	ts := httptest.NewTLSServer(srv.Handler())
	defer ts.Close()

	c, err := client.New(ts.URL, ts.Client())
	if err != nil {
		log.Fatal(err)
	}
	d, err := c.Check(ctx, client.Request{
		Target: "apps/web",
		Objects: []byte(`apiVersion: v1
kind: ConfigMap
metadata: {name: web, namespace: apps}
data: {forbidden: "yes"}
`),
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("allowed:", d.Allowed)
	for _, f := range d.Findings {
		fmt.Printf("%s %s: %s\n", f.Rule, f.Object, f.Message)
	}
	// Output:
	// allowed: false
	// policy/main/deny ConfigMap/apps/web: ConfigMap web holds the key forbidden
}
