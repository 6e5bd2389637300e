package secrets

import (
	"context"
	"encoding/base64"
	"fmt"
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

// fieldPath is a field path under construction: its steps are joined into the
// dotted string of a finding only when a finding needs it, since most
// strings of an object are never reported.
type fieldPath []manifest.FieldStep

func (p fieldPath) key(k string) fieldPath { return append(p, manifest.FieldStep{Key: k, Index: -1}) }
func (p fieldPath) item(i int) fieldPath   { return append(p, manifest.FieldStep{Index: i}) }

// String joins the steps as joinKey and joinIndex do.
func (p fieldPath) String() string {
	field := ""
	for i, s := range p {
		switch {
		case i == 0 && s.Index < 0:
			field = s.Key // a top-level key is never bracketed
		case s.Index >= 0:
			field = joinIndex(field, s.Index)
		default:
			field = joinKey(field, s.Key)
		}
	}
	return field
}

// walkStrings calls visit for every string under v, in no set order, with
// its path (valid during the call only) and label: the map key it is
// under, or for an env var's value the var's name, which says what the
// value is.
func walkStrings(v any, p fieldPath, label string, visit func(p fieldPath, label, s string)) {
	switch x := v.(type) {
	case map[string]any:
		name, _ := x["name"].(string)
		for k, item := range x {
			childLabel := k
			if k == "value" && name != "" {
				childLabel = name
			}
			walkStrings(item, p.key(k), childLabel, visit)
		}
	case []any:
		for i, item := range x {
			walkStrings(item, p.item(i), label, visit)
		}
	case string:
		visit(p, label, x)
	}
}

// isEncValue reports whether s is a value SOPS encrypted; the prefix test
// spares the regular expression for the strings that cannot be one.
func isEncValue(s string) bool {
	return strings.HasPrefix(s, "ENC[") && encValue.MatchString(s)
}

// eachLeaf calls visit for every string of obj a credential could hide
// in, in no set order. It leaves out ciphertext (SOPS values and
// metadata, SealedSecret encryptedData) and the names of API parts, and
// puts the decoded value of a Secret's data in place of its base64.
func eachLeaf(obj *manifest.Object, visit func(p fieldPath, label, value string)) {
	leaf := func(p fieldPath, label, s string) {
		if !isEncValue(s) && !apiNameFields[label] {
			visit(p, label, s)
		}
	}
	// One buffer holds every path: a path is valid during its visit only.
	buf := make(fieldPath, 0, 16)
	for k, v := range obj.Content {
		switch {
		case k == "sops":
			continue
		case k == "data" && isSecret(obj):
			data, _ := v.(map[string]any)
			for key, value := range data {
				raw, _ := value.(string)
				if decoded, err := base64.StdEncoding.DecodeString(raw); err == nil {
					raw = string(decoded)
				}
				visit(buf.key(k).key(key), key, raw)
			}
		case k == "spec" && isSealedSecret(obj):
			spec, _ := v.(map[string]any)
			for sk, sv := range spec {
				if sk != "encryptedData" {
					walkStrings(sv, buf.key(k).key(sk), sk, leaf)
				}
			}
		default:
			walkStrings(v, buf.key(k), k, leaf)
		}
	}
}

// credentials runs the credential rules over every string of obj, each
// string alone, after the name it is held under, so that rules keyed on
// "password: ..." apply and no match spans two strings. The caller sorts
// the findings.
func (s *Scanner) credentials(ctx context.Context, obj *manifest.Object) []manifest.Finding {
	var findings []manifest.Finding
	var failed error
	eachLeaf(obj, func(p fieldPath, label, value string) {
		if failed != nil {
			return
		}
		leaks, err := s.leafLeaks(ctx, label+": "+value)
		if err != nil {
			failed = err
			return
		}
		if len(leaks) == 0 {
			return
		}
		lk := mostSpecific(leaks)
		field := p.String()
		findings = append(findings, objectFinding(obj, RuleCredential, field,
			fmt.Sprintf("%s holds a credential matching the gitleaks rule %s%s", field, lk.rule, hint(lk.secret))))
	})
	if failed != nil {
		findings = append(findings, objectFinding(obj, RuleScanError, "", fmt.Sprintf("%v: not checked for credentials", failed)))
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
