package secrets

import (
	"crypto/sha256"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/getsops/sops/v3/keys"
	"github.com/getsops/sops/v3/kms"
	"github.com/getsops/sops/v3/pgp"

	"github.com/syncgate/syncgate/internal/memo"
	"github.com/syncgate/syncgate/manifest"
)

// sopsConfigName is the file sops reads its creation rules from.
const sopsConfigName = ".sops.yaml"

// creationRule is one entry of .sops.yaml's creation_rules, reduced to
// what decides a file's recipients.
type creationRule struct {
	index      int
	pathRegex  *regexp.Regexp // nil matches every file
	recipients []string       // "type:id", sorted
}

// sopsConfig is one parsed .sops.yaml.
type sopsConfig struct {
	file  string
	sum   [sha256.Size]byte // of its bytes, for FileMemo keys
	rules []creationRule
	err   error // why the file does not parse; reported once
}

// sopsRules finds the .sops.yaml that governs a file, as sops does: the
// nearest one in the file's directory or above it, within the repository.
type sopsRules struct {
	fsys   fs.FS
	limits manifest.Limits
	// byDir remembers the .sops.yaml of each directory, nil for none;
	// files are checked in parallel.
	byDir memo.Map[string, *sopsConfig]
	// reported holds the .sops.yaml files whose parse error was reported;
	// mu guards it.
	mu       sync.Mutex
	reported map[string]bool
}

func newSOPSRules(fsys fs.FS, limits manifest.Limits) *sopsRules {
	return &sopsRules{fsys: fsys, limits: limits, reported: map[string]bool{}}
}

// configFor returns the .sops.yaml governing file, or nil.
func (r *sopsRules) configFor(file string) *sopsConfig {
	for dir := path.Dir(file); ; dir = path.Dir(dir) {
		cfg := r.byDir.Get(dir, func() *sopsConfig { return r.load(path.Join(dir, sopsConfigName)) })
		if cfg != nil || dir == "." || dir == "/" {
			return cfg
		}
	}
}

// load parses a .sops.yaml, or returns nil when there is none. Most
// directories have none, which a stat tells.
func (r *sopsRules) load(name string) *sopsConfig {
	if _, err := fs.Stat(r.fsys, name); err != nil {
		return nil
	}
	data, err := readBounded(r.fsys, name, int64(r.limits.MaxFileBytes))
	if err != nil {
		return &sopsConfig{file: name, err: fmt.Errorf("cannot read it")}
	}
	cfg := &sopsConfig{file: name, sum: sha256.Sum256(data)}
	cfg.rules, cfg.err = parseCreationRules(name, data, r.limits)
	return cfg
}

// parseCreationRules reads the creation_rules of a .sops.yaml.
func parseCreationRules(name string, data []byte, limits manifest.Limits) ([]creationRule, error) {
	docs, err := manifest.Decode(name, data, limits)
	if err != nil {
		return nil, err
	}
	if len(docs) == 0 {
		return nil, nil
	}
	top, _ := docs[0].Value.(map[string]any)
	list, _ := top["creation_rules"].([]any)
	var rules []creationRule
	for i, item := range list {
		m, ok := item.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("creation_rules[%d] is not a map", i)
		}
		rule := creationRule{index: i}
		if re, _ := m["path_regex"].(string); re != "" {
			if rule.pathRegex, err = regexp.Compile(re); err != nil {
				return nil, fmt.Errorf("creation_rules[%d].path_regex does not compile", i)
			}
		}
		rule.recipients = ruleRecipients(m)
		if groups, ok := m["key_groups"].([]any); ok {
			for _, g := range groups {
				if gm, ok := g.(map[string]any); ok {
					rule.recipients = append(rule.recipients, ruleRecipients(gm)...)
				}
			}
		}
		slices.Sort(rule.recipients)
		rule.recipients = slices.Compact(rule.recipients)
		rules = append(rules, rule)
	}
	return rules, nil
}

// ruleRecipients reads the keys of a creation rule or key group: strings
// (comma-separated), lists of strings, or the maps key groups use.
func ruleRecipients(m map[string]any) []string {
	var out []string
	add := func(kind string, v any, field string) {
		var items []any
		switch x := v.(type) {
		case string:
			for s := range strings.SplitSeq(x, ",") {
				items = append(items, s)
			}
		case []any:
			items = x
		}
		for _, it := range items {
			id, _ := it.(string)
			if mm, ok := it.(map[string]any); ok {
				id, _ = mm[field].(string)
				if kind == "azure_kv" {
					id = fmt.Sprintf("%v/keys/%v/%v", mm["vaultUrl"], mm["key"], mm["version"])
				}
			}
			if id = strings.TrimSpace(id); id != "" {
				out = append(out, kind+":"+normalizeID(kind, id))
			}
		}
	}
	add("age", m["age"], "")
	add("pgp", m["pgp"], "")
	add("kms", m["kms"], "arn")
	add("gcp_kms", m["gcp_kms"], "resource_id")
	add("azure_kv", m["azure_keyvault"], "")
	add("hc_vault", m["hc_vault_transit_uri"], "")
	add("hc_vault", m["hc_vault"], "")
	add("hckms", m["hckms"], "key_id")
	return out
}

// normalizeID puts an identifier in the form sops stores it in: PGP
// fingerprints upper-case without spaces, KMS ARNs without their role.
func normalizeID(kind, id string) string {
	switch kind {
	case "pgp":
		return strings.ToUpper(strings.ReplaceAll(id, " ", ""))
	case "kms":
		arn, _, _ := strings.Cut(id, "+")
		return arn
	}
	return id
}

// recipientID is a file's master key in the form creation rules are read.
func recipientID(k keys.MasterKey) string {
	kind := k.TypeToIdentifier()
	switch key := k.(type) {
	case *kms.MasterKey:
		return kind + ":" + key.Arn
	case *pgp.MasterKey:
		return kind + ":" + normalizeID("pgp", key.Fingerprint)
	}
	return kind + ":" + k.ToString()
}

// check compares a SOPS document's recipients with the creation rule of
// its path, as sops would pick it when encrypting the file.
func (r *sopsRules) check(file string, d *sopsDoc, what string, newF func(rule, field, msg string) manifest.Finding) (manifest.Finding, bool) {
	cfg := r.configFor(file)
	if cfg == nil {
		return manifest.Finding{}, false
	}
	if cfg.err != nil {
		r.mu.Lock()
		defer r.mu.Unlock()
		if r.reported[cfg.file] {
			return manifest.Finding{}, false
		}
		r.reported[cfg.file] = true
		return fileFinding(cfg.file, 0, RuleSOPSRecipients, "creation_rules", fmt.Sprintf("%s does not parse (%v): recipients of SOPS files under it are not checked", cfg.file, cfg.err)), true
	}
	rel := strings.TrimPrefix(file, path.Dir(cfg.file)+"/")
	var rule *creationRule
	for i := range cfg.rules {
		if cfg.rules[i].pathRegex == nil || cfg.rules[i].pathRegex.MatchString(rel) {
			rule = &cfg.rules[i]
			break
		}
	}
	if rule == nil {
		return newF(RuleSOPSRecipients, "sops", fmt.Sprintf("%s: no creation rule of %s matches %s", what, cfg.file, rel)), true
	}
	have := d.recipients()
	missing := without(rule.recipients, have)
	extra := without(have, rule.recipients)
	if len(missing) == 0 && len(extra) == 0 {
		return manifest.Finding{}, false
	}
	msg := fmt.Sprintf("%s: recipients differ from creation_rules[%d] of %s", what, rule.index, cfg.file)
	if len(missing) > 0 {
		msg += fmt.Sprintf("; missing (cannot decrypt it): %s", strings.Join(missing, ", "))
	}
	if len(extra) > 0 {
		msg += fmt.Sprintf("; not in the rule (can decrypt it): %s", strings.Join(extra, ", "))
	}
	return newF(RuleSOPSRecipients, "sops", msg), true
}

// without returns the items of a that are not in b.
func without(a, b []string) []string {
	var out []string
	for _, x := range a {
		if !slices.Contains(b, x) {
			out = append(out, x)
		}
	}
	return out
}
