package validate

import (
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/syncgate/syncgate/manifest"
)

// probeKinds are a container's probes, with whether the server requires
// successThreshold to be 1 (liveness and startup probes).
var probeKinds = []struct {
	key       string
	mustBeOne bool
}{{"livenessProbe", true}, {"readinessProbe", false}, {"startupProbe", true}}

// probeHandlers are the handlers of a probe, in the order the server's
// validateHandler looks at them: the second one it meets is the one it
// names.
var probeHandlers = []string{"exec", "httpGet", "tcpSocket", "grpc"}

// probeFindings checks the probes of every container (and of restartable
// init containers, which may carry them) as validateProbe and its liveness
// and startup variants do: exactly one handler, a valid port, timings and
// thresholds not negative, a successThreshold of 1 where required. An
// unset or 0 threshold is defaulted before validation, so 0 passes.
func probeFindings(obj *manifest.Object, ps podSpec) []manifest.Finding {
	var errs field.ErrorList
	for _, list := range containerLists {
		for _, c := range items(ps.spec[list]) {
			for _, kind := range probeKinds {
				probe, ok := c.m[kind.key].(map[string]any)
				if !ok {
					continue
				}
				p := ps.path.Child(list).Index(c.i).Child(kind.key)
				errs = append(errs, probeHandler(probe, p)...)
				errs = append(errs, nonNegative(probe, p, "initialDelaySeconds", "timeoutSeconds", "periodSeconds", "successThreshold", "failureThreshold")...)
				if n, ok := intValue(probe["successThreshold"]); ok && kind.mustBeOne && n > 0 && n != 1 {
					errs = append(errs, field.Invalid(p.Child("successThreshold"), n, "must be 1"))
				}
				if n, ok := intValue(probe["terminationGracePeriodSeconds"]); ok && n <= 0 {
					errs = append(errs, field.Invalid(p.Child("terminationGracePeriodSeconds"), n, "must be greater than 0"))
				}
			}
		}
	}
	return fieldFindings(obj, RuleProbe, errs)
}

// probeHandler checks that a probe has exactly one handler and that the
// port of an httpGet, tcpSocket or grpc handler is valid.
func probeHandler(probe map[string]any, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	found := 0
	for _, h := range probeHandlers {
		handler, ok := probe[h].(map[string]any)
		if !ok {
			continue
		}
		if found++; found > 1 {
			errs = append(errs, field.Forbidden(p.Child(h), "may not specify more than 1 handler type"))
			continue
		}
		if port, ok := handler["port"]; ok && h != "exec" {
			errs = append(errs, probePort(port, p.Child(h, "port"))...)
		}
	}
	if found == 0 {
		errs = append(errs, field.Required(p, "must specify a handler type"))
	}
	return errs
}

// probePort checks a handler's port as ValidatePortNumOrName does: unlike
// a Service's targetPort, 0 and "" are not "unset" here.
func probePort(v any, p *field.Path) field.ErrorList {
	if n, ok := intValue(v); ok {
		return portNumber(n, p)
	}
	var errs field.ErrorList
	if s, ok := v.(string); ok {
		for _, msg := range validation.IsValidPortName(s) {
			errs = append(errs, field.Invalid(p, s, msg))
		}
	}
	return errs
}
