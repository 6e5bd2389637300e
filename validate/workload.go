package validate

import (
	"strconv"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/syncgate/syncgate/manifest"
)

// workloadFindings checks the counts, strategies, restart policies and
// selectors of Kubernetes' own workloads as the API server's
// ValidateDeploymentSpec, ValidateReplicaSetSpec, ValidateStatefulSetSpec,
// ValidateDaemonSetSpec, ValidateReplicationControllerSpec, validateJobSpec,
// validateCronJobSpec, validateHorizontalPodAutoscalerSpec and
// ValidatePodDisruptionBudgetSpec do. The server defaults before it
// validates, so only what stays invalid after defaulting is reported: an
// unset restartPolicy is Always, an unset strategy is RollingUpdate with
// 25% surge and 25% unavailable, an unset progressDeadlineSeconds is 600.
func workloadFindings(obj *manifest.Object) []manifest.Finding {
	spec, ok := obj.Content["spec"].(map[string]any)
	if !ok {
		return nil
	}
	p := field.NewPath("spec")
	var errs field.ErrorList
	switch (gvkKind{obj.Group(), obj.Kind}) {
	case gvkKind{"apps", "Deployment"}:
		errs = append(errs, nonNegative(spec, p, "replicas", "minReadySeconds", "revisionHistoryLimit", "progressDeadlineSeconds")...)
		errs = append(errs, labelSelector(spec, p, "deployment")...)
		errs = append(errs, deploymentStrategy(spec, p.Child("strategy"))...)
		errs = append(errs, progressDeadline(spec, p)...)
		errs = append(errs, restartAlways(spec, p)...)
	case gvkKind{"apps", "ReplicaSet"}:
		errs = append(errs, nonNegative(spec, p, "replicas", "minReadySeconds")...)
		// The server words a ReplicaSet's empty selector as a Deployment's.
		errs = append(errs, labelSelector(spec, p, "deployment")...)
		errs = append(errs, restartAlways(spec, p)...)
	case gvkKind{"apps", "StatefulSet"}:
		errs = append(errs, nonNegative(spec, p, "replicas", "minReadySeconds", "revisionHistoryLimit")...)
		errs = append(errs, labelSelector(spec, p, "statefulset")...)
		errs = append(errs, restartAlways(spec, p)...)
	case gvkKind{"apps", "DaemonSet"}:
		errs = append(errs, nonNegative(spec, p, "minReadySeconds", "revisionHistoryLimit")...)
		errs = append(errs, labelSelector(spec, p, "daemonset")...)
		errs = append(errs, restartAlways(spec, p)...)
	case gvkKind{"", "ReplicationController"}:
		errs = append(errs, nonNegative(spec, p, "replicas", "minReadySeconds")...)
		errs = append(errs, restartAlways(spec, p)...)
	case gvkKind{"batch", "Job"}:
		errs = append(errs, jobSpec(spec, p)...)
		errs = append(errs, labelSelector(spec, p, "")...)
		if _, has := spec["selector"].(map[string]any); has && spec["manualSelector"] != true {
			errs = append(errs, field.Invalid(p.Child("selector"), selectorValue(spec["selector"]), "`selector` not auto-generated"))
		}
	case gvkKind{"batch", "CronJob"}:
		errs = append(errs, nonNegative(spec, p, "startingDeadlineSeconds", "successfulJobsHistoryLimit", "failedJobsHistoryLimit")...)
		tp := p.Child("jobTemplate", "spec")
		job, _ := mapAt(spec, "jobTemplate", "spec")
		errs = append(errs, jobSpec(job, tp)...)
		if _, has := job["selector"].(map[string]any); has {
			errs = append(errs, field.Invalid(tp.Child("selector"), selectorValue(job["selector"]), "`selector` will be auto-generated"))
		}
	case gvkKind{"autoscaling", "HorizontalPodAutoscaler"}:
		errs = append(errs, autoscalerSpec(spec, p)...)
	case gvkKind{"policy", "PodDisruptionBudget"}:
		errs = append(errs, disruptionBudgetSpec(spec, p)...)
	}
	return fieldFindings(obj, RuleWorkload, errs)
}

// nonNegative reports the integer fields of m that are below zero, as
// ValidateNonnegativeField does.
func nonNegative(m map[string]any, p *field.Path, keys ...string) field.ErrorList {
	var errs field.ErrorList
	for _, k := range keys {
		if n, ok := intValue(m[k]); ok && n < 0 {
			errs = append(errs, field.Invalid(p.Child(k), n, "must be greater than or equal to 0"))
		}
	}
	return errs
}

// labelSelector checks spec.selector as ValidateLabelSelector does, then
// that it converts to a selector and, for the apps kinds (kind names them
// in the message), that it is not empty. A missing selector is the
// schema's to report.
func labelSelector(spec map[string]any, p *field.Path, kind string) field.ErrorList {
	raw, ok := spec["selector"].(map[string]any)
	if !ok {
		return nil
	}
	ls, ok := labelSelectorOf(raw)
	if !ok {
		return nil // wrong types: the schema's
	}
	sp := p.Child("selector")
	// A valid selector passes both of the server's checks below.
	valid := validSelector(ls)
	var errs field.ErrorList
	if !valid {
		errs = metav1validation.ValidateLabelSelector(ls, metav1validation.LabelSelectorValidationOptions{}, sp)
	}
	if kind != "" && len(ls.MatchLabels)+len(ls.MatchExpressions) == 0 {
		errs = append(errs, field.Invalid(sp, ls, "empty selector is invalid for "+kind))
	}
	if !valid && kind != "" {
		if _, err := metav1.LabelSelectorAsSelector(ls); err != nil {
			errs = append(errs, field.Invalid(sp, ls, "invalid label selector"))
		}
	}
	return errs
}

// selectorValue is a selector as the server prints it in a message.
func selectorValue(raw any) any {
	m, _ := raw.(map[string]any)
	if ls, ok := labelSelectorOf(m); ok {
		return ls
	}
	return raw
}

// deploymentStrategy checks a Deployment's strategy as
// ValidateDeploymentStrategy does, after defaulting.
func deploymentStrategy(spec map[string]any, p *field.Path) field.ErrorList {
	strategy, _ := spec["strategy"].(map[string]any)
	typ, _ := strategy["type"].(string)
	rolling, hasRolling := strategy["rollingUpdate"].(map[string]any)
	switch typ {
	case "Recreate":
		if hasRolling {
			return field.ErrorList{field.Forbidden(p.Child("rollingUpdate"), "may not be specified when strategy `type` is 'Recreate'")}
		}
		return nil
	case "", "RollingUpdate":
	default:
		return field.ErrorList{field.NotSupported(p, typ, []string{"Recreate", "RollingUpdate"})}
	}
	rp := p.Child("rollingUpdate")
	unavailable, hasUnavailable := rolling["maxUnavailable"]
	surge, hasSurge := rolling["maxSurge"]
	if !hasUnavailable || unavailable == nil {
		unavailable = "25%"
	}
	if !hasSurge || surge == nil {
		surge = "25%"
	}
	errs := intOrPercent(unavailable, rp.Child("maxUnavailable"))
	errs = append(errs, intOrPercent(surge, rp.Child("maxSurge"))...)
	if zeroIntOrPercent(unavailable) && zeroIntOrPercent(surge) {
		errs = append(errs, field.Invalid(rp.Child("maxUnavailable"), unavailable, "may not be 0 when `maxSurge` is 0"))
	}
	return append(errs, notOver100Percent(unavailable, rp.Child("maxUnavailable"))...)
}

// progressDeadline reports a Deployment whose progressDeadlineSeconds
// (600 when unset) is not above its minReadySeconds.
func progressDeadline(spec map[string]any, p *field.Path) field.ErrorList {
	deadline := int64(600)
	if n, ok := intValue(spec["progressDeadlineSeconds"]); ok {
		deadline = n
	}
	minReady, _ := intValue(spec["minReadySeconds"])
	if deadline <= minReady {
		return field.ErrorList{field.Invalid(p.Child("progressDeadlineSeconds"), deadline, "must be greater than minReadySeconds")}
	}
	return nil
}

// restartAlways reports a pod template whose restartPolicy is set to
// other than Always, which workloads that keep pods running refuse.
func restartAlways(spec map[string]any, p *field.Path) field.ErrorList {
	policy, _ := mapAt(spec, "template", "spec")
	if rp, ok := policy["restartPolicy"].(string); ok && rp != "" && rp != "Always" {
		return field.ErrorList{field.NotSupported(p.Child("template", "spec", "restartPolicy"), rp, []string{"Always"})}
	}
	return nil
}

// jobSpec checks a Job's spec (or a CronJob's job template's) as
// validateJobSpec does: counts not negative and a restart policy of
// OnFailure or Never, Never with a podFailurePolicy. A missing template
// is defaulted to an empty one, whose restart policy is then missing.
func jobSpec(spec map[string]any, p *field.Path) field.ErrorList {
	errs := nonNegative(spec, p, "parallelism", "completions", "activeDeadlineSeconds", "backoffLimit", "ttlSecondsAfterFinished", "backoffLimitPerIndex", "maxFailedIndexes")
	pod, _ := mapAt(spec, "template", "spec")
	rp, _ := pod["restartPolicy"].(string)
	rpPath := p.Child("template", "spec", "restartPolicy")
	switch {
	case rp == "" || rp == "Always":
		errs = append(errs, field.Required(rpPath, `valid values: "OnFailure", "Never"`))
	case rp != "OnFailure" && rp != "Never":
		errs = append(errs, field.NotSupported(rpPath, rp, []string{"OnFailure", "Never"}))
	case spec["podFailurePolicy"] != nil && rp != "Never":
		errs = append(errs, field.Invalid(rpPath, rp, `only "Never" is supported when podFailurePolicy is specified`))
	}
	return errs
}

// autoscalerSpec checks a HorizontalPodAutoscaler's bounds as
// validateHorizontalPodAutoscalerSpec does with scaling to zero allowed
// (Kubernetes 1.37): minReplicas 0 needs an Object or External metric.
func autoscalerSpec(spec map[string]any, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	minReplicas, hasMin := intValue(spec["minReplicas"])
	maxReplicas, hasMax := intValue(spec["maxReplicas"])
	if hasMin && minReplicas < 0 {
		errs = append(errs, field.Invalid(p.Child("minReplicas"), minReplicas, "must be greater than or equal to 0"))
	}
	switch {
	case hasMax && maxReplicas == 0:
		errs = append(errs, field.Required(p.Child("maxReplicas"), "must be set and greater than 0"))
	case hasMax && maxReplicas < 0:
		errs = append(errs, field.Invalid(p.Child("maxReplicas"), maxReplicas, "must be greater than or equal to 1"))
	}
	if hasMin && hasMax && maxReplicas < minReplicas {
		errs = append(errs, field.Invalid(p.Child("maxReplicas"), maxReplicas, "must be greater than or equal to `minReplicas`"))
	}
	if hasMin && minReplicas == 0 {
		scalesToZero := false
		for _, m := range items(spec["metrics"]) {
			if t, _ := m.m["type"].(string); t == "Object" || t == "External" {
				scalesToZero = true
			}
		}
		if !scalesToZero {
			errs = append(errs, field.Forbidden(p.Child("metrics"), "must specify at least one Object or External metric to support scaling to zero replicas"))
		}
	}
	return errs
}

// disruptionBudgetSpec checks a PodDisruptionBudget as
// ValidatePodDisruptionBudgetSpec does: minAvailable or maxUnavailable,
// not both, each a non-negative count or a percentage up to 100%.
func disruptionBudgetSpec(spec map[string]any, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	minAvailable, hasMin := spec["minAvailable"]
	maxUnavailable, hasMax := spec["maxUnavailable"]
	hasMin, hasMax = hasMin && minAvailable != nil, hasMax && maxUnavailable != nil
	if hasMin && hasMax {
		errs = append(errs, field.Invalid(p, spec, "minAvailable and maxUnavailable cannot be both set"))
	}
	for _, k := range []string{"minAvailable", "maxUnavailable"} {
		if v := spec[k]; v != nil {
			errs = append(errs, intOrPercent(v, p.Child(k))...)
			errs = append(errs, notOver100Percent(v, p.Child(k))...)
		}
	}
	return append(errs, labelSelector(spec, p, "")...)
}

// intOrPercent checks a count or percentage as ValidatePositiveIntOrPercent
// does. Other types are the schema's to report.
func intOrPercent(v any, p *field.Path) field.ErrorList {
	if s, ok := v.(string); ok {
		if percentString(s) {
			return nil
		}
		var errs field.ErrorList
		for _, msg := range validation.IsValidPercent(s) {
			errs = append(errs, field.Invalid(p, s, msg))
		}
		return errs
	}
	if n, ok := intValue(v); ok && n < 0 {
		return field.ErrorList{field.Invalid(p, n, "must be greater than or equal to 0")}
	}
	return nil
}

// percent returns the value of a valid percentage string.
func percent(v any) (int64, bool) {
	s, ok := v.(string)
	if !ok || !percentString(s) {
		return 0, false
	}
	n, err := strconv.ParseInt(strings.TrimSuffix(s, "%"), 10, 64)
	return n, err == nil
}

// zeroIntOrPercent reports a count of 0 or a percentage of 0%.
func zeroIntOrPercent(v any) bool {
	if n, ok := percent(v); ok {
		return n == 0
	}
	n, ok := intValue(v)
	return ok && n == 0
}

// notOver100Percent reports a percentage above 100%, as
// IsNotMoreThan100Percent does.
func notOver100Percent(v any, p *field.Path) field.ErrorList {
	if n, ok := percent(v); ok && n > 100 {
		return field.ErrorList{field.Invalid(p, v, "must not be greater than 100%")}
	}
	return nil
}
