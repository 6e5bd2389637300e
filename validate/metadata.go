package validate

import (
	"fmt"
	"strings"

	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/api/validation/path"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/syncgate/syncgate/manifest"
)

// nameRules maps built-in kinds whose names the API server validates with
// something other than a DNS-1123 subdomain (the rule of every other kind,
// custom resources included) to that rule. From the name functions of
// k8s.io/kubernetes pkg/apis/{core,rbac,batch}/validation: Namespace names
// are DNS-1123 labels, Service names DNS-1035 labels, RBAC objects and
// PersistentVolumes need only be path segments. Service names are
// DNS-1123 labels from Kubernetes 1.36 on (RelaxedServiceNameValidation,
// on by default since then): see nameRule.
var nameRules = map[gvkKind]apivalidation.ValidateNameFunc{
	{"", "Namespace"}:                                   apivalidation.NameIsDNSLabel,
	{"", "Service"}:                                     apivalidation.NameIsDNS1035Label,
	{"", "PersistentVolume"}:                            path.ValidatePathSegmentName,
	{"rbac.authorization.k8s.io", "Role"}:               path.ValidatePathSegmentName,
	{"rbac.authorization.k8s.io", "ClusterRole"}:        path.ValidatePathSegmentName,
	{"rbac.authorization.k8s.io", "RoleBinding"}:        path.ValidatePathSegmentName,
	{"rbac.authorization.k8s.io", "ClusterRoleBinding"}: path.ValidatePathSegmentName,
	{"batch", "CronJob"}:                                cronJobName,
}

type gvkKind struct{ group, kind string }

// relaxedServiceNames is the first Kubernetes minor that accepts Service
// names that are DNS-1123 labels (a leading digit) rather than DNS-1035
// ones.
const relaxedServiceNames = "1.36"

// nameRule returns the name rule of a kind in a Kubernetes version.
func nameRule(k gvkKind, version string) apivalidation.ValidateNameFunc {
	if k == (gvkKind{"", "Service"}) && version != "" && atLeast(version, relaxedServiceNames) {
		return apivalidation.NameIsDNSLabel
	}
	if fn, ok := nameRules[k]; ok {
		return fn
	}
	return dnsSubdomainName
}

// cronJobMaxName is the longest CronJob name: the controller appends an
// 11-character suffix to name its Jobs, whose names must be labels.
const cronJobMaxName = 52

func cronJobName(name string, prefix bool) []string {
	errs := dnsSubdomainName(name, prefix)
	if len(name) > cronJobMaxName {
		errs = append(errs, fmt.Sprintf("must be no more than %d characters", cronJobMaxName))
	}
	return errs
}

// metadataFindings checks an object's name, namespace, labels, annotations,
// finalizers and owner references with the API server's own functions.
// Metadata that does not even decode is left to the schema check.
// An object without metadata has no name, which the API server requires:
// it is checked as an empty metadata.
// version is the target Kubernetes minor, "" where no built-in kind's
// rules apply.
func metadataFindings(obj *manifest.Object, version string) []manifest.Finding {
	raw, ok := obj.Content["metadata"].(map[string]any)
	if !ok && obj.Content["metadata"] != nil {
		return nil
	}
	meta, ok := objectMeta(raw)
	if !ok {
		return nil
	}
	nameFn := nameRule(gvkKind{obj.Group(), obj.Kind}, version)
	generated := meta.Name == "" && meta.GenerateName != ""
	if generated {
		meta.Name = generatedName(meta.GenerateName)
	}
	skipValid(meta)
	// Whether the kind is namespaced is the cluster's business; a
	// namespace, when set, must be valid.
	errs := apivalidation.ValidateObjectMetaAccessor(meta, meta.Namespace != "", nameFn, field.NewPath("metadata"))
	findings := make([]manifest.Finding, 0, len(errs))
	for _, e := range errs {
		if generated && e.Field == "metadata.name" && hasGenerateNameError(errs) {
			continue // the generateName errors say it without a made-up name
		}
		findings = append(findings, finding(obj, metadataRule(e.Field), e.Field, metadataMessage(e)))
	}
	return findings
}

// skipValid clears the labels, annotations and namespace of meta that
// are valid, which ValidateObjectMetaAccessor then has no need to check
// with its regular expressions: it reports nothing about what is absent
// when, as here, an absent namespace is not required.
func skipValid(meta *metav1.ObjectMeta) {
	if validLabels(meta.Labels) {
		meta.Labels = nil
	}
	if validAnnotations(meta.Annotations) {
		meta.Annotations = nil
	}
	if dns1123Label(meta.Namespace) {
		meta.Namespace = ""
	}
}

// generatedName is the name the API server would give an object with only
// a generateName: the prefix, cut to leave room, and five random
// characters, here fixed ones of the generator's alphabet so that the
// result is deterministic.
func generatedName(prefix string) string {
	const maxPrefix = 63 - 5 // as k8s.io/apiserver names.SimpleNameGenerator
	if len(prefix) > maxPrefix {
		prefix = prefix[:maxPrefix]
	}
	return prefix + "x7b2k"
}

func hasGenerateNameError(errs field.ErrorList) bool {
	for _, e := range errs {
		if e.Field == "metadata.generateName" {
			return true
		}
	}
	return false
}

// objectMeta reads metadata into the API type. The fields manifests carry
// are read directly; rarer ones (owner references, managed fields) go
// through the reflective converter. ok is false when a field has the
// wrong type, which the schema check reports.
func objectMeta(raw map[string]any) (meta *metav1.ObjectMeta, ok bool) {
	meta = &metav1.ObjectMeta{}
	for key, val := range raw {
		switch key {
		case "name":
			meta.Name, ok = val.(string)
		case "generateName":
			meta.GenerateName, ok = val.(string)
		case "namespace":
			meta.Namespace, ok = val.(string)
		case "labels":
			meta.Labels, ok = stringMap(val)
		case "annotations":
			meta.Annotations, ok = stringMap(val)
		case "finalizers":
			meta.Finalizers, ok = stringList(val)
		case "ownerReferences", "managedFields", "generation":
			var full metav1.ObjectMeta
			if runtime.DefaultUnstructuredConverter.FromUnstructured(raw, &full) != nil {
				return nil, false
			}
			return &full, true
		default:
			ok = true
		}
		if !ok && val != nil {
			return nil, false
		}
	}
	return meta, true
}

func stringMap(v any) (map[string]string, bool) {
	m, ok := v.(map[string]any)
	if !ok {
		return nil, false
	}
	out := make(map[string]string, len(m))
	for k, val := range m {
		s, ok := val.(string)
		if !ok {
			return nil, false
		}
		out[k] = s
	}
	return out, true
}

func stringList(v any) ([]string, bool) {
	l, ok := v.([]any)
	if !ok {
		return nil, false
	}
	out := make([]string, 0, len(l))
	for _, val := range l {
		s, ok := val.(string)
		if !ok {
			return nil, false
		}
		out = append(out, s)
	}
	return out, true
}

func metadataRule(fieldPath string) string {
	switch {
	case fieldPath == "metadata.name" || fieldPath == "metadata.generateName":
		return RuleName
	case strings.HasPrefix(fieldPath, "metadata.labels"):
		return RuleLabel
	case strings.HasPrefix(fieldPath, "metadata.annotations"):
		return RuleAnnotation
	}
	return RuleMetadata
}

// metadataMessage words a metadata error as the API server does. The
// offending name, label or annotation key is quoted; label values too, as
// they are short by rule; nothing else.
func metadataMessage(e *field.Error) string {
	msg := fieldErrorMessage(e)
	if s, ok := e.BadValue.(string); ok && e.Type == field.ErrorTypeInvalid && len(s) <= 253 {
		msg = fmt.Sprintf("%s: %q: %s", e.Type, s, e.Detail)
	}
	return msg
}
