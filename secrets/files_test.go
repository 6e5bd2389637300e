package secrets

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"

	"github.com/syncgate/syncgate/manifest"
)

// fixtures is the root of the secrets stage's test fixtures.
const fixtures = "../testdata/secrets"

// testKey reads the TEST-ONLY age key the SOPS fixtures are encrypted for.
func testKey(t testing.TB) string {
	t.Helper()
	key, err := os.ReadFile(fixtures + "/age-test-key.txt")
	if err != nil {
		t.Fatal(err)
	}
	return string(key)
}

// newScanner builds a Scanner, with the test key when withKey.
func newScanner(t testing.TB, withKey bool) *Scanner {
	t.Helper()
	opts := DefaultOptions()
	if withKey {
		opts.AgeKeys = testKey(t)
	}
	s, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// brief shows a finding as "file:line rule field", the parts tests compare.
func brief(findings []manifest.Finding) []string {
	out := []string{}
	for _, f := range findings {
		out = append(out, fmt.Sprintf("%s:%d %s %s", f.File, f.Line, f.Rule, f.Field))
	}
	return out
}

func TestFiles(t *testing.T) {
	sopsFindings := []string{
		"bad-lastmodified.sops.yaml:9 secrets/sops-metadata sops",
		"malformed.sops.yaml:8 secrets/sops-metadata sops",
		"no-mac.sops.yaml:11 secrets/sops-metadata sops",
		"partial.sops.yaml:11 secrets/sops-partial stringData.DB_HOST_PASSWORD",
		"wrong-recipients.sops.yaml:11 secrets/sops-recipients sops",
	}
	tests := []struct {
		name    string
		dir     string
		withKey bool
		want    []string
	}{
		{name: "SOPS without a key", dir: "sops", want: sopsFindings},
		{name: "SOPS with the key finds the tampered file", dir: "sops", withKey: true, want: []string{
			sopsFindings[0], sopsFindings[1], sopsFindings[2], sopsFindings[3],
			"tampered.sops.yaml:24 secrets/sops-mac sops.mac",
			sopsFindings[4],
		}},
		{name: "plaintext Secrets", dir: "plaintext", want: []string{
			"secrets.yaml:8 secrets/plaintext-secret data.password",
			"secrets.yaml:16 secrets/plaintext-secret stringData.token",
			"secrets.yaml:24 secrets/plaintext-secret data[.dockerconfigjson]",
		}},
		{name: "placeholders, empty and service-account Secrets", dir: "placeholders", want: []string{}},
		{name: "SealedSecrets", dir: "sealed", want: []string{
			"malformed.yaml:10 secrets/sealed-malformed spec.encryptedData.auth",
			"malformed.yaml:19 secrets/sealed-malformed spec.encryptedData.auth",
			"malformed.yaml:28 secrets/sealed-malformed spec.encryptedData.auth",
			"malformed.yaml:35 secrets/sealed-malformed spec.encryptedData",
			"malformed.yaml:46 secrets/sealed-malformed spec.encryptedData.auth",
			"malformed.yaml:52 secrets/plaintext-secret spec.template.stringData.admin-password",
		}},
		{name: "SOPS values without metadata", dir: "sops-leftover", want: []string{
			"secret.yaml:8 secrets/sops-metadata stringData.password",
		}},
		{name: "secretGenerator and values files", dir: "generator", want: []string{
			"app.env:2 secrets/plaintext-secret data.DB_PASSWORD",
			"kustomization.yaml:6 secrets/plaintext-secret data.API_TOKEN",
			"kustomization.yaml:9 secrets/plaintext-secret data[tls.key]",
			"values.yaml:3 secrets/plaintext-secret database.password",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fsys, err := fs.Sub(os.DirFS(fixtures), tt.dir)
			if err != nil {
				t.Fatal(err)
			}
			got := brief(newScanner(t, tt.withKey).Files(context.Background(), fsys))
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Files (-want +got):\n%s", diff)
			}
		})
	}
}

func TestFilesBounds(t *testing.T) {
	fsys := fstest.MapFS{
		"big.txt":        {Data: []byte(strings.Repeat("a", 2048))},
		"big.bin":        {Data: append([]byte{0}, make([]byte, 2048)...)},
		"a.txt":          {Data: []byte("hello")},
		"b.txt":          {Data: []byte("hello")},
		".git/config":    {Data: []byte("token = ghp_u8jzPde0IgxLd6GncfBAepfJBd0Kh8oOOL8d")},
		"image.png":      {Data: []byte("ghp_u8jzPde0IgxLd6GncfBAepfJBd0Kh8oOOL8d")},
		"go.sum":         {Data: []byte("ghp_u8jzPde0IgxLd6GncfBAepfJBd0Kh8oOOL8d")},
		"charts/c/a.txt": {Data: []byte("hello")},
	}
	opts := DefaultOptions()
	opts.Limits.MaxFileBytes = 1024
	opts.MaxFiles = 4
	s, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"big.txt:0 secrets/scan-error ",
		"charts/c/a.txt:0 secrets/scan-error ",
	}
	if diff := cmp.Diff(want, brief(s.Files(context.Background(), fsys))); diff != "" {
		t.Errorf("Files (-want +got):\n%s", diff)
	}
}

func TestSplitDocuments(t *testing.T) {
	tests := []struct {
		name, text string
		size       int
		want       []piece
	}{
		{"no newline", "a: 1", 1, []piece{{"a: 1", 0}}},
		{"small", "a: 1\n---\nb: 2\n", 100, []piece{{"a: 1\n---\nb: 2\n", 0}}},
		{"at separators", "a: 1\n---\nb: 2\n---\nc: 3\n", 1, []piece{{"a: 1\n", 0}, {"---\nb: 2\n", 1}, {"---\nc: 3\n", 3}}},
		{"documents whole", "a: |\n  x\n  y\n---\nb: 2", 4, []piece{{"a: |\n  x\n  y\n", 0}, {"---\nb: 2", 3}}},
		{"no separator", "a: 1\nb: 2\nc: 3\n", 1, []piece{{"a: 1\nb: 2\nc: 3\n", 0}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, splitDocuments(tt.text, tt.size), cmp.AllowUnexported(piece{})); diff != "" {
				t.Errorf("splitDocuments (-want +got):\n%s", diff)
			}
		})
	}
}

// TestLargeStreamLines plants credentials among thousands of documents, in
// a stream large enough to be scanned in pieces: each is reported at its
// own line, as a scan of the whole text reports it.
func TestLargeStreamLines(t *testing.T) {
	var b strings.Builder
	var want []int
	line := 1
	for i := range 18000 {
		fmt.Fprintf(&b, "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-%d\n", i)
		line += 5
		if i == 7 || i == 17000 {
			fmt.Fprintf(&b, "data:\n  token: ghp_%s%05d\n", "Zq8vN2kLr5XwT9bYc4HmPd7Jf3Ga6Ab", i)
			want = append(want, line+1)
			line += 2
		}
	}
	text := b.String()
	if len(text) < 4*pieceBytes {
		t.Fatalf("the stream is %d bytes, too small to be cut", len(text))
	}
	s := newScanner(t, false)
	var got, whole []int
	for _, f := range s.textFile(context.Background(), "many.yaml", text) {
		got = append(got, f.Line)
	}
	leaks, err := s.leaks(context.Background(), "many.yaml", text)
	if err != nil {
		t.Fatal(err)
	}
	for _, lk := range leaks {
		whole = append(whole, lk.line+1)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("lines of the findings (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(whole, got); diff != "" {
		t.Errorf("pieces against the whole text (-whole +pieces):\n%s", diff)
	}
}
