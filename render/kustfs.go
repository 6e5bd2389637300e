package render

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
	"helm.sh/helm/v4/pkg/chart/v2/loader"
	"sigs.k8s.io/kustomize/api/konfig"
	"sigs.k8s.io/kustomize/kyaml/filesys"

	"github.com/syncgate/syncgate/manifest"
)

// mountPoint is where the repository root appears to kustomize. Paths
// outside it are outside the repository and refused.
const mountPoint = "/repo"

// errReadOnly is returned by every write: rendering never changes the
// repository.
var errReadOnly = errors.New("the repository is read-only to kustomize")

// kustFS gives krusty a read-only view of the repository. It is where
// syncgate stands between kustomize and the files: every path is confined
// to the root, every YAML file is decoded with bounds before kustomize
// parses it, remote references are refused, and the objects of resource
// files and generators are noted so that rendered objects find their
// source.
type kustFS struct {
	ctx      context.Context
	renderer *Renderer
	// fsys is the repository with the rendered helmCharts laid over it.
	fsys   overlayFS
	opts   Options
	target Target
	// topFile is the target's own kustomization, which takes the target's
	// KustomizeEdits.
	topFile string
	// resourceFiles are the files the kustomizations read so far list as
	// resources, by repository path: their objects are sources.
	resourceFiles map[string]bool
	// sources are the objects of those files and the generators' entries,
	// in the order kustomize read them.
	sources []sourceObject
	// parents are, for each path a kustomization lists (a file or a
	// directory), that kustomization; namespaces are the namespaces that
	// kustomizations set. They tell the namespace a source object ends in.
	parents    map[string]string
	namespaces map[string]string
	// stats caches what kustomize learnt of paths during this render.
	stats statCache
	// problem is the first checked failure seen while kustomize read files;
	// it names the file and line that kustomize's own message may not.
	problem error
}

var _ filesys.FileSystem = (*kustFS)(nil)

// sourceObject is an object as written in a resource file, or a
// generator's entry.
type sourceObject struct {
	kind, name, namespace, file string
	line                        int
}

// objectSource is obj, read from file at line, as a source.
func objectSource(obj *yaml.Node, file string, line int) sourceObject {
	return sourceObject{kind: scalarAt(obj, "kind"), name: scalarAt(obj, "metadata", "name"),
		namespace: scalarAt(obj, "metadata", "namespace"), file: file, line: line}
}

func (k *kustFS) note(err error) error {
	if k.problem == nil {
		k.problem = err
	}
	return err
}

// rel maps a kustomize path to a path in fsys.
func (k *kustFS) rel(p string) (string, error) {
	p = filepath.ToSlash(p)
	if !path.IsAbs(p) {
		p = path.Join(mountPoint, p)
	}
	p = path.Clean(p)
	if p == mountPoint {
		return ".", nil
	}
	rel, ok := strings.CutPrefix(p, mountPoint+"/")
	if !ok {
		return "", k.note(&manifest.SourceError{File: k.target.Path, Err: fmt.Errorf("a path resolves outside the repository root (to %s)", strings.TrimPrefix(p, mountPoint))})
	}
	return rel, nil
}

func (k *kustFS) abs(rel string) string {
	if rel == "." {
		return mountPoint
	}
	return mountPoint + "/" + rel
}

func (k *kustFS) Create(string) (filesys.File, error) { return nil, errReadOnly }
func (k *kustFS) Mkdir(string) error                  { return errReadOnly }
func (k *kustFS) MkdirAll(string) error               { return errReadOnly }
func (k *kustFS) RemoveAll(string) error              { return errReadOnly }
func (k *kustFS) WriteFile(string, []byte) error      { return errReadOnly }

func (k *kustFS) Open(p string) (filesys.File, error) {
	data, err := k.ReadFile(p)
	if err != nil {
		return nil, err
	}
	rel, _ := k.rel(p)
	info, err := k.stat(rel)
	if err != nil {
		return nil, err
	}
	return &readOnlyFile{Reader: bytes.NewReader(data), info: info}, nil
}

func (k *kustFS) IsDir(p string) bool {
	rel, err := k.rel(p)
	if err != nil {
		return false
	}
	info, err := k.stat(rel)
	return err == nil && info.IsDir()
}

func (k *kustFS) ReadDir(p string) ([]string, error) {
	rel, err := k.rel(p)
	if err != nil {
		return nil, err
	}
	entries, err := fs.ReadDir(k.fsys, rel)
	if err != nil {
		return nil, err
	}
	names := make([]string, len(entries))
	for i, e := range entries {
		names[i] = e.Name()
	}
	return names, nil
}

func (k *kustFS) CleanedAbs(p string) (filesys.ConfirmedDir, string, error) {
	rel, err := k.rel(p)
	if err != nil {
		return "", "", err
	}
	info, err := k.stat(rel)
	if err != nil {
		return "", "", fmt.Errorf("'%s': %w", rel, err)
	}
	if info.IsDir() {
		return filesys.ConfirmedDir(k.abs(rel)), "", nil
	}
	return filesys.ConfirmedDir(k.abs(path.Dir(rel))), path.Base(rel), nil
}

func (k *kustFS) Exists(p string) bool {
	rel, err := k.rel(p)
	if err != nil {
		return false
	}
	_, err = k.stat(rel)
	return err == nil
}

func (k *kustFS) Glob(pattern string) ([]string, error) {
	rel, err := k.rel(pattern)
	if err != nil {
		return nil, err
	}
	matches, err := fs.Glob(k.fsys, rel)
	if err != nil {
		return nil, err
	}
	for i, m := range matches {
		matches[i] = k.abs(m)
	}
	if filesys.IsHiddenFilePath(pattern) {
		return matches, nil
	}
	return filesys.RemoveHiddenFiles(matches), nil
}

func (k *kustFS) Walk(p string, walkFn filepath.WalkFunc) error {
	rel, err := k.rel(p)
	if err != nil {
		return err
	}
	return fs.WalkDir(k.fsys, rel, func(q string, d fs.DirEntry, err error) error {
		var info fs.FileInfo
		if d != nil {
			info, _ = d.Info()
		}
		return walkFn(k.abs(q), info, err)
	})
}

// ReadFile reads a file for kustomize, checking it first.
func (k *kustFS) ReadFile(p string) ([]byte, error) {
	rel, err := k.rel(p)
	if err != nil {
		return nil, err
	}
	data, err := readBounded(k.fsys, rel, k.opts.Limits)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, err // kustomize probes for files; it reports the ones it needs
	}
	if err != nil {
		return nil, k.note(err)
	}
	name := path.Base(rel)
	if slices.Contains(kustomizationNames, name) {
		return k.checkKustomization(rel, data)
	}
	if !isManifestFile(name) {
		return data, nil
	}
	return k.checkedManifest(rel, data)
}

// checkManifest decodes a manifest file with bounds and, for a resource
// file, notes where each of its objects is. kustomize reads the file as
// written: nothing is added for it to carry, so rendering costs what
// kustomize build does.
func (k *kustFS) checkManifest(rel string, data []byte, resource bool) (checkedFile, error) {
	docs, err := manifest.Decode(rel, data, k.opts.Limits)
	if err != nil {
		return checkedFile{}, k.note(err)
	}
	if !resource {
		return checkedFile{data: data}, nil
	}
	var sources []sourceObject
	for _, d := range docs {
		root := d.Node.Content[0]
		if root.Kind != yaml.MappingNode || len(root.Content) == 0 {
			continue
		}
		objects := []*yaml.Node{root}
		if items := listItemsNode(root); items != nil {
			objects = items.Content
		}
		for _, obj := range objects {
			sources = append(sources, objectSource(obj, rel, obj.Line))
		}
	}
	return checkedFile{data: data, sources: sources}, nil
}

// checkKustomization refuses what an offline, hostile-input renderer must
// not do, notes the kustomization's resource files, and inflates its
// helmCharts.
func (k *kustFS) checkKustomization(file string, data []byte) ([]byte, error) {
	kf, err := parseKustomization(file, data, k.opts.Limits)
	if err != nil {
		return nil, k.note(err)
	}
	edits := k.target.Kustomize
	if file != k.topFile {
		edits = nil
	}
	remote := kf.remoteRefs()
	if edits != nil {
		remote = append(remote, slices.DeleteFunc(slices.Clone(edits.Components), func(c string) bool { return !isRemote(c) })...)
	}
	if !k.opts.AllowRemote {
		for _, ref := range remote {
			return nil, k.note(&manifest.SourceError{File: file, Line: lineOf(data, ref),
				Err: fmt.Errorf("remote reference %q refused: syncgate renders offline from the repository (allow with --allow-remote)", ref)})
		}
	}
	refs := kf.localRefs()
	if edits != nil {
		refs = append(refs, edits.Components...)
	}
	for _, r := range refs {
		k.resourceFiles[path.Join(path.Dir(file), r)] = true
		k.parents[path.Join(path.Dir(file), r)] = file
	}
	k.namespaces[file] = kf.namespace
	if len(kf.helmCharts) == 0 && !kf.generators && edits == nil {
		return data, nil
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, k.note(&manifest.SourceError{File: file, Err: err})
	}
	if len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return data, nil // empty: krusty reports it
	}
	root := doc.Content[0]
	if edits != nil {
		if err := edits.apply(root); err != nil {
			return nil, k.note(&manifest.SourceError{File: file, Err: fmt.Errorf("applying %s's options: %w", k.target.DefinedBy, err)})
		}
		k.namespaces[file] = scalarAt(root, "namespace")
	}
	k.noteGenerators(root, file)
	if len(kf.helmCharts) == 0 && edits == nil {
		return data, nil // read for its generators only
	}
	if len(kf.helmCharts) > 0 {
		if err := k.inflateHelmCharts(file, data, kf, root); err != nil {
			return nil, k.note(err)
		}
	}
	return yaml.Marshal(&doc)
}

// inflateHelmCharts renders each helmCharts entry in-process, as
// kustomize --enable-helm would with a helm binary, and replaces the
// entries with resources naming the rendered output.
func (k *kustFS) inflateHelmCharts(file string, data []byte, kf *kustomizationFile, root *yaml.Node) error {
	dir := path.Dir(file)
	line := lineOf(data, "helmCharts:")
	if path.IsAbs(kf.chartHome) {
		return &manifest.SourceError{File: file, Line: lineOf(data, "chartHome"), Err: fmt.Errorf("chartHome %q: an absolute path is outside the repository", kf.chartHome)}
	}
	for i, spec := range kf.helmCharts {
		generated, err := k.inflate(dir, kf.chartDir(dir, spec), spec)
		if err != nil {
			return &manifest.SourceError{File: file, Line: line, Err: fmt.Errorf("helmCharts[%d] (%s): %w", i, spec.Name, err)}
		}
		name := fmt.Sprintf(".syncgate-helm-%d-%s.yaml", i, spec.Name)
		k.fsys.generated[path.Join(dir, name)] = generated
		clear(k.stats) // the generated file now exists
		appendToList(root, "resources", name)
	}
	removeKeys(root, "helmCharts", "helmGlobals")
	return nil
}

// inflate renders one helmCharts entry, marks its objects as kustomize's
// generator does and notes them as the chart's, from no line of it.
func (k *kustFS) inflate(dir, chartDir string, spec helmChartSpec) (generatedFile, error) {
	if info, err := fs.Stat(k.fsys, chartDir); err != nil || !info.IsDir() {
		return generatedFile{}, fmt.Errorf("no chart at %s: syncgate does not pull charts; vendor it under chartHome", chartDir)
	}
	valuesFile := path.Join(chartDir, "values.yaml")
	if spec.ValuesFile != "" {
		valuesFile = path.Join(dir, spec.ValuesFile)
	}
	// With no releaseName kustomize asks helm for --generate-name, a random
	// name each run; a checker must be deterministic, so helmTemplate uses
	// helm template's default instead.
	h := helmRender{
		chartDir:    chartDir,
		releaseName: spec.ReleaseName,
		namespace:   spec.Namespace,
		kubeVersion: cmp.Or(spec.KubeVersion, k.target.KubernetesVersion),
		apiVersions: spec.APIVersions,
		includeCRDs: spec.IncludeCRDs,
		skipHooks:   spec.SkipHooks,
		skipTests:   spec.SkipTests,
	}
	if _, err := fs.Stat(k.fsys, valuesFile); err != nil {
		if spec.ValuesFile != "" {
			return generatedFile{}, fmt.Errorf("valuesFile %s: %w", valuesFile, err)
		}
		valuesFile = "" // a chart need not have a values.yaml
	}
	inline, err := k.inlineValues(valuesFile, spec)
	if err != nil {
		return generatedFile{}, err
	}
	// As kustomize does: the inline values stand in for the values file,
	// and the additional values files are layered on top of either.
	if inline != nil {
		h.inline = inline
	} else if valuesFile != "" {
		h.valuesFiles = []string{valuesFile}
	}
	for _, f := range spec.AdditionalValuesFiles {
		h.valuesFiles = append(h.valuesFiles, path.Join(dir, f))
	}
	out, err := k.renderer.helmTemplate(k.ctx, k.fsys, h)
	if err != nil {
		return generatedFile{}, err
	}
	// The rendered stream is untrusted input to kustomize like any file:
	// bounded, with duplicate and case-variant keys refused.
	if _, err := decodeHelmOutput(chartDir, out, k.opts.Limits); err != nil {
		return generatedFile{}, err
	}
	chartFile := path.Join(chartDir, "Chart.yaml")
	out, err = markHelmGenerated(out, chartFile, k.opts.Limits, func(obj *yaml.Node) {
		k.sources = append(k.sources, objectSource(obj, chartFile, 0))
	})
	if err != nil {
		return generatedFile{}, err
	}
	return generatedFile{data: out}, nil
}

// inlineValues applies valuesInline as kustomize does: by default the
// inline values replace the values file; valuesMerge "override" lays them
// over it and "merge" under it.
func (k *kustFS) inlineValues(valuesFile string, spec helmChartSpec) (map[string]any, error) {
	if len(spec.ValuesInline) == 0 {
		return nil, nil
	}
	switch spec.ValuesMerge {
	case "", "replace":
		return spec.ValuesInline, nil
	case "override", "merge":
	default:
		return nil, fmt.Errorf("valuesMerge %q: want override, merge or replace", spec.ValuesMerge)
	}
	base := map[string]any{}
	if valuesFile != "" {
		var err error
		if base, err = k.renderer.readValues(k.fsys, valuesFile); err != nil {
			return nil, err
		}
	}
	if spec.ValuesMerge == "override" {
		return loader.MergeMaps(base, spec.ValuesInline), nil
	}
	return loader.MergeMaps(spec.ValuesInline, base), nil
}

// markHelmGenerated puts kustomize's helm-generated build annotation on
// every document of helm output, keeping each document's field order: the
// namespace transformer leaves such objects to Helm, and krusty removes the
// annotation before printing. Each object is passed to seen.
func markHelmGenerated(out []byte, chartFile string, limits manifest.Limits, seen func(obj *yaml.Node)) ([]byte, error) {
	docs, err := manifest.Decode(chartFile, out, limits)
	if err != nil {
		return nil, err
	}
	return annotate(docs, func(obj *yaml.Node) []*yaml.Node {
		seen(obj)
		return []*yaml.Node{
			{Kind: yaml.ScalarNode, Value: konfig.HelmGeneratedAnnotation},
			{Kind: yaml.ScalarNode, Value: "true", Style: yaml.DoubleQuotedStyle},
		}
	})
}

// annotate re-encodes decoded documents, appending to the annotations of
// every object (of every item, in a List) the key and value nodes that
// pairs returns for the object. Empty documents (nothing, comments, null)
// are not in docs; the documents kustomize skips as empty ({} and [])
// stay unmarked so that it still skips them, and other documents that are
// not objects pass through for kustomize to refuse as it would. A file
// with no documents left is empty, as kustomize reads it.
func annotate(docs []manifest.Document, pairs func(obj *yaml.Node) []*yaml.Node) ([]byte, error) {
	if len(docs) == 0 {
		return nil, nil
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	for _, d := range docs {
		doc := d.Node
		if root := doc.Content[0]; root.Kind == yaml.MappingNode && len(root.Content) > 0 {
			objects := []*yaml.Node{root}
			if items := listItemsNode(root); items != nil {
				objects = items.Content
			}
			for _, obj := range objects {
				if obj.Kind == yaml.MappingNode {
					annotations := mappingValue(mappingValue(obj, "metadata"), "annotations")
					annotations.Content = append(annotations.Content, pairs(obj)...)
				}
			}
		}
		if err := enc.Encode(doc); err != nil {
			return nil, err
		}
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// noteGenerators notes the configMapGenerator and secretGenerator entries
// of a kustomization as the sources of what they generate.
func (k *kustFS) noteGenerators(root *yaml.Node, file string) {
	for _, g := range [][2]string{{"configMapGenerator", "ConfigMap"}, {"secretGenerator", "Secret"}} {
		field, kind := g[0], g[1]
		generators := lookup(root, field)
		if generators == nil {
			continue
		}
		for _, entry := range generators.Content {
			if entry.Kind == yaml.MappingNode {
				k.sources = append(k.sources, sourceObject{kind: kind, name: scalarAt(entry, "name"), file: file, line: entry.Line})
			}
		}
	}
}

// lookup returns the value under key in a mapping, or nil.
func lookup(mapping *yaml.Node, key string) *yaml.Node {
	for i := 0; i+1 < len(mapping.Content); i += 2 {
		if mapping.Content[i].Value == key {
			return mapping.Content[i+1]
		}
	}
	return nil
}

// scalarAt returns the scalar at a path of keys through mappings, or "".
func scalarAt(node *yaml.Node, keys ...string) string {
	for _, key := range keys {
		if node = lookup(node, key); node == nil {
			return ""
		}
	}
	return node.Value
}

// listItemsNode returns the items of a List document (kind v1 List, or any
// kind ending in List with items, as kustomize reads them), or nil.
func listItemsNode(obj *yaml.Node) *yaml.Node {
	items := lookup(obj, "items")
	if !strings.HasSuffix(scalarAt(obj, "kind"), "List") || items == nil || items.Kind != yaml.SequenceNode {
		return nil
	}
	return items
}

// mappingValue returns the mapping under key, creating it when missing.
func mappingValue(mapping *yaml.Node, key string) *yaml.Node {
	if value := lookup(mapping, key); value != nil && value.Kind == yaml.MappingNode {
		return value
	}
	value := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
	mapping.Content = append(mapping.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: key}, value)
	return value
}

// appendToList appends value to the sequence under key, creating it.
func appendToList(mapping *yaml.Node, key, value string) {
	item := &yaml.Node{Kind: yaml.ScalarNode, Value: value}
	if list := lookup(mapping, key); list != nil {
		list.Kind, list.Tag, list.Style = yaml.SequenceNode, "!!seq", 0
		list.Content = append(list.Content, item)
		return
	}
	mapping.Content = append(mapping.Content,
		&yaml.Node{Kind: yaml.ScalarNode, Value: key},
		&yaml.Node{Kind: yaml.SequenceNode, Content: []*yaml.Node{item}})
}

func removeKeys(mapping *yaml.Node, keys ...string) {
	for i := 0; i+1 < len(mapping.Content); {
		if slices.Contains(keys, mapping.Content[i].Value) {
			mapping.Content = slices.Delete(mapping.Content, i, i+2)
			continue
		}
		i += 2
	}
}

// lineOf returns the 1-based line of the first occurrence of s, or 0.
func lineOf(data []byte, s string) int {
	i := bytes.Index(data, []byte(s))
	if i < 0 {
		return 0
	}
	return bytes.Count(data[:i], []byte("\n")) + 1
}

type readOnlyFile struct {
	*bytes.Reader
	info fs.FileInfo
}

func (f *readOnlyFile) Write([]byte) (int, error)  { return 0, errReadOnly }
func (f *readOnlyFile) Close() error               { return nil }
func (f *readOnlyFile) Stat() (fs.FileInfo, error) { return f.info, nil }
