package provenance

import (
	"io/fs"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/syncgate/syncgate/internal/memo"
	"github.com/syncgate/syncgate/manifest"
	"github.com/syncgate/syncgate/render"
)

// Why texts of related locations.
const (
	whyTemplate = "template that writes the field"
	whyObject   = "where the object is defined"
	whyArtifact = "ArtifactGenerator that copies the object's file into the artifact the target renders"
)

// Locator places findings on the files and lines that wrote them. It
// reads and parses each file of the repository once (findings placed at
// the same moment may both read it), however many targets' findings it
// places, and is safe for concurrent use.
type Locator struct {
	fsys   fs.FS
	limits manifest.Limits
	// Files are read and parsed outside any lock: findings on different
	// files do not wait for each other.
	docs memo.Map[string, []manifest.Document]
	text memo.Map[string, []string]
}

// New returns a Locator for fsys, the repository the results it will be
// given were rendered from.
func New(fsys fs.FS, limits manifest.Limits) *Locator {
	return &Locator{fsys: fsys, limits: limits}
}

// Locate moves each finding about a rendered object to the last writer
// of its field (or, with no field, of the object) and adds related
// locations. A finding a stage already placed more precisely than its
// object's source (another file or line) keeps its place, as does one
// whose writer cannot be told. Files are read only for findings.
func (l *Locator) Locate(results []*render.Result, findings []manifest.Finding) {
	byTarget := map[string]*render.Result{}
	for _, res := range results {
		byTarget[res.Target.Name] = res
	}
	for i := range findings {
		f := &findings[i]
		res := byTarget[f.Target]
		if res == nil || f.Object == nil {
			continue
		}
		if a := res.Target.Artifact; a != nil {
			file, line := a.GeneratedAt()
			f.Related = append(f.Related, manifest.Location{File: file, Line: line, Why: whyArtifact})
		}
		obj := objectOf(res.Objects, *f.Object)
		if obj == nil || obj.Origin.File == "" || f.File != obj.Origin.File || f.Line != obj.Origin.Line {
			continue
		}
		kind := res.Target.Kind
		if res.Target.Artifact != nil {
			// An artifact's kustomizations are not at the target's path in
			// the repository: only the object's own file is known.
			kind = render.KindManifests
		}
		var w *writer
		switch kind {
		case render.KindKustomize:
			w = l.kustomize(res.Target, obj, f.Field)
		case render.KindHelm:
			w = l.helm(res.Target, obj, f.Field)
		default:
			w = l.source(obj, manifest.ParseField(obj.Content, f.Field), true)
		}
		if w != nil && w.file != "" {
			f.File, f.Line, f.Related = w.file, w.line, append(f.Related, w.related...)
		}
	}
}

// writer is where a field was last written, and what else explains it.
type writer struct {
	file    string
	line    int
	related []manifest.Location
}

func objectOf(objects []*manifest.Object, ref manifest.ObjectRef) *manifest.Object {
	for _, o := range objects {
		if o.Ref() == ref {
			return o
		}
	}
	return nil
}

// yamlDocs returns the documents of a YAML file, nil when it cannot be
// read or decoded (render has reported that already).
func (l *Locator) yamlDocs(file string) []manifest.Document {
	return l.docs.Get(file, func() []manifest.Document {
		data, err := fs.ReadFile(l.fsys, file)
		if err != nil {
			return nil
		}
		docs, _ := manifest.Decode(file, data, l.limits)
		return docs
	})
}

// lines returns the lines of a text file, nil when it cannot be read.
func (l *Locator) lines(file string) []string {
	return l.text.Get(file, func() []string {
		data, err := fs.ReadFile(l.fsys, file)
		if err != nil || len(data) > l.limits.WithDefaults().MaxFileBytes {
			return nil
		}
		return strings.Split(string(data), "\n")
	})
}

// source is the line of the field in the object's own source file: the
// object's line when the field is not written there, or, with partial,
// the line of the deepest part of the path that is.
func (l *Locator) source(obj *manifest.Object, path []manifest.FieldStep, partial bool) *writer {
	node := docAt(l.yamlDocs(obj.Origin.File), obj.Origin.Line)
	if node == nil {
		return nil
	}
	line, complete := manifest.FindField(node, path, nil)
	if !complete && !partial {
		line = 0
	}
	if line == 0 {
		line = obj.Origin.Line
	}
	return &writer{file: obj.Origin.File, line: line}
}

// docAt returns the object mapping that starts at line (an item of a
// List counts), or nil.
func docAt(docs []manifest.Document, line int) *yaml.Node {
	for _, d := range docs {
		root := d.Node
		if root.Kind == yaml.DocumentNode && len(root.Content) > 0 {
			root = root.Content[0]
		}
		if root.Kind != yaml.MappingNode {
			continue
		}
		if root.Line == line || d.Line == line {
			return root
		}
		if items := value(root, "items"); items != nil && items.Kind == yaml.SequenceNode {
			for _, item := range items.Content {
				if item.Line == line && item.Kind == yaml.MappingNode {
					return item
				}
			}
		}
	}
	return nil
}

// entry returns the key and value nodes of key in a mapping.
func entry(mapping *yaml.Node, key string) (k, v *yaml.Node) {
	if mapping == nil || mapping.Kind != yaml.MappingNode {
		return nil, nil
	}
	for i := 0; i+1 < len(mapping.Content); i += 2 {
		if mapping.Content[i].Value == key {
			return mapping.Content[i], mapping.Content[i+1]
		}
	}
	return nil, nil
}

func value(mapping *yaml.Node, key string) *yaml.Node {
	_, v := entry(mapping, key)
	return v
}
