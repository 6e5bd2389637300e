package validate

import (
	"strings"

	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// The functions below accept exactly what apimachinery's validators of the
// same names accept (FuzzSyntax compares them), without their regular
// expressions, whose backtracking was a large part of a review's cost. They
// only tell valid from invalid: the callers let apimachinery word what is
// invalid, so every message stays the server's.

// labelKey reports whether validation.IsQualifiedName accepts s: a name
// with an optional DNS-1123 subdomain prefix and '/'.
func labelKey(s string) bool {
	prefix, name, found := strings.Cut(s, "/")
	if !found {
		return qualifiedName(prefix)
	}
	return dnsSubdomain(prefix) && qualifiedName(name)
}

// labelValue reports whether validation.IsValidLabelValue accepts s.
func labelValue(s string) bool {
	return s == "" || qualifiedName(s)
}

// qualifiedName is the name part of a label key: at most 63 characters,
// alphanumerics, '-', '_' and '.', beginning and ending alphanumeric.
func qualifiedName(s string) bool {
	if s == "" || len(s) > 63 || !alphanumeric(s[0]) || !alphanumeric(s[len(s)-1]) {
		return false
	}
	for i := 1; i < len(s)-1; i++ {
		if c := s[i]; !alphanumeric(c) && c != '-' && c != '_' && c != '.' {
			return false
		}
	}
	return true
}

// dnsSubdomain reports whether validation.IsDNS1123Subdomain accepts s:
// at most 253 characters, dot-separated lowercase DNS-1123 labels (whose
// own length the subdomain rule does not bound).
func dnsSubdomain(s string) bool {
	if s == "" || len(s) > 253 {
		return false
	}
	for label := range strings.SplitSeq(s, ".") {
		if !dnsLabelChars(label) {
			return false
		}
	}
	return true
}

// dns1123Label reports whether validation.IsDNS1123Label accepts s.
func dns1123Label(s string) bool {
	return len(s) <= 63 && dnsLabelChars(s)
}

// dnsLabelChars is a DNS-1123 label without its length bound: lowercase
// alphanumerics and '-', beginning and ending alphanumeric.
func dnsLabelChars(s string) bool {
	if s == "" || !lowerAlphanumeric(s[0]) || !lowerAlphanumeric(s[len(s)-1]) {
		return false
	}
	for i := 1; i < len(s)-1; i++ {
		if c := s[i]; !lowerAlphanumeric(c) && c != '-' {
			return false
		}
	}
	return true
}

// percentString reports whether validation.IsValidPercent accepts s:
// digits and a final '%'.
func percentString(s string) bool {
	if len(s) < 2 || s[len(s)-1] != '%' {
		return false
	}
	for i := range len(s) - 1 {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func alphanumeric(c byte) bool {
	return lowerAlphanumeric(c) || 'A' <= c && c <= 'Z'
}

func lowerAlphanumeric(c byte) bool {
	return 'a' <= c && c <= 'z' || '0' <= c && c <= '9'
}

// validLabels reports labels that metav1validation.ValidateLabels accepts.
func validLabels(labels map[string]string) bool {
	for k, v := range labels {
		if !labelKey(k) || !labelValue(v) {
			return false
		}
	}
	return true
}

// validAnnotations reports annotations that apivalidation.ValidateAnnotations
// accepts: keys are label keys in any case, and all of them together no
// larger than the server's limit.
func validAnnotations(annotations map[string]string) bool {
	size := 0
	for k, v := range annotations {
		if !labelKey(strings.ToLower(k)) {
			return false
		}
		size += len(k) + len(v)
	}
	return size <= apivalidation.TotalAnnotationSizeLimitB
}

// dnsSubdomainName is apivalidation.NameIsDNSSubdomain, the name rule of
// most kinds, that skips the regular expression for a valid name.
func dnsSubdomainName(name string, prefix bool) []string {
	if !prefix && dnsSubdomain(name) {
		return nil
	}
	return apivalidation.NameIsDNSSubdomain(name, prefix)
}

// validSelector reports a label selector that both
// metav1validation.ValidateLabelSelector and metav1.LabelSelectorAsSelector
// accept: label keys and values, and operators with the values they take.
func validSelector(ls *metav1.LabelSelector) bool {
	if !validLabels(ls.MatchLabels) {
		return false
	}
	for _, e := range ls.MatchExpressions {
		switch e.Operator {
		case metav1.LabelSelectorOpIn, metav1.LabelSelectorOpNotIn:
			if len(e.Values) == 0 {
				return false
			}
		case metav1.LabelSelectorOpExists, metav1.LabelSelectorOpDoesNotExist:
			if len(e.Values) != 0 {
				return false
			}
		default:
			return false
		}
		if !labelKey(e.Key) {
			return false
		}
		for _, v := range e.Values {
			if !labelValue(v) {
				return false
			}
		}
	}
	return true
}

// selects reports whether a selector that validSelector accepts selects
// labels, as the labels.Selector that LabelSelectorAsSelector makes of it
// does. An empty selector selects everything.
func selects(ls *metav1.LabelSelector, labels map[string]string) bool {
	for k, v := range ls.MatchLabels {
		if got, ok := labels[k]; !ok || got != v {
			return false
		}
	}
	for _, e := range ls.MatchExpressions {
		got, has := labels[e.Key]
		var ok bool
		switch e.Operator {
		case metav1.LabelSelectorOpIn:
			ok = has && contains(e.Values, got)
		case metav1.LabelSelectorOpNotIn:
			ok = !has || !contains(e.Values, got)
		case metav1.LabelSelectorOpExists:
			ok = has
		case metav1.LabelSelectorOpDoesNotExist:
			ok = !has
		}
		if !ok {
			return false
		}
	}
	return true
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// labelSelectorOf reads a label selector as
// runtime.DefaultUnstructuredConverter.FromUnstructured does (FuzzSyntax
// compares them). The usual shape, strings where strings belong, is read
// directly; anything else goes through the reflective converter. ok is
// false when a field has the wrong type.
func labelSelectorOf(raw map[string]any) (ls *metav1.LabelSelector, ok bool) {
	if ls, ok := plainSelector(raw); ok {
		return ls, true
	}
	ls = &metav1.LabelSelector{}
	if runtime.DefaultUnstructuredConverter.FromUnstructured(raw, ls) != nil {
		return nil, false
	}
	return ls, true
}

// plainSelector reads a selector of matchLabels and matchExpressions whose
// leaves are all strings, as the converter would; false for any other.
func plainSelector(raw map[string]any) (*metav1.LabelSelector, bool) {
	ls := &metav1.LabelSelector{}
	for key, val := range raw {
		var ok bool
		switch key {
		case "matchLabels":
			ls.MatchLabels, ok = stringMap(val)
		case "matchExpressions":
			ls.MatchExpressions, ok = plainRequirements(val)
		}
		if !ok {
			return nil, false
		}
	}
	return ls, true
}

func plainRequirements(v any) ([]metav1.LabelSelectorRequirement, bool) {
	list, ok := v.([]any)
	if !ok {
		return nil, false
	}
	out := make([]metav1.LabelSelectorRequirement, 0, len(list))
	for _, it := range list {
		m, ok := it.(map[string]any)
		if !ok {
			return nil, false
		}
		var r metav1.LabelSelectorRequirement
		for key, val := range m {
			switch key {
			case "key":
				r.Key, ok = val.(string)
			case "operator":
				var op string
				op, ok = val.(string)
				r.Operator = metav1.LabelSelectorOperator(op)
			case "values":
				r.Values, ok = stringList(val)
			default:
				ok = false
			}
			if !ok {
				return nil, false
			}
		}
		out = append(out, r)
	}
	return out, true
}
