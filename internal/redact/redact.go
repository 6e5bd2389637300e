// Package redact keeps secret values out of messages. Template errors
// quote whatever a chart author put in them (`fail`, `required`), values
// included, and no message syncgate prints may carry a secret.
package redact

import (
	"encoding/base64"
	"iter"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/syncgate/syncgate/manifest"
)

// Mask replaces a secret value in a message.
const Mask = "[redacted]"

// minLen is the shortest value redacted: shorter ones ("true", "1") would
// mask ordinary words and carry too little to matter.
const minLen = 6

// sensitiveKey matches the names under which values hold secrets.
var sensitiveKey = regexp.MustCompile(`(?i)pass(word|wd|phrase)?|secret|token|api[-_.]?key|private[-_.]?key|credential|auth|cert(ificate)?[-_.]?key|access[-_.]?key|dsn|connection[-_.]?string`)

// sensitiveWords holds a word of every alternative of sensitiveKey: an
// ASCII key with none of them cannot match, and most keys have none.
var sensitiveWords = []string{"pass", "secret", "token", "key", "credential", "auth", "dsn", "string"}

// isSensitiveKey reports whether sensitiveKey matches key, running the
// regular expression only on the keys that may match: it is called for
// every key of every object, and the regular expression was most of the
// policy stage's time.
func isSensitiveKey(key string) bool {
	if isASCII(key) {
		lower := strings.ToLower(key)
		if !slices.ContainsFunc(sensitiveWords, func(w string) bool { return strings.Contains(lower, w) }) {
			return false
		}
	}
	return sensitiveKey.MatchString(key)
}

// isASCII reports whether s is all ASCII, where case folding is ToLower's.
func isASCII(s string) bool {
	for i := range len(s) {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// Set is a set of secret values.
type Set struct {
	values []string
}

// Add adds a secret value, with its base64 forms, since a template may
// print either.
func (s *Set) Add(value string) {
	if len(value) < minLen {
		return
	}
	once := base64.StdEncoding.EncodeToString([]byte(value))
	twice := base64.StdEncoding.EncodeToString([]byte(once))
	s.values = append(s.values, value, once, twice)
}

// AddSensitive adds every string in v that sits under a key whose name
// says it holds a secret (password, token, apiKey and the like), at any
// depth of maps and lists.
func (s *Set) AddSensitive(v any) {
	for value, sensitive := range Strings(v) {
		if sensitive {
			s.Add(value)
		}
	}
}

// AddAll adds every string in v, at any depth of maps and lists: for
// messages about a file that may be all secret, such as a parse error of
// a SOPS file.
func (s *Set) AddAll(v any) {
	for value := range Strings(v) {
		s.Add(value)
	}
}

// Strings yields every string in v, at any depth of maps and lists, and
// whether a key above it names a secret.
func Strings(v any) iter.Seq2[string, bool] {
	return func(yield func(string, bool) bool) {
		walk(v, false, yield)
	}
}

// walk reports whether yield wants more.
func walk(v any, sensitive bool, yield func(string, bool) bool) bool {
	switch x := v.(type) {
	case map[string]any:
		for k, item := range x {
			if !walk(item, sensitive || isSensitiveKey(k), yield) {
				return false
			}
		}
	case []any:
		for _, item := range x {
			if !walk(item, sensitive, yield) {
				return false
			}
		}
	case string:
		return yield(x, sensitive)
	}
	return true
}

// Redact replaces every secret value in text with Mask, longest first so
// that a value is never left half-masked by a shorter one inside it.
func (s *Set) Redact(text string) string {
	if len(s.values) == 0 {
		return text
	}
	return redact(text, s.longestFirst())
}

// RedactFindings redacts the messages and fields of findings in place; a
// nil Set redacts nothing.
func (s *Set) RedactFindings(findings []manifest.Finding) {
	if s == nil || len(s.values) == 0 {
		return
	}
	values := s.longestFirst()
	for i := range findings {
		findings[i].Message = redact(findings[i].Message, values)
		findings[i].Field = redact(findings[i].Field, values)
	}
}

func (s *Set) longestFirst() []string {
	values := slices.Clone(s.values)
	slices.SortFunc(values, func(a, b string) int { return len(b) - len(a) })
	return values
}

func redact(text string, longestFirst []string) string {
	for _, v := range longestFirst {
		text = strings.ReplaceAll(text, v, Mask)
	}
	return text
}
