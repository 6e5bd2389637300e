package validate

import (
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/syncgate/syncgate/manifest"
)

// containerPortFindings checks the ports of every container and init
// container as the API server's validateContainerPorts does: IANA service
// names unique within the container, containerPort set and 1-65535,
// hostPort 0 (unset) or 1-65535.
func containerPortFindings(obj *manifest.Object, ps podSpec) []manifest.Finding {
	var errs field.ErrorList
	for _, list := range containerLists {
		for _, c := range items(ps.spec[list]) {
			names := map[string]bool{}
			for _, port := range items(c.m["ports"]) {
				p := ps.path.Child(list).Index(c.i).Child("ports").Index(port.i)
				if name, _ := port.m["name"].(string); name != "" {
					msgs := validation.IsValidPortName(name)
					for _, msg := range msgs {
						errs = append(errs, field.Invalid(p.Child("name"), name, msg))
					}
					if len(msgs) == 0 && names[name] {
						errs = append(errs, field.Duplicate(p.Child("name"), name))
					}
					names[name] = true
				}
				if n, ok := intValue(port.m["containerPort"]); ok {
					if n == 0 {
						errs = append(errs, field.Required(p.Child("containerPort"), ""))
					} else {
						errs = append(errs, portNumber(n, p.Child("containerPort"))...)
					}
				}
				if n, ok := intValue(port.m["hostPort"]); ok && n != 0 {
					errs = append(errs, portNumber(n, p.Child("hostPort"))...)
				}
			}
		}
	}
	return fieldFindings(obj, RulePort, errs)
}

// portNumber reports a port number outside 1-65535.
func portNumber(n int64, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	for _, msg := range validation.IsValidPortNum(int(n)) {
		errs = append(errs, field.Invalid(p, n, msg))
	}
	return errs
}

// portNumberOrName reports a targetPort that is neither a port number nor
// an IANA service name; 0 and "" are unset (the server uses port).
func portNumberOrName(v any, p *field.Path) field.ErrorList {
	if n, ok := intValue(v); ok && n != 0 {
		return portNumber(n, p)
	}
	var errs field.ErrorList
	if name, ok := v.(string); ok && name != "" {
		for _, msg := range validation.IsValidPortName(name) {
			errs = append(errs, field.Invalid(p, name, msg))
		}
	}
	return errs
}
