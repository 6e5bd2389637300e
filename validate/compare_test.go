package validate

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"

	"github.com/syncgate/syncgate/manifest"
)

// TestCompareKubeconform counts the corpus cases syncgate and the
// kubeconform CLI get right, with the same embedded schemas (in
// kubeconform's layout) and the corpus CRDs converted to JSON schemas.
// testdata/compare-kubeconform.sh sets it up; without its environment the
// test is skipped.
//
// A case is an annotation (right when a finding of that object names the
// field; for kubeconform, an error at the field or naming it from its
// parent, or for whole-object annotations any error on the object) or an
// object of valid/ (right when it has no error).
func TestCompareKubeconform(t *testing.T) {
	bin, schemas := os.Getenv("KUBECONFORM"), os.Getenv("KUBECONFORM_SCHEMAS")
	if bin == "" || schemas == "" {
		t.Skip("set KUBECONFORM and KUBECONFORM_SCHEMAS (see testdata/compare-kubeconform.sh)")
	}
	crdDir := t.TempDir()
	writeCRDSchemas(t, crdDir, corpusCRDs(t))
	v := newCorpusValidator(t)
	var cases, ours, theirs int
	for _, cf := range corpusFiles(t) {
		findings := check(v, cf.objects)
		kc := runKubeconform(t, bin, schemas, crdDir, cf)
		for _, obj := range cf.objects {
			wants := wantsOf(cf, obj)
			if len(wants) == 0 && strings.HasPrefix(cf.path, "valid/") {
				cases++
				if !hasError(findings, obj) {
					ours++
				}
				if r, ok := kc[obj.Kind+"/"+obj.Name]; !ok || r.Status == "statusValid" {
					theirs++
				} else {
					t.Logf("kubeconform wrong on valid %s %s/%s: %s %s", cf.path, obj.Kind, obj.Name, r.Msg, r.ValidationErrors)
				}
			}
			for _, w := range wants {
				cases++
				if hasFinding(findings, w) {
					ours++
				}
				if kubeconformCaught(kc[obj.Kind+"/"+obj.Name], w) {
					theirs++
				} else {
					r := kc[obj.Kind+"/"+obj.Name]
					t.Logf("kubeconform missed %s %s (%s %s %v)", cf.path, w, r.Status, r.Msg, r.ValidationErrors)
				}
			}
		}
	}
	fmt.Printf("corpus cases: %d; syncgate right: %d; kubeconform v0.8.0 right: %d\n", cases, ours, theirs)
}

func wantsOf(cf corpusFile, obj *manifest.Object) []want {
	var out []want
	for _, w := range cf.wants {
		if w.Line == obj.Origin.Line {
			out = append(out, w)
		}
	}
	return out
}

func hasError(findings []manifest.Finding, obj *manifest.Object) bool {
	for _, f := range findings {
		if f.Line == obj.Origin.Line && f.Severity == manifest.SeverityError {
			return true
		}
	}
	return false
}

func hasFinding(findings []manifest.Finding, w want) bool {
	for _, f := range findings {
		if f.Line == w.Line && f.Rule == w.Rule && f.Field == w.Field {
			return true
		}
	}
	return false
}

type kcResult struct {
	Kind             string `json:"kind"`
	Name             string `json:"name"`
	Status           string `json:"status"`
	Msg              string `json:"msg"`
	ValidationErrors []struct {
		Path string `json:"path"`
		Msg  string `json:"msg"`
	} `json:"validationErrors"`
}

// runKubeconform validates one corpus file with the CLI, strict, and
// returns its results by kind/name.
func runKubeconform(t *testing.T, bin, schemas, crdDir string, cf corpusFile) map[string]kcResult {
	t.Helper()
	cmd := exec.Command(bin, "-strict", "-output", "json", "-kubernetes-version", "1.37.0",
		"-schema-location", schemas,
		"-schema-location", crdDir+"/{{ .Group }}/{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json",
		filepath.Join(corpusDir, cf.path))
	var out bytes.Buffer
	cmd.Stdout = &out
	_ = cmd.Run() // exit status 1 means invalid resources, which the output says
	var doc struct {
		Resources []kcResult `json:"resources"`
	}
	if err := json.Unmarshal(out.Bytes(), &doc); err != nil {
		t.Fatalf("kubeconform on %s: %v: %s", cf.path, err, out.String())
	}
	res := map[string]kcResult{}
	for _, r := range doc.Resources {
		res[r.Kind+"/"+r.Name] = r
	}
	return res
}

func kubeconformCaught(r kcResult, w want) bool {
	if r.Status != "statusInvalid" && r.Status != "statusError" {
		return false
	}
	if w.Field == "" {
		return true
	}
	parent, name := splitField(w.Field)
	for _, e := range r.ValidationErrors {
		path := pointerToField(e.Path)
		if path == w.Field || path == parent && strings.Contains(e.Msg, "'"+name+"'") {
			return true
		}
	}
	// Errors nested under a list item or a map are only in the message.
	return strings.Contains(r.Msg, "at '"+fieldToPointer(w.Field)+"'") ||
		strings.Contains(r.Msg, "at '"+fieldToPointer(parent)+"': additional properties '"+name+"'") ||
		strings.Contains(r.Msg, "at '"+fieldToPointer(parent)+"': missing property '"+name+"'")
}

// fieldToPointer turns spec.ports[0].port into /spec/ports/0/port.
func fieldToPointer(f string) string {
	if f == "" {
		return ""
	}
	f = strings.NewReplacer("[", ".", "]", "").Replace(f)
	return "/" + strings.ReplaceAll(f, ".", "/")
}

// pointerToField turns kubeconform's /spec/ports/0/port into
// spec.ports[0].port.
func pointerToField(p string) string {
	var b strings.Builder
	for _, tok := range strings.Split(strings.TrimPrefix(p, "/"), "/") {
		if tok == "" {
			continue
		}
		if strings.Trim(tok, "0123456789") == "" {
			b.WriteString("[" + tok + "]")
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(tok)
	}
	return b.String()
}

func splitField(f string) (parent, name string) {
	i := strings.LastIndex(f, ".")
	if i < 0 {
		return "", f
	}
	return f[:i], f[i+1:]
}

// writeCRDSchemas writes each served CRD version's JSON schema, as syncgate
// builds it, where kubeconform's CRD template finds it. ObjectMeta becomes
// an open object: kubeconform has no shared definitions to point at.
func writeCRDSchemas(t *testing.T, dir string, crds []*manifest.Object) {
	t.Helper()
	for _, obj := range crds {
		crd, _, err := decodeCRD(obj)
		if err != nil {
			t.Fatal(err)
		}
		for _, ver := range crd.Spec.Versions {
			if !ver.Served || ver.Schema == nil {
				continue
			}
			writeCRDSchema(t, dir, crd, ver)
		}
	}
}

func writeCRDSchema(t *testing.T, dir string, crd *apiextensionsv1.CustomResourceDefinition, ver apiextensionsv1.CustomResourceDefinitionVersion) {
	t.Helper()
	doc, _, err := crdJSONSchema(ver.Schema.OpenAPIV3Schema)
	if err != nil {
		t.Fatal(err)
	}
	doc.(map[string]any)["$schema"] = "https://json-schema.org/draft/2020-12/schema"
	data, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	ref, _ := json.Marshal(map[string]any{"$ref": defURL(objectMetaDef)})
	data = bytes.ReplaceAll(data, ref, []byte(`{"type":"object"}`))
	file := filepath.Join(dir, crd.Spec.Group, strings.ToLower(crd.Spec.Names.Kind)+"_"+ver.Name+".json")
	if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, data, 0o644); err != nil {
		t.Fatal(err)
	}
}
