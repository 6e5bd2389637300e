package validate

import (
	"strings"

	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/syncgate/syncgate/manifest"
)

// templateShapes are where Kubernetes' own kinds keep a pod template.
var templateShapes = [][]string{
	{"spec", "template"},
	{"spec", "jobTemplate", "spec", "template"},
	{"template"},
}

// templateMetaFindings checks the labels and annotations of a pod
// template, as ValidatePodTemplateSpec does; the server names them
// without "metadata" (spec.template.labels).
func templateMetaFindings(obj *manifest.Object) []manifest.Finding {
	var findings []manifest.Finding
	for _, shape := range templateShapes {
		meta, ok := mapAt(obj.Content, append(shape, "metadata")...)
		if !ok {
			continue
		}
		p := field.NewPath(shape[0], shape[1:]...)
		if labels, ok := stringMap(meta["labels"]); ok && !validLabels(labels) {
			for _, e := range metav1validation.ValidateLabels(labels, p.Child("labels")) {
				findings = append(findings, finding(obj, RuleLabel, e.Field, metadataMessage(e)))
			}
		}
		if annotations, ok := stringMap(meta["annotations"]); ok && !validAnnotations(annotations) {
			for _, e := range apivalidation.ValidateAnnotations(annotations, p.Child("annotations")) {
				findings = append(findings, finding(obj, RuleAnnotation, e.Field, metadataMessage(e)))
			}
		}
	}
	return findings
}

// standardFinalizers are the finalizer names Kubernetes itself uses
// without a domain.
var standardFinalizers = map[string]bool{"kubernetes": true, "orphan": true, "foregroundDeletion": true}

// finalizerFindings reports a finalizer of a built-in kind that is
// neither one of Kubernetes' own nor domain-qualified, as the core
// ValidateFinalizerName does. Custom resources get only a warning from
// the server for that, so they are not checked here.
func finalizerFindings(obj *manifest.Object) []manifest.Finding {
	raw, _ := mapAt(obj.Content, "metadata")
	finalizers, _ := stringList(raw["finalizers"])
	var errs field.ErrorList
	for i, f := range finalizers {
		if !strings.Contains(f, "/") && !standardFinalizers[f] && f != "" {
			errs = append(errs, field.Invalid(field.NewPath("metadata", "finalizers").Index(i), f, "name is neither a standard finalizer name nor is it fully qualified"))
		}
	}
	return fieldFindings(obj, RuleMetadata, errs)
}
