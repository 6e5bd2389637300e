package secrets

import "github.com/syncgate/syncgate/manifest"

// Rule describes one check of this stage.
type Rule struct {
	// ID is the stable rule ID findings carry.
	ID string
	// Severity is the severity of the rule's findings.
	Severity manifest.Severity
	// Description says what the rule finds; Remediation how to fix it.
	Description string
	Remediation string
}

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

// Rules is the registry of this stage's rules, sorted by ID.
var Rules = []Rule{
	{RuleCredential, manifest.SeverityError,
		"A string matches a credential format of the gitleaks rule set (cloud keys, tokens, private keys).",
		"Revoke the credential, remove it from the repository's history and load it from an encrypted Secret."},
	{RulePlaintextSecret, manifest.SeverityError,
		"A Secret, a SealedSecret's spec.template, a secretGenerator or a Helm values file holds a real value in plain text; base64 is not encryption.",
		"Encrypt the file with SOPS, seal it with kubeseal, or reference an external secret store; keep only templates in a SealedSecret's spec.template."},
	{RuleScanError, manifest.SeverityError,
		"A file could not be checked (too large, unreadable); the stage fails closed.",
		"Make the file readable and smaller than the limit, or move it out of the repository."},
	{RuleSealedMalformed, manifest.SeverityError,
		"A SealedSecret's encryptedData is missing, or a value of it is not sealed data (base64 of an RSA-encrypted session key and an AES-GCM ciphertext).",
		"Seal the values again with kubeseal."},
	{RuleSealedScope, manifest.SeverityError,
		"A strict- or namespace-wide-scoped SealedSecret is renamed or moved by an overlay; the controller will not be able to unseal it.",
		"Seal it for the rendered name and namespace, or seal it with --scope cluster-wide."},
	{RuleSOPSMAC, manifest.SeverityError,
		"A SOPS file does not decrypt with the given age key, or its MAC does not match its content: it was edited or tampered with after encryption.",
		"Edit SOPS files only with sops, and encrypt them again from the plaintext."},
	{RuleSOPSMetadata, manifest.SeverityError,
		"A SOPS file's metadata is missing or malformed (no MAC, no lastmodified, values encrypted without metadata).",
		"Encrypt the file again with sops."},
	{RuleSOPSPartial, manifest.SeverityError,
		"A value a SOPS file's rules say must be encrypted is in plain text.",
		"Encrypt the file again with sops (sops --encrypt --in-place) after adding the value with sops edit."},
	{RuleSOPSRecipients, manifest.SeverityError,
		"A SOPS file has no recipients, or its recipients differ from the creation_rules of the repository's .sops.yaml for its path.",
		"Run sops updatekeys on the file, or fix the creation rule."},
}

// severityOf returns a rule's severity from the registry.
func severityOf(id string) manifest.Severity {
	for _, r := range Rules {
		if r.ID == id {
			return r.Severity
		}
	}
	return manifest.SeverityError
}
