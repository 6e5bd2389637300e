package validate

import (
	"strings"

	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/syncgate/syncgate/manifest"
)

// envFindings checks the environment variables of every container and
// init container as the API server's ValidateEnv does with the relaxed
// names of Kubernetes 1.34 and later (printable ASCII but '='): a name,
// and for valueFrom exactly one source, no value beside it, and a fieldRef
// the downward API can resolve. Repeated names are only a warning on the
// server (the later hides the earlier), so they are not reported here.
func envFindings(obj *manifest.Object, ps podSpec) []manifest.Finding {
	var errs field.ErrorList
	for _, list := range containerLists {
		for _, c := range items(ps.spec[list]) {
			for _, ev := range items(c.m["env"]) {
				errs = append(errs, envVar(ev.m, ps.path.Child(list).Index(c.i).Child("env").Index(ev.i))...)
			}
		}
	}
	return fieldFindings(obj, RuleEnv, errs)
}

// envSources are the sources of an env var's valueFrom.
var envSources = []string{"fieldRef", "resourceFieldRef", "configMapKeyRef", "secretKeyRef", "fileKeyRef"}

// envVar checks one variable.
func envVar(ev map[string]any, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	name, isString := ev["name"].(string)
	switch {
	case !isString:
		// missing or not a string: the schema's
	case name == "":
		errs = append(errs, field.Required(p.Child("name"), ""))
	default:
		for _, msg := range validation.IsRelaxedEnvVarName(name) {
			errs = append(errs, field.Invalid(p.Child("name"), name, msg))
		}
	}
	from, ok := ev["valueFrom"].(map[string]any)
	if !ok {
		return errs
	}
	fp := p.Child("valueFrom")
	sources := 0
	for _, k := range envSources {
		if from[k] != nil {
			sources++
		}
	}
	value, _ := ev["value"].(string)
	switch {
	case sources == 0:
		errs = append(errs, field.Invalid(fp, "", "must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef`, `secretKeyRef` or `fileKeyRef`"))
	case value != "":
		errs = append(errs, field.Invalid(fp, "", "may not be specified when `value` is not empty"))
	case sources > 1:
		errs = append(errs, field.Invalid(fp, "", "may not have more than one field specified at a time"))
	}
	if ref, ok := from["fieldRef"].(map[string]any); ok {
		errs = append(errs, envFieldRef(ref, fp.Child("fieldRef"))...)
	}
	return errs
}

// downwardEnvFields are the pod fields an env var's fieldRef may name;
// metadata.labels and metadata.annotations only with a subscript.
var downwardEnvFields = map[string]bool{
	"metadata.name": true, "metadata.namespace": true, "metadata.uid": true,
	"spec.nodeName": true, "spec.serviceAccountName": true,
	"status.hostIP": true, "status.hostIPs": true, "status.podIP": true, "status.podIPs": true,
}

// downwardFieldLabels are the field labels the server converts at all;
// others fail conversion before they are compared with the list above.
var downwardFieldLabels = map[string]bool{
	"metadata.annotations": true, "metadata.labels": true, "spec.restartPolicy": true,
	"spec.schedulerName": true, "status.phase": true, "spec.host": true,
}

// envFieldRef checks a fieldRef as validateObjectFieldSelector does. Its
// apiVersion defaults to v1.
func envFieldRef(ref map[string]any, p *field.Path) field.ErrorList {
	fp, _ := ref["fieldPath"].(string)
	if fp == "" {
		return nil // the schema requires it
	}
	if v, ok := ref["apiVersion"].(string); ok && v != "" && v != "v1" {
		return field.ErrorList{field.Invalid(p.Child("fieldPath"), fp, "error converting fieldPath: unsupported pod version: "+v)}
	}
	if base, _, ok := strings.Cut(fp, "["); ok {
		if base != "metadata.annotations" && base != "metadata.labels" {
			return field.ErrorList{field.Invalid(p.Child("fieldPath"), fp, "error converting fieldPath: field label does not support subscript: "+fp)}
		}
		return nil
	}
	if fp == "spec.host" {
		fp = "spec.nodeName"
	}
	if !downwardEnvFields[fp] && !downwardFieldLabels[fp] {
		return field.ErrorList{field.Invalid(p.Child("fieldPath"), fp, "error converting fieldPath: field label not supported: "+fp)}
	}
	if !downwardEnvFields[fp] {
		return field.ErrorList{field.NotSupported(p.Child("fieldPath"), fp, sortedKeys(downwardEnvFields))}
	}
	return nil
}
