package validate

import (
	"fmt"
	"slices"

	"github.com/syncgate/syncgate/manifest"
)

// The rule IDs of this stage.
const (
	RuleUnknownField  = "schema/unknown-field"
	RuleUnknownKind   = "schema/unknown-kind"
	RuleType          = "schema/type"
	RuleRequired      = "schema/required"
	RuleEnum          = "schema/enum"
	RuleFormat        = "schema/format"
	RuleInvalid       = "schema/invalid"
	RuleMissingSchema = "schema/missing-schema"
	RuleCEL           = "schema/cel"
	RuleName          = "schema/name"
	RuleLabel         = "schema/label"
	RuleAnnotation    = "schema/annotation"
	RuleMetadata      = "schema/metadata"
	RuleQuantity      = "schema/quantity"
	RuleDuplicateKey  = "schema/duplicate-key"
	RuleDeprecatedAPI = "schema/deprecated-api"
	RuleRemovedAPI    = "schema/removed-api"
	RuleCRDInvalid    = "schema/crd-invalid"
	RuleContainer     = "schema/container"
	RulePort          = "schema/port"
	RuleVolume        = "schema/volume"
	RuleSelector      = "schema/selector"
	RuleSchemaError   = "schema/schema-error"
)

// Rules lists every rule of this stage, sorted by ID.
func Rules() []manifest.Rule {
	return slices.Clone(rules)
}

// rules is the registry Rules copies and severityOf reads.
var rules = []manifest.Rule{
	{ID: RuleAnnotation, Severity: manifest.SeverityError, Summary: "An annotation key is not a valid qualified name, or the annotations exceed 256 KiB in total.", Remediation: "Use keys such as example.com/name of at most 63 characters after the prefix; keep large data out of annotations."},
	{ID: RuleCEL, Severity: manifest.SeverityError, Summary: "A CRD's x-kubernetes-validations rule rejects the object, as the API server would.", Remediation: "Change the object so the rule holds; the message is the CRD author's."},
	{ID: RuleContainer, Severity: manifest.SeverityError, Summary: "A container or init container of a pod template has no image, an empty or invalid name, or a name another container of the pod already has.", Remediation: "Give every container an image and a unique DNS-1123 label as its name, across containers and initContainers."},
	{ID: RuleCRDInvalid, Severity: manifest.SeverityError, Summary: "A CustomResourceDefinition would be rejected by the API server (not structural, a CEL rule that does not compile or costs too much, bad names).", Remediation: "Fix the CRD; objects of its kinds are checked only as far as its schema can be used."},
	{ID: RuleDeprecatedAPI, Severity: manifest.SeverityWarning, Summary: "The object's apiVersion is deprecated in the target Kubernetes version.", Remediation: "Move to the replacement API named in the message."},
	{ID: RuleDuplicateKey, Severity: manifest.SeverityError, Summary: "Two items of a list keyed by x-kubernetes-list-map-keys (containers by name, ports by port and protocol) share a key.", Remediation: "Merge or rename the duplicate items."},
	{ID: RuleEnum, Severity: manifest.SeverityError, Summary: "A field holds a value outside its allowed set.", Remediation: "Use one of the values the message lists."},
	{ID: RuleFormat, Severity: manifest.SeverityError, Summary: "A string does not have the format its schema requires.", Remediation: "Write the value in the required format."},
	{ID: RuleInvalid, Severity: manifest.SeverityError, Summary: "A value breaks a schema constraint other than type, enum, required or unknown field (pattern, length, range).", Remediation: "Change the value so the constraint in the message holds."},
	{ID: RuleLabel, Severity: manifest.SeverityError, Summary: "A label key or value is not valid.", Remediation: "Label keys are qualified names (optional DNS prefix, name of at most 63 characters); values at most 63 alphanumeric characters, '-', '_' or '.'."},
	{ID: RuleMetadata, Severity: manifest.SeverityError, Summary: "Object metadata other than name, labels and annotations is not valid (namespace, generateName, finalizers, owner references).", Remediation: "Fix the field named in the message."},
	{ID: RuleMissingSchema, Severity: manifest.SeverityWarning, Summary: "No schema is known for the object's kind: neither embedded, nor from a CRD, nor in the bundled CRD catalogue, nor at a schema location.", Remediation: "Pass the CRD with --crds, add a --schema-location, or set --missing-schemas ignore."},
	{ID: RuleName, Severity: manifest.SeverityError, Summary: "The object's name is not valid for its kind (DNS-1123 subdomain, DNS-1123 or DNS-1035 label, path segment, length).", Remediation: "Rename the object as the message says."},
	{ID: RulePort, Severity: manifest.SeverityError, Summary: "A container or Service port is out of range (containerPort and Service ports 1-65535, hostPort 0-65535), a targetPort is neither a port number nor a port name, or port names are missing, invalid or repeated.", Remediation: "Use port numbers 1-65535; name every port of a Service with more than one, each name once."},
	{ID: RuleQuantity, Severity: manifest.SeverityError, Summary: "A resource quantity does not parse (resources requests and limits, storage sizes).", Remediation: "Write quantities such as 500m, 1.5, 128Mi or 2Gi."},
	{ID: RuleRemovedAPI, Severity: manifest.SeverityError, Summary: "The object's apiVersion is no longer served by the target Kubernetes version.", Remediation: "Move to the replacement API named in the message."},
	{ID: RuleRequired, Severity: manifest.SeverityError, Summary: "A required field is missing.", Remediation: "Add the field."},
	{ID: RuleSchemaError, Severity: manifest.SeverityError, Summary: "A schema could not be loaded or compiled, so the object could not be checked.", Remediation: "Fix the schema location or the CRD named in the message."},
	{ID: RuleSelector, Severity: manifest.SeverityError, Summary: "A Deployment, StatefulSet, DaemonSet, ReplicaSet, Job or ReplicationController selector does not select its own pod template's labels: the API server refuses it.", Remediation: "Make spec.selector select the labels of spec.template.metadata.labels."},
	{ID: RuleType, Severity: manifest.SeverityError, Summary: "A field has the wrong type (a string where an integer belongs, a map where a list belongs).", Remediation: "Write the value with the type the message names; quote or unquote it."},
	{ID: RuleUnknownField, Severity: manifest.SeverityError, Summary: "A field is not in the schema: misspelt, mis-indented, or from another API version.", Remediation: "Remove the field or move it to where it belongs."},
	{ID: RuleUnknownKind, Severity: manifest.SeverityError, Summary: "The object's group is one of Kubernetes' own but no Kubernetes version serves its kind, or its kind in that version: a typo the API server refuses.", Remediation: "Use the kind and apiVersion the message suggests (kinds are case-sensitive)."},
	{ID: RuleVolume, Severity: manifest.SeverityError, Summary: "A volume mount names no volume of its pod, or two volumes share a name.", Remediation: "Add the volume to spec.volumes or fix the mount's name; give each volume its own name."},
}

// severityOf returns the severity of a rule.
func severityOf(id string) manifest.Severity {
	s, ok := manifest.RuleSeverity(rules, id)
	if !ok {
		panic(fmt.Sprintf("validate: unregistered rule %q", id))
	}
	return s
}

// finding builds a finding about obj. field is the dotted path, "" for the
// whole object. The message does not repeat the field: Finding.Field
// carries it, and every report format prints it beside the message.
func finding(obj *manifest.Object, rule, field, msg string) manifest.Finding {
	ref := obj.Ref()
	return manifest.Finding{
		Rule:     rule,
		Severity: severityOf(rule),
		Message:  msg,
		Target:   obj.Origin.Target,
		Object:   &ref,
		Field:    field,
		File:     obj.Origin.File,
		Line:     obj.Origin.Line,
	}
}
