package validate

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"runtime"
	"slices"
	"strings"

	"github.com/syncgate/syncgate/internal/parallel"
	"github.com/syncgate/syncgate/manifest"
)

// Validator checks objects against schemas. Build it once with New; it is
// safe for concurrent use.
type Validator struct {
	opts      Options
	missing   manifest.Severity // "" when missing schemas are ignored
	builtins  *builtins
	locations *locations
	// userCRDs are the CRDs of Options.CRDs. WithCRDs adds those found
	// among rendered objects, by target: a target's own CRDs come first,
	// then the user's, then the other targets' (in target order). Each
	// list is loaded the first time a lookup or CRDFindings needs it.
	userCRDs    *crdList
	targetCRDs  map[string]*crdList
	targetOrder []string
	// catalog is the bundled CRD catalogue, consulted last; nil when
	// Options.NoCRDCatalog.
	catalog *crdCatalog
}

// New loads the embedded schemas of the target version and the schema
// locations, and returns a Validator. Schemas, the user's CRDs among them,
// are compiled on first use and cached.
func New(opts Options) (*Validator, error) {
	missing, err := opts.MissingSchemas.severity()
	if err != nil {
		return nil, fmt.Errorf("validate: %w", err)
	}
	if opts.Jobs <= 0 {
		opts.Jobs = runtime.GOMAXPROCS(0)
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	b, err := loadBuiltins(opts.KubernetesVersion)
	if err != nil {
		return nil, fmt.Errorf("validate: kubernetes version: %w", err)
	}
	locs, err := newLocations(opts, kubeconformVersion(b.set.Version))
	if err != nil {
		return nil, fmt.Errorf("validate: %w", err)
	}
	v := &Validator{opts: opts, missing: missing, builtins: b, locations: locs}
	if !opts.NoCRDCatalog {
		v.catalog = newCRDCatalog(b.defs)
	}
	v.userCRDs = &crdList{defs: b.defs, objs: opts.CRDs}
	// CRD directories hold other files too (a kustomization, webhook
	// patches' companions, samples); only CRDs matter here.
	for _, obj := range opts.CRDs {
		if !IsCRD(obj) {
			opts.Logger.Debug("not a CustomResourceDefinition; skipped", "file", obj.Origin.File, "line", obj.Origin.Line, "object", obj.Ref().String())
		}
	}
	return v, nil
}

// KubernetesVersion is the minor version whose schemas are used, such as
// "1.37".
func (v *Validator) KubernetesVersion() string { return v.builtins.set.Version }

// Builtin reports whether obj's kind is built into the Validator's
// Kubernetes version: no CRD or schema location decides how it is
// checked.
func (v *Validator) Builtin(obj *manifest.Object) bool {
	return v.builtins.kinds[gvkOf(obj)].Definition != ""
}

// WithCRDs returns a Validator that also knows the CRDs among objects (a
// whole rendered run: a repository that installs cert-manager and uses
// Certificates needs no flag). An object is checked against the CRDs of
// its own target (Origin.Target) first, then the user's, then those of
// the other targets. A target's CRDs are compiled the first time an
// object needs them, or by CRDFindings.
func (v *Validator) WithCRDs(objects []*manifest.Object) *Validator {
	byTarget := map[string][]*manifest.Object{}
	for _, obj := range objects {
		if IsCRD(obj) {
			byTarget[obj.Origin.Target] = append(byTarget[obj.Origin.Target], obj)
		}
	}
	nv := *v
	nv.targetCRDs = make(map[string]*crdList, len(byTarget))
	nv.targetOrder = slices.Sorted(maps.Keys(byTarget))
	for target, objs := range byTarget {
		nv.targetCRDs[target] = &crdList{defs: v.builtins.defs, objs: objs}
	}
	return &nv
}

// CRDFindings reports the CRDs the API server would refuse: the user's
// (Options.CRDs) and those WithCRDs added, sorted. It compiles every one
// of them that is not yet. Call it once per run so that they are
// reported once; its result depends only on the CRDs (each with its
// Origin) and the Kubernetes version, so a caller may keep it.
func (v *Validator) CRDFindings() []manifest.Finding {
	// One list at a time: compiling several at once raised the peak heap
	// of a check of argo-cd's manifests by 130 MiB.
	_, all := v.userCRDs.load()
	all = slices.Clone(all)
	for _, t := range v.targetOrder {
		_, found := v.targetCRDs[t].load()
		all = append(all, found...)
	}
	manifest.SortFindings(all)
	return all
}

// NeedsCRDs reports whether checking obj may depend on CRDs that WithCRDs
// adds: true for every object whose kind the Kubernetes version does not
// build in (an API that was removed is built in: it is reported as such).
// A caller that checks targets one at a time validates the others at once
// and keeps these until the CRDs of the whole run are known.
func (v *Validator) NeedsCRDs(obj *manifest.Object) bool {
	if obj.APIVersion == "" || obj.Kind == "" {
		return false
	}
	k := gvkOf(obj)
	if _, removed := v.builtins.lifecycleFindings(obj, k); removed {
		return false
	}
	return v.builtins.kinds[k].Definition == ""
}

// Validate checks objects in parallel and returns the findings, sorted.
// When ctx is done it stops early; callers check ctx.Err().
func (v *Validator) Validate(ctx context.Context, objects []*manifest.Object) []manifest.Finding {
	results := make([][]manifest.Finding, len(objects))
	parallel.Do(len(objects), v.opts.Jobs, func(i int) {
		if ctx.Err() == nil {
			results[i] = v.validateObject(ctx, objects[i])
		}
	})
	findings := slices.Concat(results...)
	manifest.SortFindings(findings)
	return findings
}

// validateObject runs every check on one object.
func (v *Validator) validateObject(ctx context.Context, obj *manifest.Object) (findings []manifest.Finding) {
	defer func() {
		if r := recover(); r != nil {
			findings = append(findings, finding(obj, RuleSchemaError, "", internalErrorMessage))
		}
	}()
	if obj.APIVersion == "" || obj.Kind == "" {
		return identityFindings(obj)
	}
	k := gvkOf(obj)
	findings, removed := v.builtins.lifecycleFindings(obj, k)
	if removed {
		return findings
	}
	def := v.builtins.kinds[k].Definition
	findings = append(findings, v.checkSchema(ctx, obj, k, def)...)
	return append(findings, nativeFindings(obj, def != "")...)
}

// checkSchema validates an object against the schema of its kind: the
// embedded one, a CRD's, or one from a schema location.
func (v *Validator) checkSchema(ctx context.Context, obj *manifest.Object, k gvk, def string) []manifest.Finding {
	content := withoutSOPS(obj.Content)
	if def != "" {
		return v.checkBuiltin(obj, content, def)
	}
	m, err := v.crdKind(k, obj.Origin.Target)
	if err != nil {
		return []manifest.Finding{finding(obj, RuleSchemaError, "", err.Error())}
	}
	if m != nil {
		return checkCustom(ctx, obj, content, m)
	}
	sch, err := v.locations.schema(k)
	switch {
	case err != nil:
		return []manifest.Finding{finding(obj, RuleSchemaError, "", err.Error())}
	case sch != nil:
		return append(sch.validate(obj, content), metadataFindings(obj, v.KubernetesVersion())...)
	}
	if f, ok := v.builtins.unknownKindFinding(obj, k); ok {
		return []manifest.Finding{f}
	}
	if f, ok := v.unservedVersionFinding(obj, k); ok {
		return []manifest.Finding{f}
	}
	if v.missing == "" {
		return nil
	}
	f := finding(obj, RuleMissingSchema, "", fmt.Sprintf("no schema for %s %s in Kubernetes %s, the CRDs or the schema locations", k.apiVersion(), k.kind, v.KubernetesVersion()))
	f.Severity = v.missing
	return []manifest.Finding{f}
}

// unservedVersionFinding reports an object whose kind a CRD of its own
// target, or one the user gave, defines, but not in the object's version
// (or with that version not served): the API server has no such kind.
// CRDs of other targets and of the catalogue are left out: the cluster
// may run other versions of them.
func (v *Validator) unservedVersionFinding(obj *manifest.Object, k gvk) (manifest.Finding, bool) {
	var served []string
	crd := ""
	for _, list := range []*crdList{v.targetCRDs[obj.Origin.Target], v.userCRDs} {
		set, _ := list.load()
		if set == nil {
			continue
		}
		for other, ck := range set.kinds {
			if other.group != k.group || other.kind != k.kind {
				continue
			}
			if !slices.Contains(served, other.version) {
				served = append(served, other.version)
			}
			if crd == "" || ck.crd < crd {
				crd = ck.crd
			}
		}
	}
	if len(served) == 0 {
		return manifest.Finding{}, false
	}
	slices.Sort(served)
	msg := fmt.Sprintf("no matches for kind %q in version %q: CustomResourceDefinition %s serves %s", k.kind, k.apiVersion(), crd, strings.Join(served, ", "))
	return finding(obj, RuleUnknownKind, "apiVersion", msg), true
}

type crdMatch struct {
	set  *crdSet
	kind *crdKind
}

// crdKind finds a kind among the CRDs of target, then the user's, then
// the other targets', then the catalogue's: the repository's own CRDs and
// --crds win over the bundled ones for the same group, version and kind.
func (v *Validator) crdKind(k gvk, target string) (*crdMatch, error) {
	lists := []*crdList{v.targetCRDs[target], v.userCRDs}
	for _, t := range v.targetOrder {
		if t != target {
			lists = append(lists, v.targetCRDs[t])
		}
	}
	for _, list := range lists {
		set, _ := list.load()
		if set == nil {
			continue
		}
		if ck, ok := set.kinds[k]; ok {
			return &crdMatch{set, ck}, nil
		}
	}
	return v.catalog.lookup(k)
}

// checkBuiltin validates a built-in object: its schema, then the API
// server's semantic checks.
func (v *Validator) checkBuiltin(obj *manifest.Object, content map[string]any, def string) []manifest.Finding {
	sch, err := v.builtins.schema(def)
	if err != nil {
		return []manifest.Finding{finding(obj, RuleSchemaError, "", fmt.Sprintf("embedded schema %s: %v", def, err))}
	}
	findings := sch.validate(obj, content)
	findings = append(findings, metadataFindings(obj, v.KubernetesVersion())...)
	findings = append(findings, v.builtins.walk(obj, def)...)
	return findings
}

// identityFindings reports an object without apiVersion or kind: nothing
// can say what it is.
func identityFindings(obj *manifest.Object) []manifest.Finding {
	var findings []manifest.Finding
	if obj.APIVersion == "" {
		findings = append(findings, finding(obj, RuleRequired, "apiVersion", "required field is missing"))
	}
	if obj.Kind == "" {
		findings = append(findings, finding(obj, RuleRequired, "kind", "required field is missing"))
	}
	return findings
}

// withoutSOPS hides the top-level sops key, SOPS metadata the secrets
// stage owns, from the schema check.
func withoutSOPS(content map[string]any) map[string]any {
	if _, ok := content["sops"]; !ok {
		return content
	}
	out := make(map[string]any, len(content))
	for k, val := range content {
		if k != "sops" {
			out[k] = val
		}
	}
	return out
}

// internalErrorMessage reports a panic in a library while checking an
// object: the object fails closed.
const internalErrorMessage = "internal error while validating the object"
