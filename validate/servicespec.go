package validate

import (
	"strings"

	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/syncgate/syncgate/manifest"
)

// serviceSpecFindings checks the parts of a Service's spec that depend on
// its type, as validateService and ValidateServiceClusterIPsRelatedFields
// do after defaulting (type ClusterIP, clusterIPs from clusterIP): ports
// required unless headless or ExternalName, an ExternalName's host name,
// cluster and external IPs that parse (strictly, as Kubernetes 1.36 and
// later do), nodePort only where nodes expose the Service,
// externalTrafficPolicy only where it is reachable from outside, and
// loadBalancerSourceRanges only on a LoadBalancer and as CIDRs. Whether an
// IP is in the cluster's service range or a node port is free depends on
// the cluster and is not checked.
func serviceSpecFindings(obj *manifest.Object) []manifest.Finding {
	if obj.Group() != "" || obj.Kind != "Service" {
		return nil
	}
	spec, _ := obj.Content["spec"].(map[string]any)
	p := field.NewPath("spec")
	typ, _ := spec["type"].(string)
	if typ == "" {
		typ = "ClusterIP"
	}
	clusterIPs, _ := stringList(spec["clusterIPs"])
	if ip, _ := spec["clusterIP"].(string); ip != "" && len(clusterIPs) == 0 {
		clusterIPs = []string{ip}
	}
	headless := len(clusterIPs) > 0 && clusterIPs[0] == "None"
	externalIPs, _ := stringList(spec["externalIPs"])
	var errs field.ErrorList
	if len(items(spec["ports"])) == 0 && !headless && typ != "ExternalName" {
		errs = append(errs, field.Required(p.Child("ports"), ""))
	}
	switch typ {
	case "LoadBalancer", "NodePort":
		if headless {
			errs = append(errs, field.Invalid(p.Child("clusterIPs").Index(0), "None", "may not be set to 'None' for "+typ+" services"))
		}
	case "ExternalName":
		if len(clusterIPs) > 0 {
			errs = append(errs, field.Forbidden(p.Child("clusterIPs"), "may not be set for ExternalName services"))
		}
		if name := strings.TrimSuffix(stringOf(spec["externalName"]), "."); name == "" {
			errs = append(errs, field.Required(p.Child("externalName"), ""))
		} else {
			for _, msg := range validation.IsDNS1123Subdomain(name) {
				errs = append(errs, field.Invalid(p.Child("externalName"), name, msg))
			}
		}
	}
	if typ != "ExternalName" {
		for i, ip := range clusterIPs {
			if i == 0 && ip == "None" {
				continue
			}
			errs = append(errs, validation.IsValidIPForLegacyField(p.Child("clusterIPs").Index(i), ip, true, nil)...)
		}
	}
	for i, ip := range externalIPs {
		errs = append(errs, validation.IsValidIPForLegacyField(p.Child("externalIPs").Index(i), ip, true, nil)...)
	}
	if typ == "ClusterIP" {
		for _, port := range items(spec["ports"]) {
			if n, ok := intValue(port.m["nodePort"]); ok && n != 0 {
				errs = append(errs, field.Forbidden(p.Child("ports").Index(port.i).Child("nodePort"), "may not be used when `type` is 'ClusterIP'"))
			}
		}
	}
	if ranges, _ := stringList(spec["loadBalancerSourceRanges"]); len(ranges) > 0 {
		// The server names the field with a capital L.
		rp := p.Child("LoadBalancerSourceRanges")
		if typ != "LoadBalancer" {
			errs = append(errs, field.Forbidden(rp, "may only be used when `type` is 'LoadBalancer'"))
		}
		for i, cidr := range ranges {
			errs = append(errs, validation.IsValidCIDRForLegacyField(rp.Index(i), strings.TrimSpace(cidr), true, nil)...)
		}
	}
	external := typ == "LoadBalancer" || typ == "NodePort" || typ == "ClusterIP" && len(externalIPs) > 0
	if policy, _ := spec["externalTrafficPolicy"].(string); policy != "" && !external {
		errs = append(errs, field.Invalid(p.Child("externalTrafficPolicy"), policy, "may only be set for externally-accessible services"))
	}
	return fieldFindings(obj, RuleService, errs)
}

// stringOf returns v if it is a string, else "".
func stringOf(v any) string {
	s, _ := v.(string)
	return s
}
