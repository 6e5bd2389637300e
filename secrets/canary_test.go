//go:build unix

package secrets

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"os"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/syncgate/syncgate/manifest"
)

// canaryDir is the canary repository; canaries.txt lists its values.
const canaryDir = fixtures + "/canary"

// canaries reads the canary values, each with the forms a leak could take
// (base64 once and twice).
func canaries(t *testing.T) []string {
	t.Helper()
	f, err := os.Open(canaryDir + "/canaries.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v := strings.TrimSpace(sc.Text()); v != "" {
			once := base64.StdEncoding.EncodeToString([]byte(v))
			out = append(out, v, once, base64.StdEncoding.EncodeToString([]byte(once)))
		}
	}
	if len(out) == 0 {
		t.Fatal("no canaries")
	}
	return out
}

// captureStderr runs f with file descriptor 2 redirected, and returns what
// was written there: libraries log to the process's stderr directly.
func captureStderr(t *testing.T, f func()) string {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	saved, err := unix.Dup(2)
	if err != nil {
		t.Fatal(err)
	}
	if err := unix.Dup2(int(w.Fd()), 2); err != nil {
		t.Fatal(err)
	}
	done := make(chan string)
	go func() {
		b, _ := io.ReadAll(r)
		done <- string(b)
	}()
	f()
	if err := unix.Dup2(saved, 2); err != nil {
		t.Fatal(err)
	}
	unix.Close(saved)
	w.Close()
	return <-done
}

// TestCanaries runs the whole stage, with and without the age key, over a
// repository whose every secret is a canary, and asserts that no finding,
// error or log line holds one, while the findings show that each place
// was looked at.
func TestCanaries(t *testing.T) {
	values := canaries(t)
	fsys := os.DirFS(canaryDir)
	rendered := renderRepo(t, fsys)["."]
	if len(rendered) == 0 {
		t.Fatal("the canary repository rendered no objects")
	}
	for _, withKey := range []bool{false, true} {
		s := newScanner(t, withKey)
		var findings []manifest.Finding
		var prepared []*manifest.Object
		logs := captureStderr(t, func() {
			findings = Merge(s.Files(context.Background(), fsys), s.Objects(context.Background(), fsys, rendered))
			prepared = s.Prepare(rendered).Objects
		})
		out, err := json.Marshal(findings)
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range values {
			if strings.Contains(string(out), v) {
				t.Errorf("key %v: a finding holds canary %.12s…", withKey, v)
			}
			if strings.Contains(logs, v) {
				t.Errorf("key %v: the log holds canary %.12s…", withKey, v)
			}
		}
		seen := map[string]bool{}
		for _, f := range findings {
			seen[f.File+" "+f.Rule+" "+f.Field] = true
		}
		for _, want := range []string{
			"secret.yaml secrets/plaintext-secret data.TOKEN",
			"secret.yaml secrets/credential data.TOKEN",
			"secret.yaml secrets/plaintext-secret stringData.PASSWORD",
			"partial.sops.yaml secrets/sops-partial stringData.LEFTOVER",
			"sealed.yaml secrets/plaintext-secret spec.template.stringData.TEMPLATE_PASSWORD",
			"configmap.yaml secrets/credential data.github-token",
			"deployment.yaml secrets/credential metadata.annotations[ci.example.com/token]",
			"deployment.yaml secrets/credential spec.template.spec.containers[0].env[0].value",
			"values.yaml secrets/plaintext-secret database.password",
			"kustomization.yaml secrets/plaintext-secret data.GENERATED",
			"malformed.sops.yaml secrets/sops-metadata sops",
		} {
			if !seen[want] {
				t.Errorf("key %v: no finding %q: a canary place was not checked", withKey, want)
			}
		}
		decrypted := false
		for _, obj := range prepared {
			b, _ := json.Marshal(obj.Content)
			decrypted = decrypted || strings.Contains(string(b), "CANARY-sops-decrypted-9a4c2e71")
		}
		if decrypted != withKey {
			t.Errorf("key %v: Prepare decrypted the SOPS canary: %v", withKey, decrypted)
		}
	}
}

// TestCanaryErrors checks that an age key file that does not parse is not
// quoted in the error.
func TestCanaryErrors(t *testing.T) {
	const canary = "AGE-SECRET-KEY-CANARYNOTAKEY0000000000000000000000000000000000"
	_, err := New(Options{AgeKeys: canary + "\n"})
	if err == nil {
		t.Fatal("New accepted a malformed age key")
	}
	if strings.Contains(err.Error(), "CANARY") {
		t.Errorf("the error quotes the key file: %v", err)
	}
}
