package secrets

import (
	"slices"

	"github.com/syncgate/syncgate/manifest"
)

// The rule IDs of this stage.
const (
	RulePlaintextSecret = "secrets/plaintext-secret"
	RuleSOPSPartial     = "secrets/sops-partial"
	RuleSOPSMetadata    = "secrets/sops-metadata"
	RuleSOPSRecipients  = "secrets/sops-recipients"
	RuleSOPSMAC         = "secrets/sops-mac"
	RuleSealedMalformed = "secrets/sealed-malformed"
	RuleSealedScope     = "secrets/sealed-scope"
	RuleCredential      = "secrets/credential"
	RuleScanError       = "secrets/scan-error"
)

// Rules lists this stage's rules, sorted by ID.
func Rules() []manifest.Rule { return slices.Clone(rules) }

// rules is the registry of this stage's rules, sorted by ID.
var rules = []manifest.Rule{
	{ID: RuleCredential, Severity: manifest.SeverityError, Summary: "A string matches a credential format of the gitleaks rule set (cloud keys, tokens, private keys).", Remediation: "Revoke the credential, remove it from the repository's history and load it from an encrypted Secret."},
	{ID: RulePlaintextSecret, Severity: manifest.SeverityError, Summary: "A Secret, a SealedSecret's spec.template, a secretGenerator or a Helm values file holds a real value in plain text; base64 is not encryption.", Remediation: "Encrypt the file with SOPS, seal it with kubeseal, or reference an external secret store; keep only templates in a SealedSecret's spec.template."},
	{ID: RuleScanError, Severity: manifest.SeverityError, Summary: "A file could not be checked (too large, unreadable); the stage fails closed.", Remediation: "Make the file readable and smaller than the limit, or move it out of the repository."},
	{ID: RuleSealedMalformed, Severity: manifest.SeverityError, Summary: "A SealedSecret's encryptedData is missing, or a value of it is not sealed data (base64 of an RSA-encrypted session key and an AES-GCM ciphertext).", Remediation: "Seal the values again with kubeseal."},
	{ID: RuleSealedScope, Severity: manifest.SeverityError, Summary: "A strict- or namespace-wide-scoped SealedSecret is renamed or moved by an overlay; the controller will not be able to unseal it.", Remediation: "Seal it for the rendered name and namespace, or seal it with --scope cluster-wide."},
	{ID: RuleSOPSMAC, Severity: manifest.SeverityError, Summary: "A SOPS file does not decrypt with the given age key, or its MAC does not match its content: it was edited or tampered with after encryption.", Remediation: "Edit SOPS files only with sops, and encrypt them again from the plaintext."},
	{ID: RuleSOPSMetadata, Severity: manifest.SeverityError, Summary: "A SOPS file's metadata is missing or malformed (no MAC, no lastmodified, values encrypted without metadata).", Remediation: "Encrypt the file again with sops."},
	{ID: RuleSOPSPartial, Severity: manifest.SeverityError, Summary: "A value a SOPS file's rules say must be encrypted is in plain text.", Remediation: "Encrypt the file again with sops (sops --encrypt --in-place) after adding the value with sops edit."},
	{ID: RuleSOPSRecipients, Severity: manifest.SeverityError, Summary: "A SOPS file has no recipients, or its recipients differ from the creation_rules of the repository's .sops.yaml for its path.", Remediation: "Run sops updatekeys on the file, or fix the creation rule."},
}

// severityOf returns a rule's severity from the registry; an unregistered
// rule counts as an error.
func severityOf(id string) manifest.Severity {
	if s, ok := manifest.RuleSeverity(rules, id); ok {
		return s
	}
	return manifest.SeverityError
}
