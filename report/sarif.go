package report

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/syncgate/syncgate"
	"github.com/syncgate/syncgate/manifest"
)

// SARIF 2.1.0, the subset GitHub code scanning and other SARIF viewers read.
const (
	sarifVersion = "2.1.0"
	sarifSchema  = "https://json.schemastore.org/sarif-2.1.0.json"
	toolName     = "syncgate"
	toolURI      = "https://github.com/syncgate/syncgate"
	// fingerprintKey names our partial fingerprint; bump its version if
	// what goes into it changes, so viewers do not match old alerts wrongly.
	fingerprintKey = "syncgateFinding/v1"
)

type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool       sarifTool       `json:"tool"`
	Results    []sarifResult   `json:"results"`
	Properties *sarifRunExtras `json:"properties,omitempty"`
}

// sarifRunExtras holds what SARIF has no place for: the severity
// overrides the check applied.
type sarifRunExtras struct {
	Overrides []string `json:"syncgateOverrides"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	InformationURI string      `json:"informationUri"`
	Version        string      `json:"version,omitempty"`
	Rules          []sarifRule `json:"rules"`
}

type sarifRule struct {
	ID                   string             `json:"id"`
	ShortDescription     sarifText          `json:"shortDescription"`
	FullDescription      *sarifText         `json:"fullDescription,omitempty"`
	Help                 *sarifText         `json:"help,omitempty"`
	HelpURI              string             `json:"helpUri,omitempty"`
	DefaultConfiguration sarifConfiguration `json:"defaultConfiguration"`
}

type sarifConfiguration struct {
	Level string `json:"level"`
}

type sarifText struct {
	Text string `json:"text"`
}

type sarifResult struct {
	RuleID              string            `json:"ruleId"`
	RuleIndex           int               `json:"ruleIndex"`
	Level               string            `json:"level"`
	Message             sarifText         `json:"message"`
	Locations           []sarifLocation   `json:"locations"`
	PartialFingerprints map[string]string `json:"partialFingerprints"`
	// RelatedLocations are the finding's related places, such as the
	// template line that writes a value set in a values file.
	RelatedLocations []sarifRelated `json:"relatedLocations,omitempty"`
	// Properties list the targets of a finding seen in several.
	Properties *sarifResultProperties `json:"properties,omitempty"`
	// Suppressions mark a waived finding: code scanning shows it as
	// dismissed, with the exception's reason.
	Suppressions []sarifSuppression `json:"suppressions,omitempty"`
}

type sarifSuppression struct {
	Kind          string `json:"kind"`
	Justification string `json:"justification"`
}

type sarifLocation struct {
	PhysicalLocation sarifPhysicalLocation `json:"physicalLocation"`
}

// sarifRelated is a related location, with its index as SARIF asks and
// the reason as its message.
type sarifRelated struct {
	ID               int                   `json:"id"`
	PhysicalLocation sarifPhysicalLocation `json:"physicalLocation"`
	Message          *sarifText            `json:"message,omitempty"`
}

type sarifResultProperties struct {
	Targets []string `json:"targets"`
}

type sarifPhysicalLocation struct {
	ArtifactLocation sarifArtifactLocation `json:"artifactLocation"`
	Region           *sarifRegion          `json:"region,omitempty"`
}

type sarifArtifactLocation struct {
	URI string `json:"uri"`
}

type sarifRegion struct {
	StartLine int `json:"startLine"`
}

// sarifLevels maps severities to SARIF levels.
var sarifLevels = map[manifest.Severity]string{
	manifest.SeverityError:   "error",
	manifest.SeverityWarning: "warning",
	manifest.SeverityInfo:    "note",
}

func sarifLevel(s manifest.Severity) string {
	if l, ok := sarifLevels[s]; ok {
		return l
	}
	// A finding with an unknown severity must still stand out.
	return "error"
}

// writeSARIF writes one run with one rule entry per rule ID present,
// sorted by ID, and one result per finding. Files are relative to the
// repository root, as code scanning expects. Every result has a location,
// because code scanning refuses the whole file when one lacks it: a
// finding without a file points at its target's directory, and one
// without either at the repository root.
func writeSARIF(w io.Writer, d *syncgate.Decision, opts Options) error {
	worst := map[string]manifest.Severity{}
	all := slices.Clone(d.Findings)
	for _, wv := range d.Waived {
		all = append(all, wv.Finding)
	}
	for _, f := range all {
		if seen, ok := worst[f.Rule]; !ok || f.Severity.Rank() > seen.Rank() {
			worst[f.Rule] = f.Severity
		}
	}
	ids := slices.Sorted(maps.Keys(worst))
	rules := make([]sarifRule, len(ids))
	for i, id := range ids {
		info := ruleInfo(opts.Rules, id, worst[id])
		rules[i] = sarifRule{ID: id, ShortDescription: sarifText{info.Summary}, FullDescription: optionalText(info.Description),
			Help: optionalText(info.Remediation), HelpURI: info.HelpURI, DefaultConfiguration: sarifConfiguration{Level: sarifLevel(info.Severity)}}
	}
	targetPaths := map[string]string{}
	for _, t := range d.Targets {
		targetPaths[t.Name] = t.Path
	}
	results := make([]sarifResult, len(all))
	for i, f := range all {
		index, _ := slices.BinarySearch(ids, f.Rule)
		results[i] = sarifResult{
			RuleID:              f.Rule,
			RuleIndex:           index,
			Level:               sarifLevel(f.Severity),
			Message:             sarifText{standalone(f)},
			Locations:           sarifLocations(f, targetPaths[f.Target]),
			PartialFingerprints: map[string]string{fingerprintKey: fingerprint(f)},
		}
		for j, r := range f.Related {
			results[i].RelatedLocations = append(results[i].RelatedLocations, sarifRelated{ID: j + 1,
				PhysicalLocation: sarifPhysical(r.File, r.Line), Message: optionalText(r.Why)})
		}
		if len(f.Targets) > 1 {
			results[i].Properties = &sarifResultProperties{Targets: targetNames(f)}
		}
		if i >= len(d.Findings) {
			wv := d.Waived[i-len(d.Findings)]
			results[i].Suppressions = []sarifSuppression{{Kind: "external", Justification: wv.Reason + " (by " + wv.By + ")"}}
		}
	}
	var extras *sarifRunExtras
	for _, o := range d.Overrides {
		if extras == nil {
			extras = &sarifRunExtras{}
		}
		extras.Overrides = append(extras.Overrides, overrideText(o))
	}
	log := sarifLog{Schema: sarifSchema, Version: sarifVersion, Runs: []sarifRun{{
		Tool:       sarifTool{Driver: sarifDriver{Name: toolName, InformationURI: toolURI, Version: opts.ToolVersion, Rules: rules}},
		Results:    results,
		Properties: extras,
	}}}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(log)
}

func optionalText(s string) *sarifText {
	if s == "" {
		return nil
	}
	return &sarifText{Text: s}
}

func sarifLocations(f manifest.Finding, targetPath string) []sarifLocation {
	if f.File == "" {
		return []sarifLocation{{PhysicalLocation: sarifPhysical(cmp.Or(targetPath, "."), 0)}}
	}
	return []sarifLocation{{PhysicalLocation: sarifPhysical(f.File, f.Line)}}
}

func sarifPhysical(file string, line int) sarifPhysicalLocation {
	loc := sarifPhysicalLocation{ArtifactLocation: sarifArtifactLocation{URI: file}}
	if line > 0 {
		loc.Region = &sarifRegion{StartLine: line}
	}
	return loc
}

// fingerprint identifies a finding across runs without its line, so that
// an alert survives lines being added above it. The message counts without
// its digits, because messages quote line and column numbers. A finding
// seen in several targets counts without its first target and object
// name, which a new overlay may change.
func fingerprint(f manifest.Finding) string {
	digitless := strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return -1
		}
		return r
	}, f.Message)
	target, ref := f.Target, f.Object
	if len(f.Targets) > 1 && ref != nil {
		target, ref = "", &manifest.ObjectRef{APIVersion: ref.APIVersion, Kind: ref.Kind}
	}
	parts := []string{f.Rule, target, f.File, f.Field, digitless}
	if ref != nil {
		parts = append(parts, ref.APIVersion, ref.Kind, ref.Namespace, ref.Name)
	}
	sum := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	return hex.EncodeToString(sum[:16])
}
