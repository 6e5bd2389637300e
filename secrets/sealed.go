package secrets

import (
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"io/fs"
	"maps"
	"slices"
	"strings"

	"github.com/syncgate/syncgate/manifest"
)

// The annotations that widen a SealedSecret's scope. Without either, the
// scope is strict: the controller unseals it only under the name and in
// the namespace it was sealed for, since both are bound into the
// ciphertext.
const (
	annotationClusterWide   = "sealedsecrets.bitnami.com/cluster-wide"
	annotationNamespaceWide = "sealedsecrets.bitnami.com/namespace-wide"
)

// gcmTagLen is the size of the AES-GCM tag that ends every sealed value.
const gcmTagLen = 16

// isSealedSecret reports whether obj is a Bitnami SealedSecret.
func isSealedSecret(obj *manifest.Object) bool {
	return obj.Kind == "SealedSecret" && obj.Group() == "bitnami.com"
}

// scope is how widely a SealedSecret may be renamed or moved.
type scope string

const (
	scopeStrict    scope = "strict"
	scopeNamespace scope = "namespace-wide"
	scopeCluster   scope = "cluster-wide"
)

// scopeOf reads a SealedSecret's scope from its annotations or those of
// its template, where kubeseal writes them.
func scopeOf(obj *manifest.Object) scope {
	tmplMeta := nestedMap(obj.Content, "spec", "template", "metadata", "annotations")
	for _, ann := range []map[string]any{nestedMap(obj.Content, "metadata", "annotations"), tmplMeta} {
		if ann[annotationClusterWide] == "true" {
			return scopeCluster
		}
		if ann[annotationNamespaceWide] == "true" {
			return scopeNamespace
		}
	}
	return scopeStrict
}

// nestedMap returns the map at a path of keys, or nil.
func nestedMap(m map[string]any, keys ...string) map[string]any {
	for _, k := range keys {
		m, _ = m[k].(map[string]any)
	}
	return m
}

// checkSealed checks a SealedSecret's sealed values and its template.
func checkSealed(obj *manifest.Object) []manifest.Finding {
	spec, _ := obj.Content["spec"].(map[string]any)
	raw, present := spec["encryptedData"]
	encrypted, isMap := raw.(map[string]any)
	var findings []manifest.Finding
	switch {
	case !present || raw == nil:
		if _, legacy := spec["data"]; !legacy {
			findings = append(findings, objectFinding(obj, RuleSealedMalformed, "spec.encryptedData", fmt.Sprintf("SealedSecret %s has no spec.encryptedData", obj.Name)))
		}
	case !isMap:
		findings = append(findings, objectFinding(obj, RuleSealedMalformed, "spec.encryptedData", fmt.Sprintf("SealedSecret %s: spec.encryptedData is not a map", obj.Name)))
	}
	for _, key := range slices.Sorted(maps.Keys(encrypted)) {
		field := joinKey("spec.encryptedData", key)
		value, ok := encrypted[key].(string)
		if !ok {
			findings = append(findings, objectFinding(obj, RuleSealedMalformed, field, fmt.Sprintf("SealedSecret %s: %s is not a string", obj.Name, field)))
			continue
		}
		if problem := sealedValueProblem(value); problem != "" {
			findings = append(findings, objectFinding(obj, RuleSealedMalformed, field, fmt.Sprintf("SealedSecret %s: %s %s", obj.Name, field, problem)))
		}
	}
	avp := annotation(obj, avpPathAnnotation) != ""
	for _, field := range []string{"data", "stringData"} {
		tmpl := nestedMap(obj.Content, "spec", "template", field)
		for _, key := range slices.Sorted(maps.Keys(tmpl)) {
			value, _ := tmpl[key].(string)
			if field == "data" {
				if decoded, err := base64.StdEncoding.DecodeString(value); err == nil {
					value = string(decoded)
				}
			}
			if value == "" || strings.Contains(value, "{{") || isPlaceholder(value, avp) {
				continue // templates combine unsealed values; they hold none
			}
			findings = append(findings, objectFinding(obj, RulePlaintextSecret, joinKey("spec.template."+field, key),
				fmt.Sprintf("SealedSecret %s holds a plaintext value in spec.template.%s.%s%s, outside the sealed data", obj.Name, field, key, hint(value))))
		}
	}
	return findings
}

// sealedValueProblem says why a value cannot be sealed data, or returns
// "". kubeseal's hybrid encryption writes a 2-byte big-endian length, an
// RSA-OAEP-encrypted session key of that length (the size of an RSA
// modulus), then the AES-GCM ciphertext of the value with its 16-byte tag.
func sealedValueProblem(value string) string {
	data, err := base64.StdEncoding.DecodeString(value)
	if err != nil {
		return "is not base64"
	}
	if len(data) < 2 {
		return "is too short to be sealed data"
	}
	rsaLen := int(binary.BigEndian.Uint16(data))
	switch {
	case rsaLen < 128 || rsaLen%64 != 0:
		return "does not start with the length of an RSA-encrypted session key"
	case len(data) < 2+rsaLen+gcmTagLen:
		return fmt.Sprintf("is %d bytes, too short for a %d-bit sealed value", len(data), rsaLen*8)
	}
	return ""
}

// sealedScope reports a strict- or namespace-wide-scoped SealedSecret
// whose rendered name or namespace differs from those of its source file:
// the controller would fail to unseal it. src is the repository the
// object was rendered from.
func sealedScope(src fs.FS, obj *manifest.Object, limits manifest.Limits) []manifest.Finding {
	sc := scopeOf(obj)
	if src == nil || obj.Origin.File == "" || sc == scopeCluster {
		return nil
	}
	source := sourceSealed(src, obj, limits)
	if source == nil {
		return nil
	}
	var findings []manifest.Finding
	if sc == scopeStrict && source.Name != obj.Name {
		findings = append(findings, objectFinding(obj, RuleSealedScope, "metadata.name",
			fmt.Sprintf("SealedSecret %s was sealed with strict scope as %q but renders as %q: the controller will not unseal it", obj.Name, source.Name, obj.Name)))
	}
	if source.Namespace != "" && obj.Namespace != "" && source.Namespace != obj.Namespace {
		findings = append(findings, objectFinding(obj, RuleSealedScope, "metadata.namespace",
			fmt.Sprintf("SealedSecret %s was sealed with %s scope for namespace %q but renders into %q: the controller will not unseal it", obj.Name, sc, source.Namespace, obj.Namespace)))
	}
	return findings
}

// sourceSealed finds the SealedSecret obj was rendered from in its origin
// file: the one at its line, or else the only SealedSecret there, or the
// one whose name the rendered name contains (a prefix or suffix added).
func sourceSealed(src fs.FS, obj *manifest.Object, limits manifest.Limits) *manifest.Object {
	data, err := readBounded(src, obj.Origin.File, int64(limits.MaxFileBytes))
	if err != nil {
		return nil
	}
	objects, err := manifest.DecodeObjects(obj.Origin.File, data, limits)
	if err != nil {
		return nil
	}
	var candidates []*manifest.Object
	for _, o := range objects {
		if !isSealedSecret(o) {
			continue
		}
		if obj.Origin.Line > 0 && o.Origin.Line == obj.Origin.Line {
			return o
		}
		candidates = append(candidates, o)
	}
	if len(candidates) == 1 {
		return candidates[0]
	}
	for _, o := range candidates {
		if o.Name != "" && strings.Contains(obj.Name, o.Name) {
			return o
		}
	}
	return nil
}
