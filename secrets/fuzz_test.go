package secrets

import (
	"os"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/syncgate/syncgate/manifest"
)

// fuzzLimits keep each fuzzed input small and quick to decode.
var fuzzLimits = manifest.Limits{MaxFileBytes: 1 << 16, MaxDepth: 32, MaxAliasNodes: 1000, MaxDocuments: 16}

// addFixtureSeeds seeds a fuzz target with fixture files.
func addFixtureSeeds(f *testing.F, files ...string) {
	for _, file := range files {
		data, err := os.ReadFile(fixtures + "/" + file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
}

// checkFindings fails on findings that are not well formed: every one
// names a registered rule and the file.
func checkFindings(t *testing.T, file string, findings []manifest.Finding) {
	for _, f := range findings {
		if _, ok := manifest.RuleSeverity(rules, f.Rule); !ok || !strings.HasPrefix(f.Rule, "secrets/") {
			t.Fatalf("finding with unknown rule %q", f.Rule)
		}
		if f.File != file {
			t.Fatalf("finding %s names file %q, want %q", f.Rule, f.File, file)
		}
	}
}

// FuzzSOPSFile feeds arbitrary files to the SOPS parser and checks, with
// the test key so that decryption runs too: no panic, well-formed findings.
// The credential rules are gitleaks' own and stay out, to keep it fast.
func FuzzSOPSFile(f *testing.F) {
	addFixtureSeeds(f, "sops/valid.sops.yaml", "sops/partial.sops.yaml", "sops/bad-lastmodified.sops.yaml",
		"sops/malformed.sops.yaml", "sops/json/config.sops.json", "sops/values.sops.yaml")
	s := newScanner(f, true)
	f.Fuzz(func(t *testing.T, data []byte) {
		const file = "fuzz.sops.yaml"
		fsys := fstest.MapFS{file: {Data: data}, ".sops.yaml": {Data: []byte("creation_rules: [{age: age1d2ewggfsj9mlv78pn74m4ggzpg50at6fhu3r5sp2ez2d9ht2vp4sm2lhhr}]\n")}}
		docs, err := manifest.Decode(file, data, fuzzLimits)
		if err != nil || len(docs) == 0 {
			return
		}
		checkFindings(t, file, s.sopsFile(file, data, docs, newSOPSRules(fsys, fuzzLimits)))
	})
}

// FuzzSealedSecret feeds arbitrary objects to the SealedSecret checks,
// rendered under another name and namespace so that the scope check reads
// the source file too.
func FuzzSealedSecret(f *testing.F) {
	addFixtureSeeds(f, "sealed/valid.yaml", "sealed/cluster-wide.yaml", "sealed/malformed.yaml")
	f.Fuzz(func(t *testing.T, data []byte) {
		const file = "sealed.yaml"
		objs, err := manifest.DecodeObjects(file, data, fuzzLimits)
		if err != nil {
			return
		}
		for _, obj := range objs {
			checkFindings(t, file, checkSealed(obj))
			moved := manifest.NewObject(obj.Content, manifest.Origin{File: file})
			moved.Name, moved.Namespace = "x-"+obj.Name, "elsewhere"
			checkFindings(t, file, sealedScope(fstest.MapFS{file: {Data: data}}, moved, fuzzLimits))
		}
	})
}
