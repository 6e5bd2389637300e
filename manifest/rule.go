package manifest

// Rule describes one rule ID: what its findings mean and how to fix what
// they find. Stages list their rules; reports explain them (SARIF rule
// entries, syncgate rules).
type Rule struct {
	// ID is the stable, namespaced rule ID, such as "schema/unknown-field".
	ID string `json:"id"`
	// Severity is the rule's default severity; findings carry their own.
	Severity Severity `json:"severity"`
	// Summary is one sentence saying what the rule checks.
	Summary string `json:"summary"`
	// Description says more, or is "".
	Description string `json:"description,omitempty"`
	// Remediation says how to fix what the rule finds, or is "".
	Remediation string `json:"remediation,omitempty"`
	// HelpURI points at the rule's documentation, or is "".
	HelpURI string `json:"helpUri,omitempty"`
}

// RuleSeverity returns the severity of the rule with id among rules, and
// whether there is one.
func RuleSeverity(rules []Rule, id string) (Severity, bool) {
	for _, r := range rules {
		if r.ID == id {
			return r.Severity, true
		}
	}
	return "", false
}
