package render

import (
	"cmp"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"regexp"
	"strconv"
	"strings"

	"github.com/fluxcd/pkg/envsubst"
	"sigs.k8s.io/kustomize/api/resource"
	"sigs.k8s.io/yaml"

	"github.com/syncgate/syncgate/internal/redact"
	"github.com/syncgate/syncgate/manifest"
)

// substituteAnnotation, set to "disabled" as a label or annotation, keeps
// Flux from substituting variables in an object.
const substituteAnnotation = "kustomize.toolkit.fluxcd.io/substitute"

// varName is what Flux accepts as a variable name.
var varName = regexp.MustCompile(`^[_[:alpha:]][_[:alpha:][:digit:]]*$`)

// sopsPlaceholder stands for each value of a SOPS-encrypted Secret that
// is not decrypted (no key given, or not a recipient): the objects still
// render, with a value that says where it came from.
const sopsPlaceholder = "SOPS-ENCRYPTED"

// RuleSOPSPlaceholder is the rule of the info notes a render leaves when a
// SOPS-encrypted Secret's values are placeholders.
const RuleSOPSPlaceholder = "render/sops-placeholder"

// reads is what reading a target's ConfigMaps and Secrets found: the
// values from Secrets, which no message may show, and a note for each
// SOPS-encrypted Secret that was not decrypted.
type reads struct {
	secrets redact.Set
	values  []string
	notes   []manifest.Finding
}

// secret records a value read from a Secret; the placeholder is none.
func (rd *reads) secret(v string) {
	if v == sopsPlaceholder {
		return
	}
	rd.secrets.Add(v)
	rd.values = append(rd.values, v)
}

// secretAll records every string in v, at any depth of maps and lists:
// the leaves of a values document read from a Secret.
func (rd *reads) secretAll(v any) {
	for value := range redact.Strings(v) {
		rd.secret(value)
	}
}

// placeholder notes, once per Secret, that its values are placeholders.
func (rd *reads) placeholder(name, file string, line int, why error) {
	for _, n := range rd.notes {
		if n.File == file && n.Line == line {
			return
		}
	}
	rd.notes = append(rd.notes, manifest.Finding{Rule: RuleSOPSPlaceholder, Severity: manifest.SeverityInfo, File: file, Line: line,
		Message: fmt.Sprintf("SOPS-encrypted Secret %s is not decrypted (%v): its values are %s where they are used", name, why, sopsPlaceholder)})
}

// result fills in what a Result carries of the reads.
func (rd *reads) result(res *Result) *Result {
	res.Secrets, res.Notes = rd.values, rd.notes
	return res
}

// errNoDecrypter says that no key was given to decrypt SOPS Secrets.
var errNoDecrypter = errors.New("no age key given")

// postBuild runs Flux's variable substitution on every built resource, as
// kustomize-controller does after kustomize build: the variables of the
// substituteFrom objects in order, then the inline ones; newlines dropped;
// undefined variables empty; nothing done when there are no variables.
// Messages never hold a Secret's values.
func (r *Renderer) postBuild(fsys fs.FS, t Target, resources []*resource.Resource, read *reads) error {
	pb := t.PostBuild
	vars := map[string]string{}
	for _, src := range pb.SubstituteFrom {
		if err := r.loadVars(fsys, t, src, vars, read); err != nil {
			return err
		}
	}
	for k, v := range pb.Substitute {
		vars[k] = strings.ReplaceAll(v, "\n", "")
	}
	if len(vars) == 0 {
		return nil
	}
	file, line := t.DefinedAt()
	for k := range vars {
		if !varName.MatchString(k) {
			return &manifest.SourceError{File: file, Line: line, Err: fmt.Errorf("postBuild: variable name %q is invalid: it must match %s", k, varName)}
		}
	}
	for _, res := range resources {
		if res.GetLabels()[substituteAnnotation] == "disabled" || res.GetAnnotations()[substituteAnnotation] == "disabled" {
			continue
		}
		data, err := res.AsYAML()
		if err != nil {
			return err
		}
		out, err := envsubst.Eval(string(data), func(name string) (string, bool) { return vars[name], true })
		if err == nil {
			data, err = yaml.YAMLToJSON([]byte(out))
		}
		if err == nil {
			err = res.UnmarshalJSON(data)
		}
		if err != nil {
			return &manifest.SourceError{File: file, Line: line,
				Err: fmt.Errorf("postBuild substitution in %s %s: %s", res.GetKind(), res.GetName(), read.secrets.Redact(err.Error()))}
		}
	}
	return nil
}

// loadVars adds the data of one substituteFrom object to vars. A Secret's
// values are base64-decoded (decrypted first when SOPS-encrypted and a key
// is given) and recorded in read.
func (r *Renderer) loadVars(fsys fs.FS, t Target, src VarSource, vars map[string]string, read *reads) error {
	file, line := t.DefinedAt()
	if src.File == "" {
		if src.Optional {
			return nil
		}
		return &manifest.SourceError{File: file, Line: line, Err: fmt.Errorf("postBuild.substituteFrom %s/%s: no such object in the repository, and it is not optional", src.Kind, src.Name)}
	}
	obj, err := r.objectAt(fsys, src.File, src.Line)
	if err != nil {
		return err
	}
	data, err := r.objectData(obj, src.Kind, src.Name, src.File, src.Line, read)
	if err != nil {
		return err
	}
	for k, v := range data {
		vars[k] = strings.ReplaceAll(v, "\n", "")
		if src.Kind == "Secret" && vars[k] != v {
			read.secret(vars[k]) // objectData recorded the value with its newlines
		}
	}
	return nil
}

// objectData returns the data of a ConfigMap or Secret as a controller
// reads it from the API server: a Secret's data base64-decoded, with its
// stringData merged in. A SOPS-encrypted Secret is decrypted in memory
// with Options.DecryptSOPS, as kustomize-controller decrypts it before
// applying it; when it cannot be, each of its values is sopsPlaceholder,
// and read notes why. Every value of a Secret is recorded in read.
func (r *Renderer) objectData(obj map[string]any, kind, name, file string, line int, read *reads) (map[string]string, error) {
	out := map[string]string{}
	sops := kind == "Secret" && obj["sops"] != nil
	if sops {
		plain, err := r.decryptSOPS(obj)
		if err != nil {
			read.placeholder(name, file, line, err)
		} else {
			obj, sops = plain, false
		}
	}
	data, _ := obj["data"].(map[string]any)
	for k, v := range data {
		value := fmt.Sprint(v)
		switch {
		case sops:
			value = sopsPlaceholder
		case kind == "Secret":
			decoded, err := base64.StdEncoding.DecodeString(value)
			if err != nil {
				return nil, &manifest.SourceError{File: file, Line: line, Err: fmt.Errorf("Secret %s: data.%s is not base64", name, k)}
			}
			value = string(decoded)
		}
		out[k] = value
	}
	if kind == "Secret" {
		// The API server merges stringData into data.
		stringData, _ := obj["stringData"].(map[string]any)
		for k, v := range stringData {
			out[k] = fmt.Sprint(v)
			if sops {
				out[k] = sopsPlaceholder
			}
		}
		if !sops {
			for _, v := range out {
				read.secret(v)
			}
		}
	}
	return out, nil
}

// decryptSOPS decrypts a SOPS-encrypted object with Options.DecryptSOPS.
// Its errors never hold a value.
func (r *Renderer) decryptSOPS(obj map[string]any) (map[string]any, error) {
	if r.opts.DecryptSOPS == nil {
		return nil, errNoDecrypter
	}
	return r.opts.DecryptSOPS(obj)
}

// objectAt returns the object that starts at line of file.
func (r *Renderer) objectAt(fsys fs.FS, file string, line int) (map[string]any, error) {
	data, err := readBounded(fsys, file, r.opts.Limits)
	if err != nil {
		return nil, err
	}
	docs, err := manifest.Decode(file, data, r.opts.Limits)
	if err != nil {
		return nil, err
	}
	for _, d := range docs {
		if m, ok := d.Value.(map[string]any); ok && d.Line == line {
			return m, nil
		}
	}
	return nil, &manifest.SourceError{File: file, Line: line, Err: errors.New("no object starts here")}
}

// commonMetadata sets Flux's commonMetadata labels and annotations on every
// object, over the object's own, as kustomize-controller does before it
// applies them.
func commonMetadata(m *Metadata, resources []*resource.Resource) error {
	for _, res := range resources {
		if len(m.Labels) > 0 {
			labels := res.GetLabels()
			maps.Copy(labels, m.Labels)
			if err := res.SetLabels(labels); err != nil {
				return err
			}
		}
		if len(m.Annotations) > 0 {
			annotations := res.GetAnnotations()
			maps.Copy(annotations, m.Annotations)
			if err := res.SetAnnotations(annotations); err != nil {
				return err
			}
		}
	}
	return nil
}

// DefinedAt splits DefinedBy into file and line; a target no engine
// object defines is at its path.
func (t Target) DefinedAt() (file string, line int) {
	if file, line, ok := splitPlace(t.DefinedBy); ok {
		return file, line
	}
	return cmp.Or(t.DefinedBy, t.Path), 0
}

// splitPlace splits "file:line" into file and line; ok is false when
// place has no line.
func splitPlace(place string) (file string, line int, ok bool) {
	i := strings.LastIndexByte(place, ':')
	if i < 0 {
		return place, 0, false
	}
	line, _ = strconv.Atoi(place[i+1:])
	return place[:i], line, true
}
