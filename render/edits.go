package render

import (
	"fmt"
	"io/fs"
	"maps"
	"path"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// generateKustomization lays a kustomization.yaml over a directory that
// has none, as kustomize-controller does: every YAML file below dir as a
// resource, and each subdirectory holding a kustomization as a resource
// without descending into it. Hidden files and directories are left out.
func generateKustomization(fsys overlayFS, dir string) error {
	var resources []string
	err := fs.WalkDir(fsys, dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p == dir {
			return nil
		}
		if strings.HasPrefix(d.Name(), ".") {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		rel := "./" + strings.TrimPrefix(p, dir+"/")
		if d.IsDir() {
			if _, err := findKustomization(fsys, p); err == nil {
				resources = append(resources, rel)
				return fs.SkipDir
			}
			return nil
		}
		if ext := path.Ext(p); ext == ".yaml" || ext == ".yml" {
			resources = append(resources, rel)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("%s: generate kustomization: %w", dir, err)
	}
	data, err := yaml.Marshal(map[string]any{
		"apiVersion": "kustomize.config.k8s.io/v1beta1",
		"kind":       "Kustomization",
		"resources":  resources,
	})
	if err != nil {
		return err
	}
	fsys.generated[path.Join(dir, kustomizationNames[0])] = generatedFile{data: data}
	return nil
}

// apply makes the edits on a kustomization's root mapping. Images merge
// with entries of the same name field by field, as Flux's generator does;
// patches and components are appended; labels and annotations are merged
// over the kustomization's own; replicas are appended (kustomize applies
// the last entry for a name).
func (e *KustomizeEdits) apply(root *yaml.Node) error {
	for key, value := range map[string]string{"namespace": e.Namespace, "namePrefix": e.NamePrefix, "nameSuffix": e.NameSuffix} {
		if value != "" {
			setScalar(root, key, value)
		}
	}
	for _, c := range e.Components {
		appendToList(root, "components", c)
	}
	if len(e.Patches) > 0 {
		patches := sequenceValue(root, "patches")
		for _, p := range e.Patches {
			var n yaml.Node
			if err := n.Encode(p); err != nil {
				return err
			}
			patches.Content = append(patches.Content, &n)
		}
	}
	if len(e.Replicas) > 0 {
		replicas := sequenceValue(root, "replicas")
		for _, r := range e.Replicas {
			var n yaml.Node
			if err := n.Encode(r); err != nil {
				return err
			}
			replicas.Content = append(replicas.Content, &n)
		}
	}
	if len(e.Images) > 0 {
		images := sequenceValue(root, "images")
		for _, img := range e.Images {
			if err := mergeImage(images, img); err != nil {
				return err
			}
		}
	}
	for field, values := range map[string]map[string]string{"commonLabels": e.Labels, "commonAnnotations": e.Annotations} {
		if len(values) == 0 {
			continue
		}
		m := mappingValue(root, field)
		for _, k := range slices.Sorted(maps.Keys(values)) {
			setScalar(m, k, values[k])
		}
	}
	return nil
}

// mergeImage sets an images entry: fields of an entry with the same name
// are replaced (tag and digest together, since either selects the
// version), otherwise the image is appended.
func mergeImage(images *yaml.Node, img Image) error {
	for _, entry := range images.Content {
		if entry.Kind != yaml.MappingNode || scalarAt(entry, "name") != img.Name {
			continue
		}
		if img.NewName != "" {
			setScalar(entry, "newName", img.NewName)
		}
		if img.NewTag != "" || img.Digest != "" {
			removeKeys(entry, "newTag", "digest")
			if img.NewTag != "" {
				setScalar(entry, "newTag", img.NewTag)
			}
			if img.Digest != "" {
				setScalar(entry, "digest", img.Digest)
			}
		}
		return nil
	}
	var n yaml.Node
	if err := n.Encode(img); err != nil {
		return err
	}
	images.Content = append(images.Content, &n)
	return nil
}

// setScalar sets key of a mapping to a string, replacing any value.
func setScalar(mapping *yaml.Node, key, value string) {
	v := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: value}
	for i := 0; i+1 < len(mapping.Content); i += 2 {
		if mapping.Content[i].Value == key {
			mapping.Content[i+1] = v
			return
		}
	}
	mapping.Content = append(mapping.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: key}, v)
}

// sequenceValue returns the sequence under key in a mapping, creating it
// (or replacing a null) when missing.
func sequenceValue(mapping *yaml.Node, key string) *yaml.Node {
	if value := lookup(mapping, key); value != nil && value.Kind == yaml.SequenceNode {
		return value
	}
	removeKeys(mapping, key)
	value := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
	mapping.Content = append(mapping.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: key}, value)
	return value
}
