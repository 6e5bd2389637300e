// Package builtin holds syncgate's built-in Kubernetes schemas: one schema
// set per supported minor, generated from k8s.io/api and friends by
// validate/internal/schemagen (go generate ./validate/...) and embedded as
// data/1.NN.json.gz, so validation needs no network.
//
// A set is a map of JSON Schemas keyed by OpenAPI definition name, and the
// list of kinds the API scheme registers with the lifecycle data k8s.io/api
// carries (introduced, deprecated, removed, replacement). The schemas are
// draft 2020-12 for santhosh-tekuri/jsonschema and behave as kubeconform's
// standalone-strict schemas:
//
//   - strict: an object with properties rejects unknown fields
//     ("additionalProperties": false) unless it preserves unknown fields;
//   - int-or-string accepts integers and strings, resource.Quantity strings
//     and numbers, RawExtension and apiextensions JSON anything;
//   - null, which the apiserver drops, is accepted for optional fields:
//     every definition's type includes "null", and a "$ref" where null is
//     not acceptable (a required property, an array item) carries a sibling
//     "type" without it; an optional field without a "$ref" has "null" in
//     its own type (and enum);
//   - a kind's definition accepts only its own apiVersion and kind.
package builtin

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"path"
	"sort"
	"strconv"
	"strings"

	"github.com/syncgate/syncgate/internal/gzjson"
)

//go:embed data/*.json.gz
var data embed.FS

// Set is the schema set of one Kubernetes minor.
type Set struct {
	// Version is the minor, "1.37".
	Version string `json:"version"`
	// Source names the module version the set was generated from, e.g.
	// "k8s.io/api v0.37.2".
	Source string `json:"source"`
	// Definitions are JSON Schemas keyed by OpenAPI definition name
	// ("io.k8s.api.apps.v1.Deployment"); references between them are
	// "#/definitions/<name>", so the whole set compiles as one document
	// {"definitions": {...}} (see Document).
	Definitions map[string]json.RawMessage `json:"definitions"`
	// Kinds are every group/version/kind users write in manifests that the
	// API scheme registers (lists, options and meta kinds left out), sorted
	// by group, version, kind.
	Kinds []Kind `json:"kinds"`
}

// Kind is one registered group/version/kind.
type Kind struct {
	// Group is "" for the core group.
	Group   string `json:"group"`
	Version string `json:"version"`
	Kind    string `json:"kind"`
	// Definition is the kind's key in Set.Definitions.
	Definition string `json:"definition"`
	// Introduced, Deprecated and Removed come from k8s.io/api's
	// prerelease-lifecycle methods, as "1.22"; "" when the type has none
	// (GA types carry at most Introduced).
	Introduced string `json:"introduced,omitempty"`
	Deprecated string `json:"deprecated,omitempty"`
	Removed    string `json:"removed,omitempty"`
	// Replacement is "apiVersion Kind" of the replacement API, e.g.
	// "networking.k8s.io/v1 Ingress", or "".
	Replacement string `json:"replacement,omitempty"`
}

// APIVersion returns the kind's apiVersion as manifests write it.
func (k Kind) APIVersion() string {
	if k.Group == "" {
		return k.Version
	}
	return k.Group + "/" + k.Version
}

// Versions lists the embedded Kubernetes minors, oldest first.
func Versions() []string {
	entries, err := data.ReadDir("data")
	if err != nil {
		// The go:embed directive guarantees the directory.
		panic("builtin: embedded data unreadable: " + err.Error())
	}
	var out []string
	for _, e := range entries {
		if v, ok := strings.CutSuffix(e.Name(), ".json.gz"); ok {
			out = append(out, v)
		}
	}
	sort.Slice(out, func(i, j int) bool { return minorOf(out[i]) < minorOf(out[j]) })
	return out
}

// Newest returns the newest embedded minor.
func Newest() string {
	v := Versions()
	return v[len(v)-1]
}

// minorOf returns the minor number of "1.NN", or -1.
func minorOf(v string) int {
	s, ok := strings.CutPrefix(v, "1.")
	if !ok {
		return -1
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return -1
	}
	return n
}

// Normalize turns "1.33", "v1.33" or "1.33.4" into the minor "1.33"; it
// returns "" for anything else.
func Normalize(version string) string {
	v := strings.TrimPrefix(strings.TrimSpace(version), "v")
	parts := strings.Split(v, ".")
	if len(parts) < 2 || len(parts) > 3 || parts[0] != "1" {
		return ""
	}
	for _, p := range parts[1:] {
		if _, err := strconv.ParseUint(p, 10, 16); err != nil {
			return ""
		}
	}
	return "1." + parts[1]
}

// Load decodes the schema set of one minor ("1.33"; "v1.33" and "1.33.4"
// name the same set). An unknown version is an error that lists the
// supported ones.
func Load(version string) (*Set, error) {
	minor := Normalize(version)
	b, err := data.ReadFile(path.Join("data", minor+".json.gz"))
	if minor == "" || err != nil {
		return nil, fmt.Errorf("kubernetes version %q has no built-in schemas; supported: %s", version, strings.Join(Versions(), ", "))
	}
	var set Set
	if err := gzjson.Decode(b, &set); err != nil {
		return nil, fmt.Errorf("built-in schemas %s: %w", minor, err)
	}
	return &set, nil
}

// Document returns the set's definitions as one JSON document,
// {"definitions": {...}}, in which "#/definitions/<name>" resolves. Names
// are sorted, so the bytes are the same on every call.
func (s *Set) Document() []byte {
	names := make([]string, 0, len(s.Definitions))
	for name := range s.Definitions {
		names = append(names, name)
	}
	sort.Strings(names)
	var b bytes.Buffer
	b.WriteString(`{"definitions":{`)
	for i, name := range names {
		if i > 0 {
			b.WriteByte(',')
		}
		q, _ := json.Marshal(name) // a string always marshals
		b.Write(q)
		b.WriteByte(':')
		b.Write(s.Definitions[name])
	}
	b.WriteString("}}")
	return b.Bytes()
}

// Lookup returns the kind registered for apiVersion and kind, if any.
func (s *Set) Lookup(apiVersion, kind string) (Kind, bool) {
	for _, k := range s.Kinds {
		if k.Kind == kind && k.APIVersion() == apiVersion {
			return k, true
		}
	}
	return Kind{}, false
}
