package secrets

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/getsops/sops/v3"
	"github.com/getsops/sops/v3/aes"
	sopsage "github.com/getsops/sops/v3/age"
	"github.com/getsops/sops/v3/config"
	"github.com/getsops/sops/v3/logging"
	"github.com/getsops/sops/v3/shamir"
	sopsjson "github.com/getsops/sops/v3/stores/json"
	sopsyaml "github.com/getsops/sops/v3/stores/yaml"

	"filippo.io/age"

	"github.com/syncgate/syncgate/internal/redact"
	"github.com/syncgate/syncgate/manifest"
)

// SilenceSOPSLogging sends the log output of the sops packages nowhere,
// for the whole process. They log to stderr through package-level
// loggers, and a warning while decrypting quotes the comment it failed
// on, which may be secret. The stage never changes state it does not own,
// so a program that decrypts with AgeKeys calls this itself, once, as
// syncgate's command does in main.
func SilenceSOPSLogging() {
	for _, l := range logging.Loggers {
		l.SetOutput(io.Discard)
	}
}

// parseAgeKeys parses the identities of an age key file and returns them
// with their recipients. Its errors never quote the file.
func parseAgeKeys(keys string) (sopsage.ParsedIdentities, []string, error) {
	var ids sopsage.ParsedIdentities
	if err := ids.Import(keys); err != nil {
		return nil, nil, errors.New("age key: the key file does not parse as age identities")
	}
	var recipients []string
	for _, id := range ids {
		if x, ok := id.(*age.X25519Identity); ok {
			recipients = append(recipients, x.Recipient().String())
		}
	}
	if len(ids) == 0 {
		return nil, nil, errors.New("age key: the key file holds no identity")
	}
	return ids, recipients, nil
}

// hasSOPSMetadata reports whether decoded content carries a top-level
// "sops" key: the mark of a SOPS-encrypted document.
func hasSOPSMetadata(content map[string]any) bool {
	_, ok := content["sops"]
	return ok
}

// sopsDoc is a parsed SOPS document with what is needed to report on it.
type sopsDoc struct {
	tree sops.Tree
	// secrets holds every string of the document, to mask in messages.
	secrets *redact.Set
}

// errLine finds the line a YAML library error names.
var errLine = regexp.MustCompile(`line (\d+)`)

// parseSOPSFile parses a SOPS file with the sops stores (JSON for .json,
// YAML otherwise). content is the file as decoded by manifest.Decode, so
// that the message of a parse error can be masked; the error never holds
// a value of the file.
func parseSOPSFile(file string, data []byte, content any) (doc *sopsDoc, err error) {
	var s redact.Set
	s.AddAll(content)
	defer func() {
		if r := recover(); r != nil {
			doc, err = nil, errors.New("the sops parser failed on this file")
		}
	}()
	var tree sops.Tree
	if path.Ext(file) == ".json" {
		tree, err = sopsjson.NewStore(&config.JSONStoreConfig{}).LoadEncryptedFile(data)
	} else {
		tree, err = sopsyaml.NewStore(&config.YAMLStoreConfig{}).LoadEncryptedFile(data)
	}
	if err != nil {
		return nil, errors.New(s.Redact(err.Error()))
	}
	tree.Branches = withoutComments(tree.Branches)
	return &sopsDoc{tree: tree, secrets: &s}, nil
}

// parseSOPSContent parses decoded content (a rendered object) as a SOPS
// document. Key order is lost in decoded content, so the MAC of such a
// document cannot be verified; each value still decrypts on its own.
func parseSOPSContent(content map[string]any) (*sopsDoc, error) {
	data, err := json.Marshal(content)
	if err != nil {
		return nil, errors.New("the object does not encode as JSON")
	}
	return parseSOPSFile("object.json", data, content)
}

// withoutComments deep-copies a tree's branches, leaving out comments: sops
// keeps them as items, encrypted or not, and they are neither values nor
// in the MAC. Decryption works on such a copy, since Tree.Decrypt writes
// its results into the tree it walks.
func withoutComments(branches sops.TreeBranches) sops.TreeBranches {
	out := make(sops.TreeBranches, len(branches))
	for i, b := range branches {
		out[i] = stripComments(b).(sops.TreeBranch)
	}
	return out
}

func stripComments(v any) any {
	switch x := v.(type) {
	case sops.TreeBranch:
		out := make(sops.TreeBranch, 0, len(x))
		for _, item := range x {
			if _, ok := item.Key.(sops.Comment); ok {
				continue
			}
			if _, ok := item.Value.(sops.Comment); ok {
				continue
			}
			out = append(out, sops.TreeItem{Key: item.Key, Value: stripComments(item.Value)})
		}
		return out
	case []any:
		out := make([]any, 0, len(x))
		for _, item := range x {
			if _, ok := item.(sops.Comment); !ok {
				out = append(out, stripComments(item))
			}
		}
		return out
	}
	return v
}

// metadataProblems lists what is missing from a document's metadata.
func (d *sopsDoc) metadataProblems() []string {
	var problems []string
	m := d.tree.Metadata
	if m.MessageAuthenticationCode == "" {
		problems = append(problems, "has no MAC (sops.mac)")
	}
	if m.LastModified.IsZero() {
		problems = append(problems, "has no sops.lastmodified")
	}
	if m.Version == "" {
		problems = append(problems, "has no sops.version")
	}
	return problems
}

// recipients lists the document's master keys as "type:id", in the form
// creation rules are read (recipientID), sorted.
func (d *sopsDoc) recipients() []string {
	var out []string
	for _, g := range d.tree.Metadata.KeyGroups {
		for _, k := range g {
			out = append(out, recipientID(k))
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// probe is a sops.Cipher that decrypts nothing: it records which values
// the document's own rules (encrypted_regex, unencrypted_suffix, ...) say
// must be encrypted and are not. Running it through Tree.Decrypt applies
// exactly the rules sops applies.
type probe struct {
	plain []string // additional data (the key path) of each plain value
}

func (p *probe) Encrypt(any, []byte, string) (string, error) {
	return "", errors.New("probe does not encrypt")
}

func (p *probe) Decrypt(ciphertext string, _ []byte, additionalData string) (any, error) {
	if ciphertext != "" && !isEncValue(ciphertext) {
		p.plain = append(p.plain, additionalData)
	}
	return ciphertext, nil
}

// plainValues returns the field paths of values that must be encrypted
// and are not, and whether a value that is not a string (which sops would
// have encrypted to one) was found.
func (d *sopsDoc) plainValues() (fields []string, nonString bool) {
	var p probe
	tree := d.tree
	tree.Branches = withoutComments(d.tree.Branches)
	if _, err := tree.Decrypt(make([]byte, 32), &p); err != nil {
		nonString = true
	}
	for _, ad := range p.plain {
		keys := strings.Split(strings.TrimSuffix(ad, ":"), ":")
		field := ""
		for _, k := range keys {
			field = joinKey(field, k)
		}
		fields = append(fields, field)
	}
	return fields, nonString
}

// errNoKey says that none of the given identities is a recipient of a
// document: it cannot be decrypted here, which is not a finding.
var errNoKey = errors.New("no age identity given is a recipient")

// dataKey recovers a document's data key with the scanner's age
// identities only: never through a key service, which would reach KMS
// endpoints, and never from the environment.
func (s *Scanner) dataKey(m sops.Metadata) ([]byte, error) {
	var parts [][]byte
	tried := false
	for _, group := range m.KeyGroups {
		for _, k := range group {
			ak, ok := k.(*sopsage.MasterKey)
			if !ok || !slices.Contains(s.recipients, ak.Recipient) {
				continue
			}
			tried = true
			s.identities.ApplyToMasterKey(ak)
			if part, err := ak.Decrypt(); err == nil {
				parts = append(parts, part)
				break
			}
		}
	}
	switch {
	case !tried:
		return nil, errNoKey
	case len(parts) == 0:
		return nil, errors.New("the data key does not decrypt with the given age key")
	case len(m.KeyGroups) == 1:
		return parts[0], nil
	case len(parts) < m.ShamirThreshold || len(parts) < 2:
		return nil, errNoKey
	}
	key, err := shamir.Combine(parts)
	if err != nil {
		return nil, errors.New("the data key's Shamir parts do not combine")
	}
	return key, nil
}

// decrypt decrypts a document in memory. With verifyMAC, it also checks
// the MAC, which holds only for a document parsed from its file with its
// key order. It returns errNoKey when it cannot decrypt for want of a key;
// its other errors never hold a value.
func (s *Scanner) decrypt(d *sopsDoc, verifyMAC bool) (sops.TreeBranches, error) {
	key, err := s.dataKey(d.tree.Metadata)
	if err != nil {
		return nil, err
	}
	tree := d.tree
	tree.Branches = withoutComments(d.tree.Branches)
	cipher := aes.NewCipher()
	mac, err := tree.Decrypt(key, cipher)
	if err != nil {
		return nil, errors.New("a value does not decrypt: it was changed after encryption")
	}
	if !verifyMAC {
		return tree.Branches, nil
	}
	stored, err := cipher.Decrypt(d.tree.Metadata.MessageAuthenticationCode, key, d.tree.Metadata.LastModified.Format(time.RFC3339))
	if err != nil {
		return nil, errors.New("the MAC does not decrypt: the metadata was changed after encryption")
	}
	if stored != mac {
		return nil, errors.New("the MAC does not match the values: the file was edited or tampered with after encryption")
	}
	return tree.Branches, nil
}

// sopsFindings reports on one parsed SOPS document: missing metadata,
// plain values, and (with a key) values or MAC that do not verify. newF
// places a finding.
func (s *Scanner) sopsFindings(d *sopsDoc, verifyMAC bool, what string, newF func(rule, field, msg string) manifest.Finding) []manifest.Finding {
	var findings []manifest.Finding
	for _, p := range d.metadataProblems() {
		findings = append(findings, newF(RuleSOPSMetadata, "sops", fmt.Sprintf("%s %s", what, p)))
	}
	if len(d.recipients()) == 0 {
		findings = append(findings, newF(RuleSOPSRecipients, "sops", fmt.Sprintf("%s has no recipients: nobody can decrypt it", what)))
	}
	fields, nonString := d.plainValues()
	for _, f := range fields {
		findings = append(findings, newF(RuleSOPSPartial, f, fmt.Sprintf("%s holds %s in plain text, where its rules say it must be encrypted", what, f)))
	}
	if nonString {
		findings = append(findings, newF(RuleSOPSPartial, "", fmt.Sprintf("%s holds a value that is not encrypted (not a string), where its rules say it must be encrypted", what)))
	}
	if len(s.identities) > 0 && len(fields) == 0 && !nonString && d.tree.Metadata.MessageAuthenticationCode != "" {
		if _, err := s.decrypt(d, verifyMAC); err != nil && !errors.Is(err, errNoKey) {
			findings = append(findings, newF(RuleSOPSMAC, "sops.mac", fmt.Sprintf("%s: %s", what, d.secrets.Redact(err.Error()))))
		}
	}
	return findings
}

// sopsObject checks a rendered object that carries SOPS metadata.
func (s *Scanner) sopsObject(obj *manifest.Object) []manifest.Finding {
	what := fmt.Sprintf("SOPS-encrypted %s %s", obj.Kind, obj.Name)
	newF := func(rule, field, msg string) manifest.Finding { return objectFinding(obj, rule, field, msg) }
	d, err := parseSOPSContent(obj.Content)
	if err != nil {
		return []manifest.Finding{newF(RuleSOPSMetadata, "sops", fmt.Sprintf("%s: malformed SOPS metadata: %v", what, err))}
	}
	return s.sopsFindings(d, false, what, newF)
}

// contentOf turns decrypted branches back into decoded content, without
// the sops key and with the number types manifest.Decode produces.
func contentOf(branches sops.TreeBranches) map[string]any {
	out := map[string]any{}
	for _, b := range branches {
		for _, item := range b {
			if k, ok := item.Key.(string); ok && k != "sops" {
				out[k] = plainValue(item.Value)
			}
		}
	}
	return out
}

func plainValue(v any) any {
	switch x := v.(type) {
	case sops.TreeBranch:
		return contentOf(sops.TreeBranches{x})
	case []any:
		out := make([]any, len(x))
		for i, item := range x {
			out[i] = plainValue(item)
		}
		return out
	case int:
		return int64(x)
	case float64:
		if x == float64(int64(x)) {
			return int64(x)
		}
	}
	return v
}
