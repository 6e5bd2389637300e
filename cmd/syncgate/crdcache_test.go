package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// The findings on CRDs the API server would refuse are the same, byte for
// byte, on a cold check, on a warm one (which takes them from the result
// cache) and on one without the cache; a changed CRD is compiled again and
// its new finding reported.
func TestCheckCRDFindingsCached(t *testing.T) {
	dir, cacheDir := filepath.Join(t.TempDir(), "repo"), t.TempDir()
	if err := os.CopyFS(dir, os.DirFS("testdata/crd-findings")); err != nil {
		t.Fatal(err)
	}
	check := func(flag ...string) string {
		t.Helper()
		var out, errOut bytes.Buffer
		if code := run(append(append([]string{"check", "-o", "json"}, flag...), dir), &out, &errOut); code != 1 {
			t.Fatalf("exit code %d, want 1; stderr: %s", code, errOut.String())
		}
		return durationMs.ReplaceAllString(out.String(), `"durationMs": 0`)
	}
	same := func(want []string) {
		t.Helper()
		without := check("--no-cache")
		for _, w := range want {
			if !strings.Contains(without, w) {
				t.Fatalf("no finding with %q:\n%s", w, without)
			}
		}
		for _, run := range []string{"cold or changed", "warm"} {
			if diff := cmp.Diff(without, check("--cache-dir", cacheDir)); diff != "" {
				t.Errorf("%s check with the cache (-without +with):\n%s", run, diff)
			}
		}
	}
	same([]string{"Invalid value: compilation failed: ERROR: \\u003cinput\\u003e:1:14: Syntax error", "properties[colour].type"})

	crd := filepath.Join(dir, "gadgets.yaml")
	data, err := os.ReadFile(crd)
	if err != nil {
		t.Fatal(err)
	}
	changed := strings.Replace(string(data), `rule: "self.size == "`, `rule: "self.weight > 1"`, 1)
	if err := os.WriteFile(crd, []byte(changed), 0o666); err != nil {
		t.Fatal(err)
	}
	same([]string{"undefined field 'weight'", "properties[colour].type"})
}
