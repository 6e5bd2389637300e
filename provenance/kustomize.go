package provenance

import (
	"io/fs"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/syncgate/syncgate/manifest"
	"github.com/syncgate/syncgate/render"
)

// maxKustomizations bounds the walk over a target's kustomizations.
const maxKustomizations = 1000

// kustomize returns the last writer of field on obj, built by the
// kustomization of target t: the object's source, then what each
// kustomization on its way to the target does to it, in the order
// kustomize runs it (resources, generators, components, then the
// transformers).
func (l *Locator) kustomize(t render.Target, obj *manifest.Object, field string) *writer {
	k := &kwalk{l: l, obj: obj, path: manifest.ParseField(obj.Content, field), seen: map[string]bool{}}
	_, k.whole = lookup(obj.Content, k.path).(map[string]any)
	if kfile, err := render.KustomizationFile(l.fsys, path.Dir(obj.Origin.File)); err == nil && kfile == obj.Origin.File {
		k.generated = true
	} else if base := l.source(obj, k.path, true); base != nil {
		k.defined = manifest.Location{File: obj.Origin.File, Line: obj.Origin.Line, Why: whyObject}
		k.writers = append(k.writers, *base)
		if node := docAt(l.yamlDocs(obj.Origin.File), obj.Origin.Line); node != nil {
			k.names = append(k.names, scalar(node, "metadata", "name"))
			_, k.made = manifest.FindField(node, k.path, obj.Content)
		}
	}
	if !k.walk(t.Path, false) || len(k.writers) == 0 {
		return nil
	}
	w := k.writers[len(k.writers)-1]
	if w.file != k.defined.File {
		w.related = append(w.related, k.defined)
	}
	return &w
}

// kwalk is the walk for one finding.
type kwalk struct {
	l    *Locator
	obj  *manifest.Object
	path []manifest.FieldStep
	// names are the names the object had on its way up: kustomize
	// matches patches by any of them.
	names []string
	// writers are every write of the field found, in kustomize's order.
	writers []writer
	// whole says the field is a mapping (a container, a rule: what a
	// finding about a missing field names), which only the writer that
	// makes it writes: a patch that merges into it leaves the finding
	// where it was made. made says a writer found so far made it.
	whole, made bool
	seen        map[string]bool
	// generated says a generator makes the object; defined is where the
	// object is defined: its source document, or that generator's entry.
	generated bool
	defined   manifest.Location
}

// walk visits the kustomization in dir and reports whether the object
// passes through it; inherited says it does already (a component works
// on its parent's objects).
func (k *kwalk) walk(dir string, inherited bool) bool {
	kfile, err := render.KustomizationFile(k.l.fsys, dir)
	if err != nil || k.seen[kfile] || len(k.seen) >= maxKustomizations {
		return false
	}
	k.seen[kfile] = true
	docs := k.l.yamlDocs(kfile)
	if len(docs) == 0 || docs[0].Node.Content[0].Kind != yaml.MappingNode {
		return false
	}
	root := docs[0].Node.Content[0]
	origin := k.obj.Origin.File
	contains := inherited || value(root, "helmCharts") != nil && path.Base(origin) == "Chart.yaml"
	for _, ref := range slices.Concat(list(root, "resources"), list(root, "bases")) {
		p := path.Join(dir, ref.Value)
		if p == origin {
			contains = true
		} else if info, err := fs.Stat(k.l.fsys, p); err == nil && info.IsDir() {
			contains = k.walk(p, false) || contains
		}
	}
	contains = k.generators(dir, kfile, root, contains) || contains
	for _, ref := range list(root, "components") {
		contains = k.walk(path.Join(dir, ref.Value), contains) || contains
	}
	if !contains {
		return false
	}
	for _, ref := range list(root, "patchesStrategicMerge") {
		k.patch(dir, kfile, ref, nil)
	}
	for _, p := range list(root, "patches") {
		k.patch(dir, kfile, p, value(p, "target"))
	}
	k.metadata(kfile, root)
	for _, p := range list(root, "patchesJson6902") {
		k.patch(dir, kfile, p, value(p, "target"))
	}
	k.replicas(kfile, root)
	k.images(kfile, root)
	return true
}

func (k *kwalk) write(file string, line int) {
	if line > 0 {
		k.writers = append(k.writers, writer{file: file, line: line})
	}
}

// generators finds the configMapGenerator or secretGenerator entry of a
// kustomization that makes the object (and reports that it does), or
// that changes it (behavior merge, in a kustomization it passes through),
// and the line of the key the field is about: a literal, a file entry, or
// the key's line in an env file.
func (k *kwalk) generators(dir, kfile string, root *yaml.Node, contains bool) (made bool) {
	field := map[string]string{"ConfigMap": "configMapGenerator", "Secret": "secretGenerator"}[k.obj.Kind]
	for _, gen := range list(root, field) {
		name := scalar(gen, "name")
		// kustomize adds a hash to a generated name, and outer
		// kustomizations their prefixes.
		makes := k.generated && len(k.names) == 0 && name != "" && strings.Contains(k.obj.Name, name)
		if !makes && !(contains && slices.Contains(k.names, name)) {
			continue
		}
		if makes {
			made = true
			k.names = append(k.names, name)
			k.defined = manifest.Location{File: kfile, Line: gen.Line, Why: whyObject}
			k.write(kfile, gen.Line)
		}
		if len(k.path) < 2 || !slices.Contains([]string{"data", "stringData", "binaryData"}, k.path[0].Key) {
			continue
		}
		key := k.path[1].Key
		for _, lit := range list(gen, "literals") {
			if before, _, _ := strings.Cut(lit.Value, "="); before == key {
				k.write(kfile, lit.Line)
			}
		}
		for _, f := range list(gen, "files") {
			name, file, found := strings.Cut(f.Value, "=")
			if !found {
				name, file = path.Base(f.Value), f.Value
			}
			if name == key {
				k.write(kfile, f.Line)
				k.writers[len(k.writers)-1].related = []manifest.Location{{File: path.Join(dir, file), Line: 1, Why: "file the key is read from"}}
			}
		}
		for _, env := range slices.Concat(list(gen, "envs"), nonNil(value(gen, "env"))) {
			file := path.Join(dir, env.Value)
			for i, line := range k.l.lines(file) {
				if before, _, _ := strings.Cut(strings.TrimSpace(line), "="); before == key {
					k.write(file, i+1)
				}
			}
		}
	}
	return made
}

// patch looks for the field in one patch: a patchesStrategicMerge entry,
// or a patches or patchesJson6902 entry with its target selector. The
// patch is a file or inline text.
func (k *kwalk) patch(dir, kfile string, entry, target *yaml.Node) {
	if target != nil && !k.selects(target) {
		return
	}
	file, text, offset := "", "", 0
	switch {
	case entry.Kind == yaml.ScalarNode && strings.Contains(entry.Value, "\n"):
		file, text, offset = kfile, entry.Value, blockOffset(entry)
	case entry.Kind == yaml.ScalarNode:
		file = path.Join(dir, entry.Value)
	case value(entry, "path") != nil:
		file = path.Join(dir, value(entry, "path").Value)
	case value(entry, "patch") != nil:
		node := value(entry, "patch")
		file, text, offset = kfile, node.Value, blockOffset(node)
	default:
		return
	}
	var docs []manifest.Document
	if text == "" {
		docs = k.l.yamlDocs(file)
	} else {
		var err error
		if docs, err = manifest.Decode(file, []byte(text), k.l.limits); err != nil {
			return
		}
	}
	for _, d := range docs {
		root := d.Node.Content[0]
		if root.Kind == yaml.SequenceNode {
			k.jsonPatch(file, offset, root)
			continue
		}
		if root.Kind != yaml.MappingNode {
			continue
		}
		if target == nil && (scalar(root, "kind") != k.obj.Kind || !slices.Contains(k.names, scalar(root, "metadata", "name"))) {
			continue
		}
		if line, complete := manifest.FindField(root, k.path, k.obj.Content); complete && len(k.path) > 0 && !(k.whole && k.made) {
			k.write(file, line+offset)
			k.made = true
		}
	}
}

// jsonPatch looks for an operation of a JSON 6902 patch that writes the
// field, or a whole that holds it, or, unless the field is a whole, a
// part of it.
func (k *kwalk) jsonPatch(file string, offset int, ops *yaml.Node) {
	if len(k.path) == 0 {
		return
	}
	field := pointer(k.path)
	for _, op := range ops.Content {
		switch scalar(op, "op") {
		case "add", "replace", "copy", "move":
		default:
			continue
		}
		p := scalar(op, "path")
		if strings.HasSuffix(p, "/-") {
			p = strings.TrimSuffix(p, "-") + lastIndex(field)
		}
		if p == field || strings.HasPrefix(field, p+"/") || !k.whole && strings.HasPrefix(p, field+"/") {
			k.write(file, op.Line+offset)
			k.made = true
		}
	}
}

// lastIndex is the last token of a JSON pointer, which an append ("-")
// may have written.
func lastIndex(pointer string) string {
	return pointer[strings.LastIndexByte(pointer, '/')+1:]
}

// pointer is a field path as a JSON pointer.
func pointer(path []manifest.FieldStep) string {
	var b strings.Builder
	for _, s := range path {
		b.WriteByte('/')
		if s.Index >= 0 {
			b.WriteString(strconv.Itoa(s.Index))
			continue
		}
		b.WriteString(strings.NewReplacer("~", "~0", "/", "~1").Replace(s.Key))
	}
	return b.String()
}

// selects reports whether a patch target selector picks the object, by
// any of the names it had.
func (k *kwalk) selects(target *yaml.Node) bool {
	obj := k.obj
	if kind := scalar(target, "kind"); kind != "" && !anchored(kind, obj.Kind) {
		return false
	}
	if g := scalar(target, "group"); g != "" && !anchored(g, obj.Group()) {
		return false
	}
	if v := scalar(target, "version"); v != "" && !anchored(v, obj.Version()) {
		return false
	}
	if name := scalar(target, "name"); name != "" && !slices.ContainsFunc(k.names, func(n string) bool { return anchored(name, n) }) {
		return false
	}
	for field, key := range map[string]string{"labelSelector": "labels", "annotationSelector": "annotations"} {
		sel := scalar(target, field)
		if sel == "" {
			continue
		}
		s, err := labels.Parse(sel)
		md, _ := obj.Content["metadata"].(map[string]any)
		set := labels.Set{}
		for k, v := range mapOf(md[key]) {
			set[k], _ = v.(string)
		}
		if err != nil || !s.Matches(set) {
			return false
		}
	}
	return true
}

// anchored matches a kustomize selector pattern against the whole of s.
func anchored(pattern, s string) bool {
	re, err := regexp.Compile("^(?:" + pattern + ")$")
	return err == nil && re.MatchString(s) || pattern == s
}

// metadata covers the namespace, name prefix and suffix, label and
// annotation transformers: each writes at the line of its own entry in
// the kustomization.
func (k *kwalk) metadata(kfile string, root *yaml.Node) {
	if key, _ := entry(root, "namespace"); key != nil && k.at("metadata", "namespace") {
		k.write(kfile, key.Line)
	}
	prefix, suffix := scalar(root, "namePrefix"), scalar(root, "nameSuffix")
	for _, field := range []string{"namePrefix", "nameSuffix"} {
		if key, _ := entry(root, field); key != nil && k.at("metadata", "name") {
			k.write(kfile, key.Line)
		}
	}
	if prefix+suffix != "" && len(k.names) > 0 {
		k.names = append(k.names, prefix+k.names[len(k.names)-1]+suffix)
	}
	where := map[string][][]string{
		"labels":      {{"metadata", "labels"}, {"spec", "selector", "matchLabels"}, {"spec", "selector"}, {"spec", "template", "metadata", "labels"}},
		"annotations": {{"metadata", "annotations"}, {"spec", "template", "metadata", "annotations"}},
	}
	pairs := func(field string, m *yaml.Node) {
		if m == nil || m.Kind != yaml.MappingNode {
			return
		}
		for i := 0; i+1 < len(m.Content); i += 2 {
			for _, at := range where[field] {
				if k.at(append(slices.Clone(at), m.Content[i].Value)...) {
					k.write(kfile, m.Content[i].Line)
				}
			}
		}
	}
	pairs("labels", value(root, "commonLabels"))
	for _, l := range list(root, "labels") {
		pairs("labels", value(l, "pairs"))
	}
	pairs("annotations", value(root, "commonAnnotations"))
}

// at reports whether a transformer that writes the field at keys writes
// the field of the finding: the same field, one inside it, or one that
// holds it.
func (k *kwalk) at(keys ...string) bool {
	if len(k.path) == 0 {
		return false
	}
	for i, s := range k.path {
		if i == len(keys) {
			return true
		}
		if s.Index >= 0 || s.Key != keys[i] {
			return false
		}
	}
	return true
}

// replicas covers the replicas transformer.
func (k *kwalk) replicas(kfile string, root *yaml.Node) {
	for _, r := range list(root, "replicas") {
		if slices.Contains(k.names, scalar(r, "name")) && k.at("spec", "replicas") {
			k.write(kfile, r.Line)
		}
	}
}

// images covers the images transformer: an entry writes the image of
// every container whose image it names.
func (k *kwalk) images(kfile string, root *yaml.Node) {
	n := len(k.path)
	if n < 3 || k.path[n-1].Key != "image" || k.path[n-2].Index < 0 ||
		!slices.Contains([]string{"containers", "initContainers", "ephemeralContainers"}, k.path[n-3].Key) {
		return
	}
	image, _ := lookup(k.obj.Content, k.path).(string)
	name := imageName(image)
	if name == "" {
		return
	}
	for _, img := range list(root, "images") {
		if want := scalar(img, "newName"); want == name || want == "" && scalar(img, "name") == name {
			k.write(kfile, imageLine(img))
		}
	}
}

// imageLine is the line of an images entry that sets what a finding on
// the image is most likely about: its digest or tag, else its name.
func imageLine(img *yaml.Node) int {
	for _, key := range []string{"digest", "newTag", "newName"} {
		if k, _ := entry(img, key); k != nil {
			return k.Line
		}
	}
	return img.Line
}

// imageName is an image reference without its tag or digest.
func imageName(image string) string {
	image, _, _ = strings.Cut(image, "@")
	if i := strings.LastIndexByte(image, ':'); i > strings.LastIndexByte(image, '/') {
		return image[:i]
	}
	return image
}

// lookup returns the value at path in decoded content, or nil.
func lookup(content any, path []manifest.FieldStep) any {
	for _, s := range path {
		switch v := content.(type) {
		case map[string]any:
			content = v[s.Key]
		case []any:
			if s.Index < 0 || s.Index >= len(v) {
				return nil
			}
			content = v[s.Index]
		default:
			return nil
		}
	}
	return content
}

// blockOffset is what to add to a line of an inline patch to get its
// line in the kustomization: a block scalar's text starts on the line
// after its indicator.
func blockOffset(n *yaml.Node) int {
	if n.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
		return n.Line
	}
	return n.Line - 1
}

// list returns the items of the sequence under key, or none.
func list(mapping *yaml.Node, key string) []*yaml.Node {
	if v := value(mapping, key); v != nil && v.Kind == yaml.SequenceNode {
		return v.Content
	}
	return nil
}

func nonNil(n *yaml.Node) []*yaml.Node {
	if n == nil {
		return nil
	}
	return []*yaml.Node{n}
}

// scalar returns the scalar at a path of keys, or "".
func scalar(node *yaml.Node, keys ...string) string {
	for _, key := range keys {
		if node = value(node, key); node == nil {
			return ""
		}
	}
	if node.Kind != yaml.ScalarNode {
		return ""
	}
	return node.Value
}

func mapOf(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}
