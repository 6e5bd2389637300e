package redact

import (
	"encoding/base64"
	"strings"
	"testing"
)

func TestRedact(t *testing.T) {
	const secret = "s3cr3t-Value-42"
	b64 := base64.StdEncoding.EncodeToString([]byte(secret))
	b64twice := base64.StdEncoding.EncodeToString([]byte(b64))
	values := map[string]any{
		"database": map[string]any{"password": secret, "host": "db.example.org"},
		"auth":     map[string]any{"tokens": []any{"tok-ABCDEFGH"}},
		"image":    "example.org/app:1.2.3",
		"apiKey":   "short",
	}
	tests := []struct {
		name, in, want string
	}{
		{"plain", "cannot connect with password " + secret, "cannot connect with password " + Mask},
		{"base64 once", "data: " + b64, "data: " + Mask},
		{"base64 twice", "data: " + b64twice, "data: " + Mask},
		{"on the last line", "line one\nline two " + secret, "line one\nline two " + Mask},
		{"next to another value", secret + "tok-ABCDEFGH", Mask + Mask},
		{"list under a sensitive key", "bad token tok-ABCDEFGH", "bad token " + Mask},
		{"not sensitive", "host db.example.org image example.org/app:1.2.3", "host db.example.org image example.org/app:1.2.3"},
		{"too short to redact", "key short", "key short"},
	}
	var s Set
	s.AddSensitive(values)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := s.Redact(tt.in)
			if got != tt.want {
				t.Errorf("Redact(%q) = %q, want %q", tt.in, got, tt.want)
			}
			if strings.Contains(got, secret) {
				t.Errorf("Redact(%q) kept the secret", tt.in)
			}
		})
	}
}

// FuzzRedact: whatever surrounds a secret, it never survives redaction
// (unless the mask's own text spells it).
func FuzzRedact(f *testing.F) {
	f.Add("password is %s.", "hunter2-hunter2")
	f.Add("%s%s", "aaaaaaaa")
	f.Add("\n\n%s", "ZZZZZZZZ==")
	f.Fuzz(func(t *testing.T, format, secret string) {
		if len(secret) < minLen || !strings.Contains(format, "%s") || strings.ContainsAny(secret, "[]") {
			return
		}
		var s Set
		s.Add(secret)
		text := strings.ReplaceAll(format, "%s", secret)
		if got := s.Redact(text); strings.Contains(got, secret) {
			t.Fatalf("Redact(%q) = %q still holds %q", text, got, secret)
		}
	})
}

func TestAddAll(t *testing.T) {
	var s Set
	s.AddAll(map[string]any{"sops": map[string]any{"lastmodified": "not-a-time-canary"}, "list": []any{"item-canary-1"}, "n": int64(42)})
	got := s.Redact(`parsing time "not-a-time-canary" and item-canary-1`)
	if want := `parsing time "` + Mask + `" and ` + Mask; got != want {
		t.Errorf("Redact = %q, want %q", got, want)
	}
}

// FuzzSensitiveKey checks that the word filter in front of sensitiveKey
// never changes its answer.
func FuzzSensitiveKey(f *testing.F) {
	for _, key := range []string{"password", "DB_PASSWD", "apiKey", "api-key", "private.key", "certificateKey", "tlsCert", "connection_string", "paſsword", "KELVIN", "replicas", "name", "aUtH"} {
		f.Add(key)
	}
	f.Fuzz(func(t *testing.T, key string) {
		if got, want := isSensitiveKey(key), sensitiveKey.MatchString(key); got != want {
			t.Fatalf("isSensitiveKey(%q) = %v, the regular expression says %v", key, got, want)
		}
	})
}
