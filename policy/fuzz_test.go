package policy

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/syncgate/syncgate/manifest"
)

// FuzzEvaluate feeds rendered objects from untrusted YAML, constraints
// and templates among them, to the bundled library and the Gatekeeper
// templates: whatever they hold, evaluation returns findings and never
// panics.
func FuzzEvaluate(f *testing.F) {
	for _, pattern := range []string{"../testdata/gatekeeper/*/*.yaml", "../testdata/policy/bundled/*.yaml"} {
		files, _ := filepath.Glob(pattern)
		for _, file := range files {
			data, err := os.ReadFile(file)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(data)
		}
	}
	f.Add([]byte("apiVersion: constraints.gatekeeper.sh/v1beta1\nkind: K8sBlockNodePort\nmetadata: {name: x}\nspec: {match: {kinds: [7], namespaceSelector: {matchExpressions: [{}]}}, enforcementAction: 3}\n"))
	e, err := Load(context.Background(), Options{Dirs: []string{"../testdata/gatekeeper/policies"}, Bundled: true, Timeout: time.Second})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		objects, err := manifest.DecodeObjects("fuzz.yaml", data, manifest.DefaultLimits())
		if err != nil {
			return
		}
		e.Evaluate(context.Background(), objects)
	})
}
