package validate

import (
	"fmt"
	"slices"

	"github.com/syncgate/syncgate/manifest"
)

// The rule IDs of this stage.
const (
	RuleUnknownField   = "schema/unknown-field"
	RuleUnknownKind    = "schema/unknown-kind"
	RuleType           = "schema/type"
	RuleRequired       = "schema/required"
	RuleEnum           = "schema/enum"
	RuleFormat         = "schema/format"
	RuleInvalid        = "schema/invalid"
	RuleMissingSchema  = "schema/missing-schema"
	RuleCEL            = "schema/cel"
	RuleName           = "schema/name"
	RuleLabel          = "schema/label"
	RuleAnnotation     = "schema/annotation"
	RuleMetadata       = "schema/metadata"
	RuleQuantity       = "schema/quantity"
	RuleDuplicateKey   = "schema/duplicate-key"
	RuleDeprecatedAPI  = "schema/deprecated-api"
	RuleRemovedAPI     = "schema/removed-api"
	RuleCRDInvalid     = "schema/crd-invalid"
	RuleContainer      = "schema/container"
	RulePort           = "schema/port"
	RuleVolume         = "schema/volume"
	RuleSelector       = "schema/selector"
	RuleSchemaError    = "schema/schema-error"
	RuleDuplicateEntry = "schema/duplicate-entry"
	RuleEnv            = "schema/env"
	RuleProbe          = "schema/probe"
	RuleResources      = "schema/resources"
	RulePodSpec        = "schema/pod-spec"
	RuleService        = "schema/service"
	RuleWorkload       = "schema/workload"
	RuleSchedule       = "schema/schedule"
	RuleData           = "schema/data"
	RuleReference      = "schema/reference"
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
	{ID: RuleData, Severity: manifest.SeverityError, Summary: "A ConfigMap or Secret key is not a valid config key or is in both data and binaryData, a Secret value is not base64, or a Secret lacks the keys its type requires (tls.crt and tls.key, .dockerconfigjson as JSON, username or password, ssh-privatekey).", Remediation: "Use keys of alphanumerics, '-', '_' and '.'; base64-encode data values (or use stringData); add the keys the type needs."},
	{ID: RuleDeprecatedAPI, Severity: manifest.SeverityWarning, Summary: "The object's apiVersion is deprecated in the target Kubernetes version.", Remediation: "Move to the replacement API named in the message."},
	{ID: RuleDuplicateEntry, Severity: manifest.SeverityWarning, Summary: "Two env vars, container ports, host aliases or image pull secrets repeat a key: the API server accepts it with a warning, but the later env var hides the earlier and apply may drop one.", Remediation: "Remove or merge the repeated entry."},
	{ID: RuleDuplicateKey, Severity: manifest.SeverityError, Summary: "Two items of a list keyed by x-kubernetes-list-map-keys (containers by name, ports by port and protocol) share a key.", Remediation: "Merge or rename the duplicate items."},
	{ID: RuleEnum, Severity: manifest.SeverityError, Summary: "A field holds a value outside its allowed set.", Remediation: "Use one of the values the message lists."},
	{ID: RuleEnv, Severity: manifest.SeverityError, Summary: "An env var has an empty or invalid name, both value and valueFrom, a valueFrom without exactly one source, or a fieldRef the downward API does not offer.", Remediation: "Name variables with printable ASCII but '='; set value or valueFrom, not both; use a supported fieldPath such as metadata.name or status.podIP."},
	{ID: RuleFormat, Severity: manifest.SeverityError, Summary: "A string does not have the format its schema requires.", Remediation: "Write the value in the required format."},
	{ID: RuleInvalid, Severity: manifest.SeverityError, Summary: "A value breaks a schema constraint other than type, enum, required or unknown field (pattern, length, range).", Remediation: "Change the value so the constraint in the message holds."},
	{ID: RuleLabel, Severity: manifest.SeverityError, Summary: "A label key or value is not valid.", Remediation: "Label keys are qualified names (optional DNS prefix, name of at most 63 characters); values at most 63 alphanumeric characters, '-', '_' or '.'."},
	{ID: RuleMetadata, Severity: manifest.SeverityError, Summary: "Object metadata other than name, labels and annotations is not valid (namespace, generateName, finalizers, owner references).", Remediation: "Fix the field named in the message."},
	{ID: RuleMissingSchema, Severity: manifest.SeverityWarning, Summary: "No schema is known for the object's kind: neither embedded, nor from a CRD, nor in the bundled CRD catalogue, nor at a schema location.", Remediation: "Pass the CRD with --crds, add a --schema-location, or set --missing-schemas ignore."},
	{ID: RuleName, Severity: manifest.SeverityError, Summary: "The object's name is not valid for its kind (DNS-1123 subdomain, DNS-1123 or DNS-1035 label, path segment, length).", Remediation: "Rename the object as the message says."},
	{ID: RulePodSpec, Severity: manifest.SeverityError, Summary: "A pod spec field is invalid: activeDeadlineSeconds below 1, hostname or serviceAccountName not a DNS name, nodeSelector keys, tolerations, topology spread maxSkew, user or group IDs, privileged without privilege escalation, a volume with two sources, or a subPath that climbs out with '..'.", Remediation: "Fix the field as the message says."},
	{ID: RulePort, Severity: manifest.SeverityError, Summary: "A container or Service port is out of range (containerPort and Service ports 1-65535, hostPort 0-65535), a targetPort is neither a port number nor a port name, or port names are missing, invalid or repeated.", Remediation: "Use port numbers 1-65535; name every port of a Service with more than one, each name once."},
	{ID: RuleProbe, Severity: manifest.SeverityError, Summary: "A liveness, readiness or startup probe has no handler or more than one, an invalid port, a negative timing or threshold, or a successThreshold other than 1 on a liveness or startup probe.", Remediation: "Give each probe exactly one of exec, httpGet, tcpSocket or grpc, with a valid port; keep timings non-negative."},
	{ID: RuleQuantity, Severity: manifest.SeverityError, Summary: "A resource quantity does not parse (resources requests and limits, storage sizes).", Remediation: "Write quantities such as 500m, 1.5, 128Mi or 2Gi."},
	{ID: RuleReference, Severity: manifest.SeverityError, Summary: "A HorizontalPodAutoscaler's scaleTargetRef lacks a kind, a name or an API group in its apiVersion, or a RoleBinding's roleRef names a kind other than Role or ClusterRole (a ClusterRoleBinding's, other than ClusterRole).", Remediation: "Complete the reference: apiVersion apps/v1, kind Deployment and a name for a scale target; kind Role or ClusterRole for a role."},
	{ID: RuleRemovedAPI, Severity: manifest.SeverityError, Summary: "The object's apiVersion is no longer served by the target Kubernetes version.", Remediation: "Move to the replacement API named in the message."},
	{ID: RuleRequired, Severity: manifest.SeverityError, Summary: "A required field is missing.", Remediation: "Add the field."},
	{ID: RuleResources, Severity: manifest.SeverityError, Summary: "A container's requests or limits name a resource containers cannot ask for, are negative, or request more than the limit (extended resources: other than the limit).", Remediation: "Use cpu, memory, ephemeral-storage, hugepages-<size> or a domain-qualified extended resource; keep requests at or below limits."},
	{ID: RuleSchedule, Severity: manifest.SeverityError, Summary: "A CronJob's schedule is not a standard five-field cron expression or descriptor, carries TZ or CRON_TZ, or its timeZone is not a known IANA time zone.", Remediation: "Write the schedule as 'minute hour day month weekday' (or @daily) and put the time zone in spec.timeZone."},
	{ID: RuleSchemaError, Severity: manifest.SeverityError, Summary: "A schema could not be loaded or compiled, so the object could not be checked.", Remediation: "Fix the schema location or the CRD named in the message."},
	{ID: RuleSelector, Severity: manifest.SeverityError, Summary: "A Deployment, StatefulSet, DaemonSet, ReplicaSet, Job or ReplicationController selector does not select its own pod template's labels: the API server refuses it.", Remediation: "Make spec.selector select the labels of spec.template.metadata.labels."},
	{ID: RuleService, Severity: manifest.SeverityError, Summary: "A Service's spec does not fit its type: no ports on a non-headless Service, a missing or invalid externalName, an invalid cluster or external IP, a nodePort on a ClusterIP Service, externalTrafficPolicy on one not reachable from outside, or invalid loadBalancerSourceRanges.", Remediation: "Fix the field as the message says, or change the Service's type."},
	{ID: RuleType, Severity: manifest.SeverityError, Summary: "A field has the wrong type (a string where an integer belongs, a map where a list belongs).", Remediation: "Write the value with the type the message names; quote or unquote it."},
	{ID: RuleUnknownField, Severity: manifest.SeverityError, Summary: "A field is not in the schema: misspelt, mis-indented, or from another API version.", Remediation: "Remove the field or move it to where it belongs."},
	{ID: RuleUnknownKind, Severity: manifest.SeverityError, Summary: "The object's group is one of Kubernetes' own but no Kubernetes version serves its kind, or its kind in that version: a typo the API server refuses; or a CRD of the object's target (or given with --crds) defines its kind but does not serve its version.", Remediation: "Use the kind and apiVersion the message suggests (kinds are case-sensitive)."},
	{ID: RuleVolume, Severity: manifest.SeverityError, Summary: "A volume mount names no volume of its pod, two volumes share a name, or a PersistentVolumeClaim (or a StatefulSet's claim template) has no access modes.", Remediation: "Add the volume to spec.volumes or fix the mount's name; give each volume its own name; give each claim accessModes such as [ReadWriteOnce]."},
	{ID: RuleWorkload, Severity: manifest.SeverityError, Summary: "A workload's spec is invalid after defaulting: negative counts or limits, a Deployment strategy that cannot roll, a restart policy the kind does not allow, an empty or invalid selector, a Job selector that was not generated, HorizontalPodAutoscaler or PodDisruptionBudget bounds that contradict each other.", Remediation: "Fix the field as the message says."},
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
