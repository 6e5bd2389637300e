package secrets

import (
	"fmt"
	"maps"
	"path"
	"regexp"
	"slices"
	"strings"

	"github.com/syncgate/syncgate/manifest"
)

// valuesFileName matches Helm values files: values.yaml, values-prod.yaml,
// values.prod.yml.
var valuesFileName = regexp.MustCompile(`^values([-._][A-Za-z0-9_.-]+)?\.ya?ml$`)

// secretKey matches the keys of values files under which charts expect a
// secret: keys ending in password, secret, token, apiKey and the like.
var secretKey = regexp.MustCompile(`(?i)(password|passwd|secret|token|api[-_]?key|access[-_]?key|private[-_]?key)$`)

// referenceKey matches keys that name a secret rather than hold one:
// existingSecret, and so on.
var referenceKey = regexp.MustCompile(`(?i)^existing|^use`)

// valuesFile reports the plaintext values of a Helm values file held
// under keys that say they are secrets; a chart turns them into a Secret.
func valuesFile(name string, docs []manifest.Document) []manifest.Finding {
	if !valuesFileName.MatchString(path.Base(name)) {
		return nil
	}
	var findings []manifest.Finding
	var walk func(v any, field, key string, line int)
	walk = func(v any, field, key string, line int) {
		switch x := v.(type) {
		case map[string]any:
			for _, k := range slices.Sorted(maps.Keys(x)) {
				walk(x[k], joinKey(field, k), k, line)
			}
		case []any:
			for i, item := range x {
				walk(item, joinIndex(field, i), key, line)
			}
		case string:
			if x == "" || !secretKey.MatchString(key) || referenceKey.MatchString(key) || strings.Contains(x, "{{") || isPlaceholder(x, false) || isEncValue(x) {
				return
			}
			findings = append(findings, fileFinding(name, line, RulePlaintextSecret, field,
				fmt.Sprintf("values file holds a plaintext secret under %s%s; a chart will put it in a Secret", field, hint(x))))
		}
	}
	for _, doc := range docs {
		walk(doc.Value, "", "", doc.Line)
	}
	return findings
}
