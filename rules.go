package syncgate

import (
	"slices"
	"strings"

	"github.com/syncgate/syncgate/change"
	"github.com/syncgate/syncgate/manifest"
	"github.com/syncgate/syncgate/policy"
	"github.com/syncgate/syncgate/render"
	"github.com/syncgate/syncgate/secrets"
	"github.com/syncgate/syncgate/validate"
)

// gateRules are the rules of rendering and of the configuration, which
// the Gate reports itself.
var gateRules = []manifest.Rule{
	{
		ID: "render/failed", Severity: manifest.SeverityError,
		Summary:     "A target could not be rendered: a YAML error, a missing file or chart, a template error, a refused path or URL.",
		Remediation: "Fix the file and line the message names; what does not render cannot be synced either.",
	},
	{
		ID: "render/resource-limit", Severity: manifest.SeverityError,
		Summary:     "Rendering or checking a target went over a bound: file size, documents, nesting, alias expansion, archive size, Helm template expansion, or a worker's memory, CPU or wall time.",
		Remediation: "Shrink the input the message names; raise --render-timeout or --render-memory only for a repository you trust.",
	},
	{
		ID: "render/skipped", Severity: manifest.SeverityInfo,
		Summary:     "An Argo CD or Flux object defines a target syncgate does not render: its source is another repository, a remote chart or an OCI artifact (without --chart-cache, or not in it), a plugin, jsonnet, or several sources.",
		Remediation: "Nothing to fix in the repository; check that source where it lives. Set repoURL (or --repo-url) when the source is this repository; for a remote chart, run the helm pull the message gives and pass --chart-cache.",
	},
	{
		ID: render.RuleSOPSPlaceholder, Severity: manifest.SeverityInfo,
		Summary:     "A Flux substituteFrom or valuesFrom reads a SOPS-encrypted Secret that syncgate could not decrypt (no age key given, or the key is not a recipient): its values were rendered as SOPS-ENCRYPTED.",
		Remediation: "Give the Gate the age key (--sops-age-key or SOPS_AGE_KEY_FILE) to check the objects with the real values.",
	},
	{
		ID: "render/duplicate-object", Severity: manifest.SeverityError,
		Summary:     "A target defines the same object (group, kind, namespace, name) more than once; the operator would apply only one of them.",
		Remediation: "Remove or rename one of the two definitions.",
	},
	{
		ID: "config/expired-exception", Severity: manifest.SeverityWarning,
		Summary:     "An exception in .syncgate.yaml is past its expiry date, so the findings it waived count again.",
		Remediation: "Fix what the exception waived, or renew it with a new date and reason.",
	},
	{
		ID: "config/invalid-exception", Severity: manifest.SeverityError,
		Summary:     "An object's syncgate.io/ignore annotation names a rule it cannot waive: a malformed rule pattern, or a rule meaning a check could not run (render/* but render/duplicate-object, config/*, policy/eval-error, secrets/scan-error, resource limits).",
		Remediation: "Fix what the rule reports; only the caller's trusted configuration can waive such a rule.",
	},
	{
		ID: "config/repository-exceptions-ignored", Severity: manifest.SeverityInfo,
		Summary:     "The caller turned off the repository's own exceptions and severity overrides, so those in .syncgate.yaml were not applied.",
		Remediation: "Nothing to do in the repository; ask the gate's owner to add the exception to the trusted configuration if it is needed.",
	},
	{
		ID: RuleConfigChanged, Severity: manifest.SeverityInfo,
		Summary:     "A pre-merge check found the change editing the gate's own configuration: .syncgate.yaml or the policies and CRDs it names. The base revision's configuration decides the check; the change takes effect after the merge.",
		Remediation: "Nothing to do; a reviewer should read the configuration change, since the gate did not apply it.",
	},
	{
		ID: "config/exception-without-reason", Severity: manifest.SeverityWarning,
		Summary:     "An object has the syncgate.io/ignore annotation without syncgate.io/ignore-reason, so it waives nothing.",
		Remediation: "Say why in syncgate.io/ignore-reason, or remove the annotation.",
	},
}

// Rules lists every rule syncgate itself can report, sorted by ID:
// rendering, configuration, schema validation, the bundled policies and
// secrets. It compiles the bundled library once to read its rules.
func Rules() []manifest.Rule {
	return sortRules(slices.Concat(gateRules, validate.Rules(), secrets.Rules(), change.Rules(), policyRules(policy.Rules())))
}

// Rules lists the rules this Gate can report: rendering, configuration,
// schema validation, secrets, and the rules of the policies it evaluates,
// read from its compiled engine rather than compiling the bundled library
// again.
func (g *Gate) Rules() []manifest.Rule {
	rules := slices.Concat(gateRules, validate.Rules(), secrets.Rules(), change.Rules())
	if g.stages.policies != nil {
		rules = append(rules, policyRules(append(g.stages.policies.Rules(), policy.EvalErrorRule))...)
	}
	return sortRules(rules)
}

func policyRules(rules []policy.Rule) []manifest.Rule {
	out := make([]manifest.Rule, 0, len(rules))
	for _, r := range rules {
		out = append(out, manifest.Rule{ID: r.ID, Severity: r.Severity, Summary: r.Title, Description: r.Description, Remediation: r.Remediation})
	}
	return out
}

// sortRules sorts by ID and keeps the first of rules with the same ID.
func sortRules(rules []manifest.Rule) []manifest.Rule {
	slices.SortStableFunc(rules, func(a, b manifest.Rule) int { return strings.Compare(a.ID, b.ID) })
	return slices.CompactFunc(rules, func(a, b manifest.Rule) bool { return a.ID == b.ID })
}
