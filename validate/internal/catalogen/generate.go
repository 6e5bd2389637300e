package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"go/format"
	"io"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"sort"
	"strings"

	utilyaml "k8s.io/apimachinery/pkg/util/yaml"

	"github.com/syncgate/syncgate/manifest"
	"github.com/syncgate/syncgate/validate"
	"github.com/syncgate/syncgate/validate/internal/catalog"
)

// entry is one generated project.
type entry struct {
	Name, Module, Version string
	CRDs                  []map[string]any // trimmed, sorted by name
	Kinds                 []catalog.Kind
	Size                  int // bytes of the data file
}

type generator struct {
	ctx             context.Context
	tmp             string
	controllerTools string
}

// build fetches one project's module and makes its entry.
func (g *generator) build(src source) (entry, error) {
	modDir, err := g.download(src.Module + "@" + src.Version)
	if err != nil {
		return entry{}, err
	}
	var files []string
	if src.Types != "" {
		if files, err = g.controllerGen(src); err != nil {
			return entry{}, err
		}
	} else {
		for _, glob := range src.Globs {
			matches, err := filepath.Glob(filepath.Join(modDir, filepath.FromSlash(glob)))
			if err != nil {
				return entry{}, err
			}
			if len(matches) == 0 {
				return entry{}, fmt.Errorf("%s matches no file in %s@%s", glob, src.Module, src.Version)
			}
			for _, m := range matches {
				if !excluded(modDir, m, src.Excludes) {
					files = append(files, m)
				}
			}
		}
	}
	var objs []*manifest.Object
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return entry{}, err
		}
		name := f
		if rel, err := filepath.Rel(modDir, f); err == nil && !strings.HasPrefix(rel, "..") {
			name = src.Module + "@" + src.Version + "/" + filepath.ToSlash(rel)
		}
		docs, err := decodeCRDs(name, b)
		if err != nil {
			return entry{}, err
		}
		objs = append(objs, docs...)
	}
	return makeEntry(src, objs)
}

// excluded reports whether file, inside modDir, matches an exclusion.
func excluded(modDir, file string, excludes []string) bool {
	rel, err := filepath.Rel(modDir, file)
	if err != nil {
		return false
	}
	for _, x := range excludes {
		if ok, _ := path.Match(x, filepath.ToSlash(rel)); ok {
			return true
		}
	}
	return false
}

// decodeCRDs reads a YAML stream of CRDs. The project's files are trusted
// input, read with the apimachinery decoder rather than syncgate's bounded
// one, which refuses what real CRDs do (Prometheus operator's have
// properties proxyURL and proxyUrl, differing only in case).
func decodeCRDs(name string, b []byte) ([]*manifest.Object, error) {
	dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(b), 4096)
	var objs []*manifest.Object
	for i := 1; ; i++ {
		var content map[string]any
		err := dec.Decode(&content)
		if errors.Is(err, io.EOF) {
			return objs, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s: document %d: %w", name, i, err)
		}
		if content == nil {
			continue
		}
		obj := manifest.NewObject(content, manifest.Origin{File: name, Line: i})
		if obj.APIVersion != "apiextensions.k8s.io/v1" || obj.Kind != "CustomResourceDefinition" {
			return nil, fmt.Errorf("%s: document %d: %s is not an apiextensions.k8s.io/v1 CustomResourceDefinition", name, i, obj.Ref())
		}
		objs = append(objs, manifest.NewObject(trimCRD(content), obj.Origin))
	}
}

// makeEntry checks trimmed CRDs as the validate package loads them and
// lists their kinds.
func makeEntry(src source, objs []*manifest.Object) (entry, error) {
	if len(objs) == 0 {
		return entry{}, fmt.Errorf("no CRDs")
	}
	v, err := validate.New(validate.Options{NoCRDCatalog: true})
	if err != nil {
		return entry{}, err
	}
	if findings := v.WithCRDs(objs).CRDFindings(); len(findings) > 0 {
		var msgs []string
		for _, f := range findings {
			msgs = append(msgs, fmt.Sprintf("%s: %s: %s: %s", f.File, f.Object.Name, f.Field, f.Message))
		}
		return entry{}, fmt.Errorf("CRDs the API server would refuse:\n  %s", strings.Join(msgs, "\n  "))
	}
	e := entry{Name: src.Name, Module: src.Module, Version: src.Version}
	seen := map[string]string{}
	for _, obj := range objs {
		kinds, err := servedKinds(obj)
		if err != nil {
			return entry{}, fmt.Errorf("%s:%d: %s: %w", obj.Origin.File, obj.Origin.Line, obj.Name, err)
		}
		for _, k := range kinds {
			id := k.Group + "/" + k.Version + "/" + k.Kind
			if other, ok := seen[id]; ok {
				return entry{}, fmt.Errorf("%s is defined by both %s and %s", id, other, k.CRD)
			}
			seen[id] = k.CRD
		}
		e.Kinds = append(e.Kinds, kinds...)
		e.CRDs = append(e.CRDs, obj.Content)
	}
	sort.Slice(e.CRDs, func(i, j int) bool { return crdName(e.CRDs[i]) < crdName(e.CRDs[j]) })
	sortKinds(e.Kinds)
	return e, nil
}

func crdName(crd map[string]any) string {
	md, _ := crd["metadata"].(map[string]any)
	name, _ := md["name"].(string)
	return name
}

func sortKinds(kinds []catalog.Kind) {
	sort.Slice(kinds, func(i, j int) bool {
		a, b := kinds[i], kinds[j]
		if a.Group != b.Group {
			return a.Group < b.Group
		}
		if a.Kind != b.Kind {
			return a.Kind < b.Kind
		}
		return a.Version < b.Version
	})
}

// servedKinds lists the served versions of a CRD's kind; each must have a
// schema, or its objects would go unchecked.
func servedKinds(obj *manifest.Object) ([]catalog.Kind, error) {
	spec, _ := obj.Content["spec"].(map[string]any)
	group, _ := spec["group"].(string)
	names, _ := spec["names"].(map[string]any)
	kind, _ := names["kind"].(string)
	versions, _ := spec["versions"].([]any)
	var out []catalog.Kind
	for _, raw := range versions {
		v, _ := raw.(map[string]any)
		name, _ := v["name"].(string)
		if served, _ := v["served"].(bool); !served {
			continue
		}
		schema, _ := v["schema"].(map[string]any)
		if _, ok := schema["openAPIV3Schema"].(map[string]any); !ok {
			return nil, fmt.Errorf("served version %s has no schema", name)
		}
		out = append(out, catalog.Kind{Group: group, Version: name, Kind: kind, CRD: obj.Name})
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no served version")
	}
	return out, nil
}

const approvedAnnotation = "api-approved.kubernetes.io"

// trimCRD keeps what validation reads of a CRD: its name and approval
// annotation, group, names, scope and versions with their schemas,
// without descriptions.
func trimCRD(crd map[string]any) map[string]any {
	spec, _ := crd["spec"].(map[string]any)
	outSpec := map[string]any{}
	for _, k := range []string{"group", "names", "scope", "preserveUnknownFields"} {
		if v, ok := spec[k]; ok {
			outSpec[k] = v
		}
	}
	if versions, ok := spec["versions"].([]any); ok {
		var out []any
		for _, raw := range versions {
			v, ok := raw.(map[string]any)
			if !ok {
				out = append(out, raw)
				continue
			}
			ov := map[string]any{}
			for _, k := range []string{"name", "served", "storage"} {
				if x, ok := v[k]; ok {
					ov[k] = x
				}
			}
			if schema, ok := v["schema"].(map[string]any); ok {
				if s, ok := schema["openAPIV3Schema"].(map[string]any); ok {
					ov["schema"] = map[string]any{"openAPIV3Schema": trimSchema(s)}
				}
			}
			out = append(out, ov)
		}
		outSpec["versions"] = out
	}
	md := map[string]any{"name": crdName(crd)}
	// The API server refuses a CRD of a protected group (*.k8s.io)
	// without this annotation; the catalogue's CRDs are loaded as it
	// would load them.
	annotations, _ := crd["metadata"].(map[string]any)["annotations"].(map[string]any)
	if v, ok := annotations[approvedAnnotation]; ok {
		md["annotations"] = map[string]any{approvedAnnotation: v}
	}
	return map[string]any{
		"apiVersion": crd["apiVersion"],
		"kind":       crd["kind"],
		"metadata":   md,
		"spec":       outSpec,
	}
}

// trimSchema drops the descriptions of a schema node and its subschemas;
// a property named "description" is a property, not an annotation, and
// stays.
func trimSchema(s map[string]any) map[string]any {
	out := make(map[string]any, len(s))
	for k, v := range s {
		switch k {
		case "description":
		case "properties", "patternProperties", "definitions":
			if props, ok := v.(map[string]any); ok {
				op := make(map[string]any, len(props))
				for name, p := range props {
					op[name] = trimAny(p)
				}
				v = op
			}
			out[k] = v
		case "items", "additionalProperties", "additionalItems", "not":
			out[k] = trimAny(v)
		case "allOf", "anyOf", "oneOf":
			if list, ok := v.([]any); ok {
				ol := make([]any, len(list))
				for i, e := range list {
					ol[i] = trimAny(e)
				}
				v = ol
			}
			out[k] = v
		default:
			out[k] = v
		}
	}
	return out
}

// trimAny trims a value that is a schema when it is a map (items and
// additionalProperties may also be a list or a bool).
func trimAny(v any) any {
	switch v := v.(type) {
	case map[string]any:
		return trimSchema(v)
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = trimAny(e)
		}
		return out
	}
	return v
}

// goCmd runs the go command in dir with the proxy settings of the
// environment and returns its stdout.
func (g *generator) goCmd(dir string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(g.ctx, "go", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOWORK=off")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("go %s: %w\n%s", strings.Join(args, " "), err, tail(stderr.String(), 4000))
	}
	return stdout.Bytes(), nil
}

// download fetches a module through the module proxy into the module
// cache and returns its directory. It runs outside any module, so only
// the module itself is fetched; it need not build with this toolchain.
func (g *generator) download(modVer string) (string, error) {
	out, err := g.goCmd(g.tmp, "mod", "download", "-json", modVer)
	var info struct{ Dir, Error string }
	if jerr := json.Unmarshal(out, &info); jerr == nil && info.Error != "" {
		return "", fmt.Errorf("go mod download %s: %s", modVer, info.Error)
	}
	if err != nil {
		return "", err
	}
	if info.Dir == "" {
		return "", fmt.Errorf("go mod download %s: no directory", modVer)
	}
	return info.Dir, nil
}

// controllerGen generates a module's CRDs from its API types in a
// temporary module that requires it and controller-tools, and returns the
// files written.
func (g *generator) controllerGen(src source) ([]string, error) {
	dir := filepath.Join(g.tmp, src.Name)
	out := filepath.Join(dir, "crds")
	if err := os.MkdirAll(out, 0o755); err != nil {
		return nil, err
	}
	if _, err := g.goCmd(dir, "mod", "init", "catalogen.local/"+src.Name); err != nil {
		return nil, err
	}
	if _, err := g.goCmd(dir, "get", src.Module+"@"+src.Version, g.controllerTools); err != nil {
		return nil, err
	}
	pattern := path.Join(src.Module, src.Types)
	if strings.HasSuffix(src.Types, "/...") {
		pattern = path.Join(src.Module, strings.TrimSuffix(src.Types, "/...")) + "/..."
	}
	tool := strings.Split(g.controllerTools, "@")[0] + "/cmd/controller-gen"
	if _, err := g.goCmd(dir, "run", tool, "crd", "paths="+pattern, "output:crd:dir="+out); err != nil {
		return nil, err
	}
	files, err := filepath.Glob(filepath.Join(out, "*.yaml"))
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("controller-gen made no CRDs from %s", pattern)
	}
	return files, nil
}

// writeData writes data/NAME.json.gz and returns its size.
func writeData(dir string, e entry) (int, error) {
	f := catalog.File{Module: e.Module, Version: e.Version}
	for _, crd := range e.CRDs {
		b, err := json.Marshal(crd)
		if err != nil {
			return 0, err
		}
		f.CRDs = append(f.CRDs, b)
	}
	raw, err := json.Marshal(f)
	if err != nil {
		return 0, err
	}
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		return 0, err
	}
	if _, err := zw.Write(raw); err != nil {
		return 0, err
	}
	if err := zw.Close(); err != nil {
		return 0, err
	}
	if err := os.MkdirAll(filepath.Join(dir, "data"), 0o755); err != nil {
		return 0, err
	}
	return buf.Len(), os.WriteFile(dataPath(dir, e.Name), buf.Bytes(), 0o644)
}

func dataPath(dir, name string) string {
	return filepath.Join(dir, "data", name+".json.gz")
}

// readEntry rebuilds the entry of a project that is not regenerated from
// its data file, which must come from the module version sources.txt names.
func readEntry(dir string, src source) (entry, error) {
	b, err := os.ReadFile(dataPath(dir, src.Name))
	if err != nil {
		return entry{}, fmt.Errorf("%w (run without -only)", err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return entry{}, err
	}
	var f catalog.File
	if err := json.NewDecoder(zr).Decode(&f); err != nil {
		return entry{}, err
	}
	if f.Module != src.Module || f.Version != src.Version {
		return entry{}, fmt.Errorf("data file is from %s@%s, sources.txt names %s@%s (run without -only)", f.Module, f.Version, src.Module, src.Version)
	}
	var objs []*manifest.Object
	for i, raw := range f.CRDs {
		var content map[string]any
		if err := json.Unmarshal(raw, &content); err != nil {
			return entry{}, err
		}
		objs = append(objs, manifest.NewObject(content, manifest.Origin{File: dataPath(dir, src.Name), Line: i + 1}))
	}
	e, err := makeEntry(src, objs)
	e.Size = len(b)
	return e, err
}

// checkDuplicates refuses a kind two projects define: which would win
// would depend on the order of sources.txt.
func checkDuplicates(entries []entry) error {
	owner := map[string]string{}
	for _, e := range entries {
		for _, k := range e.Kinds {
			id := k.Group + "/" + k.Version + "/" + k.Kind
			if other, ok := owner[id]; ok {
				return fmt.Errorf("%s is defined by both %s and %s", id, other, e.Name)
			}
			owner[id] = e.Name
		}
	}
	return nil
}

// removeStale deletes data files of projects no longer listed.
func removeStale(dir string, sources []source) error {
	listed := map[string]bool{}
	for _, s := range sources {
		listed[s.Name] = true
	}
	files, err := filepath.Glob(filepath.Join(dir, "data", "*.json.gz"))
	if err != nil {
		return err
	}
	for _, f := range files {
		if !listed[strings.TrimSuffix(filepath.Base(f), ".json.gz")] {
			if err := os.Remove(f); err != nil {
				return err
			}
		}
	}
	return nil
}

// writeIndex writes index.go, the catalogue's kinds as Go data.
func writeIndex(dir string, entries []entry) error {
	var b bytes.Buffer
	b.WriteString("// Code generated by validate/internal/catalogen from sources.txt; DO NOT EDIT.\n\npackage catalog\n\n")
	b.WriteString("// entries are the catalogue's projects, in sources.txt order.\nvar entries = []Entry{\n")
	for _, e := range entries {
		fmt.Fprintf(&b, "\t{Name: %q, Module: %q, Version: %q, Kinds: []Kind{\n", e.Name, e.Module, e.Version)
		for _, k := range e.Kinds {
			fmt.Fprintf(&b, "\t\t{Group: %q, Version: %q, Kind: %q, CRD: %q},\n", k.Group, k.Version, k.Kind, k.CRD)
		}
		b.WriteString("\t}},\n")
	}
	b.WriteString("}\n")
	src, err := format.Source(b.Bytes())
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "index.go"), src, 0o644)
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}
