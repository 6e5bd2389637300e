package main

import (
	"bytes"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/syncgate/syncgate/report"
)

// TestSecretsNeverLeave checks the canary repository, whose planted secret
// values sit in every place a secret can sit, through every output format,
// the --report files and stderr, with and without the age
// key that decrypts its SOPS file. No canary may appear, plain or base64.
func TestSecretsNeverLeave(t *testing.T) {
	const repo = "../../testdata/secrets/canary"
	data, err := os.ReadFile(filepath.Join(repo, "canaries.txt"))
	if err != nil {
		t.Fatal(err)
	}
	var canaries []string
	for line := range strings.Lines(string(data)) {
		if c := strings.TrimSpace(line); c != "" {
			canaries = append(canaries, c, base64.StdEncoding.EncodeToString([]byte(c)))
		}
	}
	if len(canaries) < 20 {
		t.Fatalf("only %d canaries in %s", len(canaries)/2, repo)
	}
	for _, key := range []string{"", "../../testdata/secrets/age-test-key.txt"} {
		for _, format := range report.Formats {
			t.Run(string(format)+"/key="+filepath.Base(key), func(t *testing.T) {
				dir := t.TempDir()
				args := []string{"check", "-o", string(format), "--sops-age-key", key}
				var files []string
				for _, other := range report.Formats {
					f := filepath.Join(dir, "report."+string(other))
					files = append(files, f)
					args = append(args, "--report", string(other)+"="+f)
				}
				var out, errOut bytes.Buffer
				if code := run(append(args, repo), &out, &errOut); code != exitFindings {
					t.Fatalf("exit code %d, want %d (the repository has findings); stderr: %s", code, exitFindings, errOut.String())
				}
				outputs := map[string]string{"stdout": out.String(), "stderr": errOut.String()}
				for _, f := range files {
					b, err := os.ReadFile(f)
					if err != nil {
						t.Fatal(err)
					}
					outputs[f] = string(b)
				}
				for where, text := range outputs {
					for _, c := range canaries {
						if strings.Contains(text, c) {
							t.Errorf("%s holds the canary %q", where, c)
						}
					}
				}
				if !strings.Contains(out.String(), "secrets/") {
					t.Errorf("no secrets finding in the output, so the test checks nothing:\n%s", out.String())
				}
			})
		}
	}
}
