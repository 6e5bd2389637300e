package change

import (
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/syncgate/syncgate/manifest"
)

// Rule IDs of the change checks.
const (
	RuleImmutableSelector = "change/immutable-selector"
	RuleStatefulSetSpec   = "change/statefulset-forbidden-field"
	RuleServiceClusterIP  = "change/service-cluster-ip"
	RuleServiceType       = "change/service-external-name"
	RulePVCSpec           = "change/pvc-immutable-field"
	RuleJobTemplate       = "change/job-template"
	RuleImmutableData     = "change/immutable-data"
	RulePruneDataLoss     = "change/prune-data-loss"
	RuleCRDStorageVersion = "change/crd-storage-version"
	RuleCELTransition     = "change/cel-transition"
	RuleBaseRender        = "change/base-render-failed"
)

// Rules lists the rules of the change checks.
func Rules() []manifest.Rule {
	return []manifest.Rule{
		{ID: RuleImmutableSelector, Severity: manifest.SeverityError,
			Summary:     "The change edits the selector of a Deployment, StatefulSet, DaemonSet, ReplicaSet or Job, which the API server refuses to update, so the sync fails.",
			Remediation: "Keep the selector, or give the workload a new name so that it is replaced (and the old one pruned)."},
		{ID: RuleStatefulSetSpec, Severity: manifest.SeverityError,
			Summary:     "The change edits a StatefulSet field other than replicas, ordinals, template, updateStrategy, revisionHistoryLimit, persistentVolumeClaimRetentionPolicy and minReadySeconds; the API server forbids it.",
			Remediation: "Revert the field, or delete the StatefulSet with --cascade=orphan and let the operator create it again."},
		{ID: RuleServiceClusterIP, Severity: manifest.SeverityError,
			Summary:     "The change edits a Service's clusterIP (or clusterIPs), which cannot change once allocated.",
			Remediation: "Leave clusterIP unset or as it is; replace the Service to move it."},
		{ID: RuleServiceType, Severity: manifest.SeverityWarning,
			Summary:     "The change moves a Service away from type ExternalName: the API server then allocates a cluster IP and DNS stops returning the external name.",
			Remediation: "Check that clients expect the new address; otherwise create a new Service."},
		{ID: RulePVCSpec, Severity: manifest.SeverityError,
			Summary:     "The change edits a PersistentVolumeClaim's storageClassName or accessModes, which the API server refuses after the claim is bound.",
			Remediation: "Create a new claim and migrate the data; only resources.requests may grow in place."},
		{ID: RuleJobTemplate, Severity: manifest.SeverityError,
			Summary:     "The change edits a Job's pod template, which is immutable: the sync fails until the Job is deleted.",
			Remediation: "Rename the Job (or let the operator replace it, such as Argo CD's Replace=true), so that a new one runs."},
		{ID: RuleImmutableData, Severity: manifest.SeverityError,
			Summary:     "The change edits the data of a ConfigMap or Secret marked immutable: true, which the API server refuses.",
			Remediation: "Create a ConfigMap or Secret with a new name (kustomize's generators add a content hash) and point the workloads at it."},
		{ID: RulePruneDataLoss, Severity: manifest.SeverityError,
			Summary:     "The change removes a PersistentVolumeClaim, Namespace, CustomResourceDefinition or StatefulSet with volumeClaimTemplates: when the operator prunes, stored data is deleted with it.",
			Remediation: "Make sure the data may go, or keep the object (Argo CD: Prune=false; Flux: kustomize.toolkit.fluxcd.io/prune: disabled)."},
		{ID: RuleCRDStorageVersion, Severity: manifest.SeverityError,
			Summary:     "The change removes or stops serving a CustomResourceDefinition version that was the storage version: objects stored in it cannot be read.",
			Remediation: "Keep the version served until stored objects are migrated and status.storedVersions no longer lists it."},
		{ID: RuleCELTransition, Severity: manifest.SeverityError,
			Summary:     "The change breaks a CRD's transition rule (x-kubernetes-validations using oldSelf), evaluated with the base object as old and the head object as new.",
			Remediation: "Change the object as the rule's message allows."},
		{ID: RuleBaseRender, Severity: manifest.SeverityWarning,
			Summary:     "The target failed to render at the base revision, so what the change does to its objects is unknown.",
			Remediation: "Nothing to do for the change; its objects are checked at head as usual."},
	}
}

// Check reports the changes the API server would refuse or that lose
// data when the operator prunes. It reads Base and Head only.
func Check(objects []Object) []manifest.Finding {
	var findings []manifest.Finding
	for _, o := range objects {
		switch o.Change {
		case Modified:
			findings = append(findings, modified(o)...)
		case Removed:
			findings = append(findings, removed(o)...)
		}
	}
	manifest.SortFindings(findings)
	return findings
}

// selectorKinds have an immutable spec.selector, by group.
var selectorKinds = map[string][]string{
	"apps":  {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet"},
	"batch": {"Job"},
}

// statefulSetMutable are the StatefulSet spec fields the API server lets
// an update change.
var statefulSetMutable = []string{"replicas", "ordinals", "template", "updateStrategy", "revisionHistoryLimit", "persistentVolumeClaimRetentionPolicy", "minReadySeconds", "selector"}

func modified(o Object) []manifest.Finding {
	b, h := o.Base.Content, o.Head.Content
	group := o.Head.Group()
	var findings []manifest.Finding
	add := func(rule, field, msg string) {
		findings = append(findings, finding(o, rule, field, msg))
	}
	if slices.Contains(selectorKinds[group], o.Kind) && changed(b, h, "spec", "selector") {
		add(RuleImmutableSelector, "spec.selector", fmt.Sprintf("%s's spec.selector is immutable: the update is refused", o.Kind))
	}
	switch {
	case group == "apps" && o.Kind == "StatefulSet":
		bs, _ := get(b, "spec").(map[string]any)
		hs, _ := get(h, "spec").(map[string]any)
		for _, k := range unionKeys(bs, hs) {
			if !slices.Contains(statefulSetMutable, k) && !reflect.DeepEqual(bs[k], hs[k]) {
				add(RuleStatefulSetSpec, "spec."+k, "StatefulSet spec."+k+" cannot change: only replicas, ordinals, template, updateStrategy, revisionHistoryLimit, persistentVolumeClaimRetentionPolicy and minReadySeconds may")
			}
		}
	case group == "batch" && o.Kind == "Job":
		if changed(b, h, "spec", "template") {
			add(RuleJobTemplate, "spec.template", "a Job's spec.template is immutable: the update is refused")
		}
	case group == "" && o.Kind == "Service":
		for _, f := range []string{"clusterIP", "clusterIPs"} {
			bv, hv := get(b, "spec", f), get(h, "spec", f)
			switch {
			case set(bv) && set(hv) && !reflect.DeepEqual(bv, hv):
				add(RuleServiceClusterIP, "spec."+f, fmt.Sprintf("spec.%s cannot change once allocated (%s to %s)", f, scalar(bv), scalar(hv)))
			case !set(bv) && headless(hv) && get(b, "spec", "type") != "ExternalName":
				// The base's IP was allocated by the API server.
				add(RuleServiceClusterIP, "spec."+f, fmt.Sprintf("spec.%s cannot change once allocated: a Service with a cluster IP cannot become headless", f))
			}
		}
		if get(b, "spec", "type") == "ExternalName" && get(h, "spec", "type") != "ExternalName" {
			add(RuleServiceType, "spec.type", fmt.Sprintf("the Service moves from ExternalName to %s", scalar(typeOr(get(h, "spec", "type")))))
		}
	case group == "" && o.Kind == "PersistentVolumeClaim":
		for _, f := range []string{"storageClassName", "accessModes"} {
			if changed(b, h, "spec", f) {
				add(RulePVCSpec, "spec."+f, "a bound PersistentVolumeClaim's spec."+f+" cannot change")
			}
		}
	case group == "" && (o.Kind == "ConfigMap" || o.Kind == "Secret"):
		if get(b, "immutable") == true {
			for _, f := range []string{"data", "binaryData", "stringData"} {
				if changed(b, h, f) {
					add(RuleImmutableData, f, fmt.Sprintf("the %s is immutable: true, so its %s cannot change", o.Kind, f))
				}
			}
			if get(h, "immutable") != true {
				add(RuleImmutableData, "immutable", fmt.Sprintf("an immutable %s cannot become mutable again", o.Kind))
			}
		}
	case group == "apiextensions.k8s.io" && o.Kind == "CustomResourceDefinition":
		findings = append(findings, storageVersions(o)...)
	}
	return findings
}

func removed(o Object) []manifest.Finding {
	c := o.Base.Content
	msg := ""
	sev := manifest.SeverityError
	switch group := o.Base.Group(); {
	case group == "" && o.Kind == "PersistentVolumeClaim":
		msg = "the PersistentVolumeClaim is removed: pruning it deletes its volume's data unless the PersistentVolume's reclaim policy is Retain"
	case group == "" && o.Kind == "Namespace":
		msg = "the Namespace is removed: pruning it deletes every object in it, those no repository manages included"
	case group == "apiextensions.k8s.io" && o.Kind == "CustomResourceDefinition":
		msg = "the CustomResourceDefinition is removed: pruning it deletes every object of its kinds in the cluster"
	case group == "apps" && o.Kind == "StatefulSet":
		vct, _ := get(c, "spec", "volumeClaimTemplates").([]any)
		if len(vct) == 0 {
			return nil
		}
		msg = "the StatefulSet with volumeClaimTemplates is removed: its claims stay unless persistentVolumeClaimRetentionPolicy.whenDeleted is Delete"
		sev = manifest.SeverityWarning
		if get(c, "spec", "persistentVolumeClaimRetentionPolicy", "whenDeleted") == "Delete" {
			msg = "the StatefulSet is removed and its persistentVolumeClaimRetentionPolicy.whenDeleted is Delete: pruning it deletes its volumes' data"
			sev = manifest.SeverityError
		}
	default:
		return nil
	}
	f := finding(o, RulePruneDataLoss, "", msg)
	f.Severity = sev
	return []manifest.Finding{f}
}

// storageVersions reports a CRD's storage version removed or unserved.
func storageVersions(o Object) []manifest.Finding {
	heads := map[string]map[string]any{}
	hv, _ := get(o.Head.Content, "spec", "versions").([]any)
	for _, v := range hv {
		if m, ok := v.(map[string]any); ok {
			name, _ := m["name"].(string)
			heads[name] = m
		}
	}
	var findings []manifest.Finding
	bv, _ := get(o.Base.Content, "spec", "versions").([]any)
	for _, v := range bv {
		m, ok := v.(map[string]any)
		if !ok || m["storage"] != true {
			continue
		}
		name, _ := m["name"].(string)
		h, ok := heads[name]
		switch {
		case !ok:
			findings = append(findings, finding(o, RuleCRDStorageVersion, "spec.versions", fmt.Sprintf("version %s, the storage version at base, is removed: objects stored in it cannot be read", name)))
		case h["served"] == false:
			findings = append(findings, finding(o, RuleCRDStorageVersion, "spec.versions", fmt.Sprintf("version %s, the storage version at base, is no longer served", name)))
		}
	}
	return findings
}

// finding reports on an object at head, or at base when it was removed.
func finding(o Object, rule, field, msg string) manifest.Finding {
	obj := o.Head
	if obj == nil {
		obj = o.Base
	}
	ref := obj.Ref()
	sev, _ := manifest.RuleSeverity(Rules(), rule)
	return manifest.Finding{Rule: rule, Severity: sev, Message: msg, Target: o.Target, Object: &ref, Field: field, File: obj.Origin.File, Line: obj.Origin.Line}
}

// get reads a nested field of decoded content, or nil.
func get(m map[string]any, path ...string) any {
	var v any = m
	for _, p := range path {
		mm, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = mm[p]
	}
	return v
}

func changed(b, h map[string]any, path ...string) bool {
	return !reflect.DeepEqual(get(b, path...), get(h, path...))
}

// headless reports whether a clusterIP or clusterIPs value is "None".
func headless(v any) bool {
	return v == "None" || reflect.DeepEqual(v, []any{"None"})
}

// set reports whether a clusterIP is set: neither absent nor "".
func set(v any) bool {
	if s, ok := v.(string); ok {
		return s != ""
	}
	return v != nil
}

func typeOr(v any) any {
	if v == nil {
		return "ClusterIP"
	}
	return v
}

// scalar formats a value for a message.
func scalar(v any) string {
	if l, ok := v.([]any); ok {
		parts := make([]string, len(l))
		for i, e := range l {
			parts[i] = fmt.Sprint(e)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	}
	return fmt.Sprint(v)
}

func unionKeys(a, b map[string]any) []string {
	var keys []string
	for k := range a {
		keys = append(keys, k)
	}
	for k := range b {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return slices.Compact(keys)
}
