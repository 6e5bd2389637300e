package secrets

import (
	"context"
	"encoding/base64"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/syncgate/syncgate/manifest"
)

// encValue matches a value SOPS encrypted: ciphertext, not a credential.
var encValue = regexp.MustCompile(`^ENC\[AES256_GCM,data:[A-Za-z0-9+/=]*,iv:[A-Za-z0-9+/=]+,tag:[A-Za-z0-9+/=]+,type:[a-z]+\]$`)

// apiNameFields name parts of the Kubernetes API, never a secret, yet look
// like one to gitleaks' generic rule: the "api" of apiGroups next to a long
// dotted group name (apiGroups: visibility.kueue.x-k8s.io).
var apiNameFields = map[string]bool{
	"apiVersion": true, "kind": true, "apiGroup": true, "apiGroups": true,
	"resources": true, "verbs": true, "nonResourceURLs": true,
}

// leaf is one string of an object, with its field path and the name a
// credential rule sees it under.
type leaf struct {
	field, label, value string
}

// leavesOf returns every string of obj a credential could hide in, in a
// deterministic order: map keys sorted. It leaves out ciphertext (SOPS
// values and metadata, SealedSecret encryptedData) and puts the decoded
// value of a Secret's data in place of its base64.
func leavesOf(obj *manifest.Object) []leaf {
	var out []leaf
	var walk func(v any, field, label string)
	walk = func(v any, field, label string) {
		switch x := v.(type) {
		case map[string]any:
			name, _ := x["name"].(string)
			for _, k := range slices.Sorted(maps.Keys(x)) {
				childLabel := k
				if k == "value" && name != "" {
					childLabel = name // an env var: its name says what the value is
				}
				walk(x[k], joinKey(field, k), childLabel)
			}
		case []any:
			for i, item := range x {
				walk(item, joinIndex(field, i), label)
			}
		case string:
			if !encValue.MatchString(x) && !apiNameFields[label] {
				out = append(out, leaf{field: field, label: label, value: x})
			}
		}
	}
	for _, k := range slices.Sorted(maps.Keys(obj.Content)) {
		switch {
		case k == "sops":
			continue
		case k == "data" && isSecret(obj):
			data, _ := obj.Content[k].(map[string]any)
			for _, key := range slices.Sorted(maps.Keys(data)) {
				raw, _ := data[key].(string)
				if decoded, err := base64.StdEncoding.DecodeString(raw); err == nil {
					raw = string(decoded)
				}
				out = append(out, leaf{field: joinKey(k, key), label: key, value: raw})
			}
		case k == "spec" && isSealedSecret(obj):
			spec, _ := obj.Content[k].(map[string]any)
			walk(withoutKey(spec, "encryptedData"), k, k)
		default:
			walk(obj.Content[k], k, k)
		}
	}
	return out
}

// withoutKey returns a shallow copy of m without key.
func withoutKey(m map[string]any, key string) map[string]any {
	out := maps.Clone(m)
	delete(out, key)
	return out
}

// credentials runs the credential rules over every string of obj, each
// string alone, after the name it is held under, so that rules keyed on
// "password: ..." apply and no match spans two strings.
func (s *Scanner) credentials(ctx context.Context, obj *manifest.Object) []manifest.Finding {
	var findings []manifest.Finding
	for _, l := range leavesOf(obj) {
		leaks := s.leafLeaks(ctx, l.label+": "+l.value)
		if len(leaks) == 0 {
			continue
		}
		lk := mostSpecific(leaks)
		findings = append(findings, objectFinding(obj, RuleCredential, l.field,
			fmt.Sprintf("%s holds a credential matching the gitleaks rule %s%s", l.field, lk.rule, hint(lk.secret))))
	}
	return findings
}

// genericRule is gitleaks' catch-all rule: a keyword next to a long
// random-looking value. It also matches what specific rules match.
const genericRule = "generic-api-key"

// mostSpecific picks the leak to report among those of one string or line:
// a specific rule over the generic one, then the first rule by name.
func mostSpecific(leaks []leak) leak {
	return slices.MinFunc(leaks, func(a, b leak) int {
		if (a.rule == genericRule) != (b.rule == genericRule) {
			if a.rule == genericRule {
				return 1
			}
			return -1
		}
		return strings.Compare(a.rule, b.rule)
	})
}
