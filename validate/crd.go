package validate

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"

	"k8s.io/apiextensions-apiserver/pkg/apis/apiextensions"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	crdvalidation "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/validation"
	structuralschema "k8s.io/apiextensions-apiserver/pkg/apiserver/schema"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/cel"
	"k8s.io/apimachinery/pkg/util/validation/field"
	celconfig "k8s.io/apiserver/pkg/apis/cel"
	sigsjson "sigs.k8s.io/json"

	"github.com/syncgate/syncgate/manifest"
)

// crdKind is one served version of a CRD's kind, ready to check objects.
type crdKind struct {
	crd        string // the CRD's name, for messages
	namespaced bool
	url        string // where its JSON schema is added to the compiler
	doc        any    // its JSON schema
	structural *structuralschema.Structural
	// cel evaluates the x-kubernetes-validations rules; nil when there
	// are none or the CRD is invalid (the server would not accept it).
	cel *cel.Validator
}

// crdSet holds the kinds defined by a list of CRDs and compiles their
// schemas on demand.
type crdSet struct {
	kinds map[gvk]*crdKind
	cache *schemaCache
}

// IsCRD reports whether obj is a CustomResourceDefinition of any version.
func IsCRD(obj *manifest.Object) bool {
	return obj.Kind == "CustomResourceDefinition" && obj.Group() == "apiextensions.k8s.io"
}

// loadCRDs reads the CRDs among objs; later CRDs replace earlier ones that
// define the same kind and version. Findings report CRDs the API server
// would refuse; such a CRD is still used as far as its schema allows, so
// that its objects are checked.
func loadCRDs(defs *definitions, objs []*manifest.Object) (*crdSet, []manifest.Finding) {
	set := &crdSet{kinds: map[gvk]*crdKind{}}
	var findings []manifest.Finding
	for _, obj := range objs {
		if !IsCRD(obj) || obj.Version() != "v1" {
			// v1beta1 CRDs are reported by the removed-API check.
			continue
		}
		if set.cache == nil {
			set.cache = newSchemaCache(defs.compiler())
		}
		findings = append(findings, set.add(obj, false)...)
	}
	return set, findings
}

// crdList is a list of CRDs loaded on first use: compiling them (the API
// server's CRD validation, structural schemas, CEL) costs seconds on a
// large repository, which a check whose custom objects all come from the
// result cache never needs.
type crdList struct {
	defs     *definitions
	objs     []*manifest.Object
	once     sync.Once
	set      *crdSet
	findings []manifest.Finding
}

// load loads the list once.
func (l *crdList) load() (*crdSet, []manifest.Finding) {
	if l == nil {
		return nil, nil
	}
	l.once.Do(func() { l.set, l.findings = loadCRDs(l.defs, l.objs) })
	return l.set, l.findings
}

// loadCheckedCRD reads a CRD that is known to be valid (the catalogue's,
// checked by catalogen and the tests) without the API server's CRD
// validation, which costs as much as the rest of the loading.
func loadCheckedCRD(defs *definitions, obj *manifest.Object) (*crdSet, []manifest.Finding) {
	set := &crdSet{kinds: map[gvk]*crdKind{}, cache: newSchemaCache(defs.compiler())}
	return set, set.add(obj, true)
}

// add loads one CRD, recovering from a panic in the apiserver's code on
// hostile input as a finding. checked skips the server's validation of
// the CRD itself.
func (s *crdSet) add(obj *manifest.Object, checked bool) (findings []manifest.Finding) {
	defer func() {
		if r := recover(); r != nil {
			findings = append(findings, finding(obj, RuleCRDInvalid, "", "the CustomResourceDefinition could not be read"))
		}
	}()
	crd, internal, err := decodeCRD(obj)
	if err != nil {
		return []manifest.Finding{finding(obj, RuleCRDInvalid, "", err.Error())}
	}
	var errs field.ErrorList
	if !checked {
		// The server's CRD validation takes a context it does not stop on;
		// CEL's cost limits bound it.
		errs = crdvalidation.ValidateCustomResourceDefinition(context.Background(), internal)
	}
	for _, e := range errs {
		findings = append(findings, finding(obj, RuleCRDInvalid, fieldOf(e.Field), fieldErrorMessage(e)))
	}
	valid := len(errs) == 0
	for i := range crd.Spec.Versions {
		v := &crd.Spec.Versions[i]
		if !v.Served || v.Schema == nil || v.Schema.OpenAPIV3Schema == nil {
			continue
		}
		k := &crdKind{crd: crd.Name, namespaced: crd.Spec.Scope == apiextensionsv1.NamespaceScoped}
		k.url = fmt.Sprintf("mem:///crd/%s/%s.json", crd.Name, v.Name)
		doc, formats, err := crdJSONSchema(v.Schema.OpenAPIV3Schema)
		if err != nil {
			findings = append(findings, finding(obj, RuleCRDInvalid, fmt.Sprintf("spec.versions[%d].schema.openAPIV3Schema", i), err.Error()))
			continue
		}
		s.cache.assertFormats(formats)
		k.doc = doc
		var internalProps apiextensions.JSONSchemaProps
		if err := apiextensionsv1.Convert_v1_JSONSchemaProps_To_apiextensions_JSONSchemaProps(v.Schema.OpenAPIV3Schema, &internalProps, nil); err == nil {
			if st, err := structuralschema.NewStructural(&internalProps); err == nil {
				k.structural = st
				if valid {
					k.cel = cel.NewValidator(st, true, celconfig.PerCallLimit)
				}
			}
		}
		s.kinds[gvk{crd.Spec.Group, v.Name, crd.Spec.Names.Kind}] = k
	}
	return findings
}

// decodeCRD reads a v1 CRD from decoded content, applies the server's
// defaults and prepares it for validation as the server does on create.
func decodeCRD(obj *manifest.Object) (*apiextensionsv1.CustomResourceDefinition, *apiextensions.CustomResourceDefinition, error) {
	data, err := json.Marshal(obj.Content)
	if err != nil {
		return nil, nil, err
	}
	// Case-sensitive, as the API server reads it: a "Spec" key is not spec.
	crd := &apiextensionsv1.CustomResourceDefinition{}
	if err := sigsjson.UnmarshalCaseSensitivePreserveInts(data, crd); err != nil {
		return nil, nil, fmt.Errorf("not a CustomResourceDefinition: %w", err)
	}
	apiextensionsv1.SetObjectDefaults_CustomResourceDefinition(crd)
	internal := &apiextensions.CustomResourceDefinition{}
	if err := apiextensionsv1.Convert_v1_CustomResourceDefinition_To_apiextensions_CustomResourceDefinition(crd, internal, nil); err != nil {
		return nil, nil, err
	}
	internal.Status = apiextensions.CustomResourceDefinitionStatus{}
	internal.Generation = 1
	for _, v := range internal.Spec.Versions {
		if v.Storage {
			internal.Status.StoredVersions = []string{v.Name}
			break
		}
	}
	return crd, internal, nil
}

// schema returns the compiled JSON schema of a kind.
func (s *crdSet) schema(k *crdKind) (*checker, error) {
	return s.cache.get(k.url, k.doc)
}

// fieldOf renders an apimachinery field path, "" for the root.
func fieldOf(p string) string {
	if p == "<nil>" {
		return ""
	}
	return p
}

// fieldErrorMessage is an apimachinery field error's type and detail,
// without the value, which may be large or secret.
func fieldErrorMessage(e *field.Error) string {
	if e.Detail == "" {
		return e.Type.String()
	}
	return e.Type.String() + ": " + e.Detail
}
