package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/syncgate/syncgate/validate/internal/builtin"
)

// emitKubeconform writes the embedded schema set of one minor in
// kubeconform v0.8.0's default schema layout, so the kubeconform CLI can
// validate against schemas equivalent to syncgate's:
//
//	DIR/v1.37.0-standalone-strict/deployment-apps-v1.json
//	DIR/v1.37.0-standalone-strict/pod-v1.json
//
// (kubeconform -kubernetes-version 1.37.0 -strict -schema-location DIR).
// Each file is standalone: every $ref is inlined, a $ref's sibling keywords
// (the non-null type of a required field) applied over the inlined
// definition. A reference back to a definition already being inlined on the
// same path (JSONSchemaProps inside JSONSchemaProps) becomes {}: kubeconform
// accepts anything there where syncgate follows the cycle.
//
// It returns the directory it wrote and the number of files.
func emitKubeconform(dir, version string) (string, int, error) {
	if version == "" {
		version = builtin.Newest()
	}
	set, err := builtin.Load(version)
	if err != nil {
		return "", 0, err
	}
	defs := make(map[string]any, len(set.Definitions))
	for name, raw := range set.Definitions {
		var s any
		if err := json.Unmarshal(raw, &s); err != nil {
			return "", 0, fmt.Errorf("definition %s: %w", name, err)
		}
		defs[name] = s
	}
	out := filepath.Join(dir, "v"+set.Version+".0-standalone-strict")
	if err := os.MkdirAll(out, 0o755); err != nil {
		return "", 0, err
	}
	written := map[string]string{}
	for _, k := range set.Kinds {
		name := kubeconformFileName(k.Kind, k.APIVersion())
		if prev, ok := written[name]; ok {
			return "", 0, fmt.Errorf("%s and %s %s both map to %s", prev, k.APIVersion(), k.Kind, name)
		}
		written[name] = k.APIVersion() + " " + k.Kind
		schema := inline(map[string]any{"$ref": "#/definitions/" + k.Definition}, defs, map[string]bool{})
		b, err := json.Marshal(schema)
		if err != nil {
			return "", 0, fmt.Errorf("%s %s: %w", k.APIVersion(), k.Kind, err)
		}
		if err := os.WriteFile(filepath.Join(out, name), b, 0o644); err != nil {
			return "", 0, err
		}
	}
	return out, len(written), nil
}

// kubeconformFileName is kubeconform's {{ .ResourceKind }}{{ .KindSuffix }}.json:
// the lower-case kind, the first label of the group (or the version, for
// the core group) and the version.
func kubeconformFileName(kind, apiVersion string) string {
	group, version, hasGroup := strings.Cut(apiVersion, "/")
	first, _, _ := strings.Cut(group, ".")
	suffix := "-" + strings.ToLower(first)
	if hasGroup {
		suffix += "-" + strings.ToLower(version)
	}
	return strings.ToLower(kind) + suffix + ".json"
}

// inline returns s with every $ref replaced by a copy of the definition it
// names; onPath holds the definitions being inlined above s.
func inline(s any, defs map[string]any, onPath map[string]bool) any {
	switch v := s.(type) {
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = inline(e, defs, onPath)
		}
		return out
	case map[string]any:
		ref, _ := v["$ref"].(string)
		if ref == "" {
			out := make(map[string]any, len(v))
			for k, e := range v {
				out[k] = inline(e, defs, onPath)
			}
			return out
		}
		name := strings.TrimPrefix(ref, "#/definitions/")
		if onPath[name] {
			return map[string]any{}
		}
		onPath[name] = true
		resolved, _ := inline(defs[name], defs, onPath).(map[string]any)
		delete(onPath, name)
		out := map[string]any{}
		for k, e := range resolved {
			out[k] = e
		}
		for k, e := range v {
			if k != "$ref" {
				out[k] = inline(e, defs, onPath)
			}
		}
		return out
	}
	return s
}
