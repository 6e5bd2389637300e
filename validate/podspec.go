package validate

import (
	"fmt"
	"math"
	"path"
	"strings"

	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/syncgate/syncgate/manifest"
)

// podSpecFindings checks the fields of a pod spec that ValidatePodSpec
// checks beyond containers, ports, volumes' names, env, probes and
// resources (their own rules): activeDeadlineSeconds, hostname,
// serviceAccountName, nodeSelector keys, tolerations, topology spread
// constraints, security contexts, volume sources and mount subPaths.
// A StatefulSet's hostname is the controller's to set (the server clears
// it before validating the template), so it is not checked there.
func podSpecFindings(obj *manifest.Object, ps podSpec) []manifest.Finding {
	s, p := ps.spec, ps.path
	var errs field.ErrorList
	if n, ok := intValue(s["activeDeadlineSeconds"]); ok && (n < 1 || n > math.MaxInt32) {
		errs = append(errs, field.Invalid(p.Child("activeDeadlineSeconds"), n, validation.InclusiveRangeError(1, math.MaxInt32)))
	}
	if h, _ := s["hostname"].(string); h != "" && !(obj.Group() == "apps" && obj.Kind == "StatefulSet") {
		errs = append(errs, dnsLabel(h, p.Child("hostname"))...)
	}
	if sa, _ := s["serviceAccountName"].(string); sa != "" && !dnsSubdomain(sa) {
		for _, msg := range validation.IsDNS1123Subdomain(sa) {
			errs = append(errs, field.Invalid(p.Child("serviceAccountName"), sa, msg))
		}
	}
	if raw, ok := s["nodeSelector"].(map[string]any); ok {
		if sel, ok := stringMap(raw); ok && !validLabels(sel) {
			errs = append(errs, metav1validation.ValidateLabels(sel, p.Child("nodeSelector"))...)
		}
	}
	errs = append(errs, tolerations(s, p.Child("tolerations"))...)
	errs = append(errs, spreadConstraints(s, p.Child("topologySpreadConstraints"))...)
	if sc, ok := s["securityContext"].(map[string]any); ok {
		errs = append(errs, idFields(sc, p.Child("securityContext"))...)
	}
	for _, list := range containerLists {
		for _, c := range items(s[list]) {
			cp := p.Child(list).Index(c.i)
			if sc, ok := c.m["securityContext"].(map[string]any); ok {
				errs = append(errs, containerSecurityContext(sc, cp.Child("securityContext"))...)
			}
			for _, m := range items(c.m["volumeMounts"]) {
				if sub, _ := m.m["subPath"].(string); sub != "" {
					// The server names the list, not the mount.
					errs = append(errs, descendingPath(sub, cp.Child("volumeMounts", "subPath"))...)
				}
			}
		}
	}
	for _, v := range items(s["volumes"]) {
		errs = append(errs, volumeSources(v.m, p.Child("volumes").Index(v.i))...)
	}
	findings := fieldFindings(obj, RulePodSpec, errs)
	return append(findings, fieldFindings(obj, RuleDuplicateKey, repeatedSpreadConstraints(s, p.Child("topologySpreadConstraints")))...)
}

// spreadConstraints checks that each topology spread constraint allows
// some skew.
func spreadConstraints(s map[string]any, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	for _, c := range items(s["topologySpreadConstraints"]) {
		if n, ok := intValue(c.m["maxSkew"]); ok && n <= 0 {
			errs = append(errs, field.Invalid(p.Index(c.i).Child("maxSkew"), n, "must be greater than zero"))
		}
	}
	return errs
}

// repeatedSpreadConstraints reports a topology spread constraint whose
// topologyKey and whenUnsatisfiable a later one repeats. The server names
// the earlier one, with the pair as a pseudo-field.
func repeatedSpreadConstraints(s map[string]any, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	constraints := items(s["topologySpreadConstraints"])
	for i, c := range constraints {
		key, when := stringOf(c.m["topologyKey"]), stringOf(c.m["whenUnsatisfiable"])
		for _, later := range constraints[i+1:] {
			if stringOf(later.m["topologyKey"]) == key && stringOf(later.m["whenUnsatisfiable"]) == when {
				errs = append(errs, field.Duplicate(p.Index(c.i).Child("{topologyKey, whenUnsatisfiable}"), fmt.Sprintf("{%s, %s}", key, when)))
				break
			}
		}
	}
	return errs
}

// tolerations checks a pod's tolerations as ValidateTolerations does.
func tolerations(s map[string]any, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	for _, t := range items(s["tolerations"]) {
		tp := p.Index(t.i)
		key, _ := t.m["key"].(string)
		op, _ := t.m["operator"].(string)
		value, _ := t.m["value"].(string)
		effect, _ := t.m["effect"].(string)
		switch {
		case key == "" && op != "Exists":
			errs = append(errs, field.Invalid(tp.Child("operator"), op, "operator must be Exists when `key` is empty, which means \"match all values and all keys\""))
		case key != "" && !labelKey(key):
			errs = append(errs, metav1validation.ValidateLabelName(key, tp.Child("key"))...)
		}
		if t.m["tolerationSeconds"] != nil && effect != "NoExecute" {
			errs = append(errs, field.Invalid(tp.Child("effect"), effect, "effect must be 'NoExecute' when `tolerationSeconds` is set"))
		}
		switch op {
		case "", "Equal":
			if !labelValue(value) {
				errs = append(errs, field.Invalid(tp.Child("operator"), value, strings.Join(validation.IsValidLabelValue(value), ";")))
			}
		case "Exists":
			if value != "" {
				errs = append(errs, field.Invalid(tp.Child("operator"), value, "value must be empty when `operator` is 'Exists'"))
			}
		}
	}
	return errs
}

// idFields checks the user and group IDs of a security context, as
// ValidatePodSecurityContext and ValidateSecurityContext do.
func idFields(sc map[string]any, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if n, ok := intValue(sc["runAsUser"]); ok {
		for _, msg := range validation.IsValidUserID(n) {
			errs = append(errs, field.Invalid(p.Child("runAsUser"), n, msg))
		}
	}
	if n, ok := intValue(sc["runAsGroup"]); ok {
		for _, msg := range validation.IsValidGroupID(n) {
			errs = append(errs, field.Invalid(p.Child("runAsGroup"), n, msg))
		}
	}
	return errs
}

// containerSecurityContext checks a container's security context: its
// IDs, and that privilege escalation is not refused to a container that
// is privileged or adds CAP_SYS_ADMIN, which always escalates.
func containerSecurityContext(sc map[string]any, p *field.Path) field.ErrorList {
	errs := idFields(sc, p)
	if sc["allowPrivilegeEscalation"] != false {
		return errs
	}
	if sc["privileged"] == true {
		errs = append(errs, field.Invalid(p, sc, "cannot set `allowPrivilegeEscalation` to false and `privileged` to true"))
	}
	caps, _ := mapAt(sc, "capabilities")
	added, _ := caps["add"].([]any)
	for _, c := range added {
		if c == "CAP_SYS_ADMIN" || c == "SYS_ADMIN" {
			errs = append(errs, field.Invalid(p, sc, "cannot set `allowPrivilegeEscalation` to false and `capabilities.Add` CAP_SYS_ADMIN"))
		}
	}
	return errs
}

// descendingPath reports a subPath that is absolute or steps up with
// '..', as validateLocalDescendingPath does.
func descendingPath(sub string, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if path.IsAbs(sub) {
		errs = append(errs, field.Invalid(p, sub, "must be a relative path"))
	}
	for _, part := range strings.Split(strings.ReplaceAll(sub, `\`, "/"), "/") {
		if part == ".." {
			errs = append(errs, field.Invalid(p, sub, "must not contain '..'"))
			break
		}
	}
	return errs
}

// volumeSourceKeys are the sources of a volume, in the order the server's
// validateVolumeSource looks at them: the second one it meets is the one
// it names.
var volumeSourceKeys = []string{
	"emptyDir", "hostPath", "gitRepo", "gcePersistentDisk", "awsElasticBlockStore", "secret", "nfs", "iscsi",
	"glusterfs", "flocker", "persistentVolumeClaim", "rbd", "cinder", "cephfs", "quobyte", "downwardAPI", "fc",
	"flexVolume", "configMap", "azureFile", "vsphereVolume", "photonPersistentDisk", "portworxVolume",
	"azureDisk", "storageos", "projected", "scaleIO", "csi", "ephemeral", "image",
}

// volumeSources reports a volume with more than one source. One with none
// is an emptyDir after defaulting.
func volumeSources(v map[string]any, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	found := 0
	for _, k := range volumeSourceKeys {
		if v[k] == nil {
			continue
		}
		if found++; found > 1 {
			errs = append(errs, field.Forbidden(p.Child(k), "may not specify more than 1 volume type"))
		}
	}
	return errs
}
