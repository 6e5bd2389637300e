package validate

import (
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/syncgate/syncgate/manifest"
)

// serviceFindings checks a Service's ports and selector as the API
// server's validateService and validateServicePort do: with more than one
// port every port has a name, names are unique DNS labels, port numbers
// are 1-65535 and a targetPort is a port number or an IANA service name;
// the selector's keys and values are valid labels.
func serviceFindings(obj *manifest.Object) []manifest.Finding {
	if obj.Group() != "" || obj.Kind != "Service" {
		return nil
	}
	spec, _ := obj.Content["spec"].(map[string]any)
	var errs field.ErrorList
	ports := items(spec["ports"])
	names := map[string]bool{}
	for _, port := range ports {
		p := field.NewPath("spec", "ports").Index(port.i)
		name, _ := port.m["name"].(string)
		switch {
		case name == "" && len(ports) > 1:
			errs = append(errs, field.Required(p.Child("name"), ""))
		case name != "":
			errs = append(errs, dnsLabel(name, p.Child("name"))...)
			if names[name] {
				errs = append(errs, field.Duplicate(p.Child("name"), name))
			}
			names[name] = true
		}
		if n, ok := intValue(port.m["port"]); ok {
			errs = append(errs, portNumber(n, p.Child("port"))...)
		}
		errs = append(errs, portNumberOrName(port.m["targetPort"], p.Child("targetPort"))...)
	}
	findings := fieldFindings(obj, RulePort, errs)
	if raw, ok := spec["selector"].(map[string]any); ok {
		if selector, ok := stringMap(raw); ok && !validLabels(selector) {
			labelErrs := metav1validation.ValidateLabels(selector, field.NewPath("spec", "selector"))
			for _, e := range labelErrs {
				findings = append(findings, finding(obj, RuleLabel, e.Field, metadataMessage(e)))
			}
		}
	}
	return findings
}
