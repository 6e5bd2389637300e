package validate

import (
	"strings"

	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/syncgate/syncgate/manifest"
)

// nativeFindings runs the API server's own checks that OpenAPI schemas do
// not carry (k8s.io/kubernetes pkg/apis/{core,apps,batch,autoscaling,
// policy}/validation): containers, ports, volumes, env, probes,
// resources and the rest of every pod template's spec; workload counts,
// strategies, restart policies, selectors and schedules; Service specs;
// ConfigMap and Secret data; template labels and finalizers; references
// to scale targets and roles; claims' access modes. Their field
// paths and messages are the API server's. builtin says the object's kind
// has an embedded schema, whose walk already reported what list-map keys
// and required fields find; the checks that only the API server's own
// kinds get run only then.
func nativeFindings(obj *manifest.Object, builtin bool) []manifest.Finding {
	var findings []manifest.Finding
	for _, ps := range podSpecs(obj) {
		findings = append(findings, containerFindings(obj, ps, builtin)...)
		findings = append(findings, containerPortFindings(obj, ps)...)
		findings = append(findings, volumeFindings(obj, ps, builtin)...)
		if builtin {
			findings = append(findings, envFindings(obj, ps)...)
			findings = append(findings, probeFindings(obj, ps)...)
			findings = append(findings, resourceFindings(obj, ps)...)
			findings = append(findings, podSpecFindings(obj, ps)...)
		}
	}
	if builtin {
		findings = append(findings, selectorFindings(obj)...)
		findings = append(findings, serviceFindings(obj)...)
		findings = append(findings, serviceSpecFindings(obj)...)
		findings = append(findings, workloadFindings(obj)...)
		findings = append(findings, scheduleFindings(obj)...)
		findings = append(findings, dataFindings(obj)...)
		findings = append(findings, templateMetaFindings(obj)...)
		findings = append(findings, finalizerFindings(obj)...)
		findings = append(findings, referenceFindings(obj)...)
		findings = append(findings, claimFindings(obj)...)
	}
	return findings
}

// podSpec is a pod spec inside an object.
type podSpec struct {
	path *field.Path
	spec map[string]any
}

// podSpecShapes are where objects keep a pod template's spec: workloads
// (Deployment, StatefulSet, DaemonSet, ReplicaSet, ReplicationController,
// Job, and custom ones such as Argo Rollouts, Knative Services, OpenKruise
// CloneSets) under spec.template, CronJobs (and their likes) one level
// deeper. A Pod's own spec and a PodTemplate's template are found by kind:
// spec.containers alone is too common a shape (Prometheus and other
// operators' resources merge such lists into pods they build).
var podSpecShapes = [][]string{
	{"spec", "template", "spec"},
	{"spec", "jobTemplate", "spec", "template", "spec"},
}

// podSpecs returns the pod specs of obj: those of the shapes above that
// hold a list of containers.
func podSpecs(obj *manifest.Object) []podSpec {
	shapes := podSpecShapes
	if obj.Group() == "" {
		switch obj.Kind {
		case "Pod":
			shapes = [][]string{{"spec"}}
		case "PodTemplate":
			shapes = [][]string{{"template", "spec"}}
		}
	}
	var specs []podSpec
	for _, shape := range shapes {
		spec, ok := mapAt(obj.Content, shape...)
		if _, hasContainers := spec["containers"].([]any); ok && hasContainers {
			specs = append(specs, podSpec{path: field.NewPath(shape[0], shape[1:]...), spec: spec})
		}
	}
	return specs
}

// mapAt returns the map at a path of keys through maps.
func mapAt(m map[string]any, keys ...string) (map[string]any, bool) {
	for _, k := range keys {
		next, ok := m[k].(map[string]any)
		if !ok {
			return nil, false
		}
		m = next
	}
	return m, true
}

// item is a map in a list, with its index.
type item struct {
	i int
	m map[string]any
}

// items returns the maps of a list, in order; other items are the schema
// check's business.
func items(v any) []item {
	list, _ := v.([]any)
	out := make([]item, 0, len(list))
	for i, it := range list {
		if m, ok := it.(map[string]any); ok {
			out = append(out, item{i, m})
		}
	}
	return out
}

// containerLists are the lists of a pod spec whose containers the API
// server checks alike, in the order it checks them.
var containerLists = []string{"containers", "initContainers"}

// dnsLabel reports a name that is not a DNS-1123 label, as the API
// server's ValidateDNS1123Label does.
func dnsLabel(name string, p *field.Path) field.ErrorList {
	if dns1123Label(name) {
		return nil
	}
	var errs field.ErrorList
	for _, msg := range validation.IsDNS1123Label(name) {
		errs = append(errs, field.Invalid(p, name, msg))
	}
	return errs
}

// intValue reads a whole number decoded from YAML or JSON.
func intValue(v any) (int64, bool) {
	switch n := v.(type) {
	case int64:
		return n, true
	case float64:
		if n == float64(int64(n)) {
			return int64(n), true
		}
	}
	return 0, false
}

// fieldFindings turns the API server's field errors into findings of a
// rule, worded as the server words them.
func fieldFindings(obj *manifest.Object, rule string, errs field.ErrorList) []manifest.Finding {
	findings := make([]manifest.Finding, 0, len(errs))
	for _, e := range errs {
		findings = append(findings, finding(obj, rule, e.Field, strings.TrimSpace(e.ErrorBody())))
	}
	return findings
}
