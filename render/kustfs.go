package render

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
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
// parses it, remote references are refused, and the target's own
// kustomization asks for origin annotations so objects keep their source.
type kustFS struct {
	fsys   fs.FS
	opts   Options
	target Target
	// problem is the first checked failure seen while kustomize read files;
	// it names the file and line that kustomize's own message may not.
	problem error
	// userOrigins is set when the target asked for origin annotations
	// itself; syncgate then leaves them in the output.
	userOrigins bool
}

var _ filesys.FileSystem = (*kustFS)(nil)

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
	info, err := fs.Stat(k.fsys, rel)
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
	info, err := fs.Stat(k.fsys, rel)
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
	info, err := fs.Stat(k.fsys, rel)
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
	_, err = fs.Stat(k.fsys, rel)
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
	if err != nil {
		return nil, k.note(err)
	}
	name := path.Base(rel)
	if slices.Contains(kustomizationNames, name) {
		return k.checkKustomization(rel, data)
	}
	if isManifestFile(name) {
		if _, err := manifest.Decode(rel, data, k.opts.Limits); err != nil {
			return nil, k.note(err)
		}
	}
	return data, nil
}

// checkKustomization refuses what an offline, hostile-input renderer must
// not do, and has the target's own kustomization record origins.
func (k *kustFS) checkKustomization(file string, data []byte) ([]byte, error) {
	kf, err := parseKustomization(file, data, k.opts.Limits)
	if err != nil {
		return nil, k.note(err)
	}
	if !k.opts.AllowRemote {
		for _, ref := range kf.remoteRefs() {
			return nil, k.note(&manifest.SourceError{File: file, Line: lineOf(data, ref),
				Err: fmt.Errorf("remote reference %q refused: syncgate renders offline from the repository (allow with --allow-remote)", ref)})
		}
	}
	if len(kf.helmCharts) > 0 {
		return nil, k.note(&manifest.SourceError{File: file, Line: lineOf(data, "helmCharts:"),
			Err: errors.New("helmCharts in a kustomization is not supported yet: render the chart as its own target")})
	}
	if path.Dir(file) != k.target.Path {
		return data, nil
	}
	return k.withOriginAnnotations(file, data)
}

// withOriginAnnotations adds originAnnotations to buildMetadata, which
// makes krusty annotate each object with the file it came from.
func (k *kustFS) withOriginAnnotations(file string, data []byte) ([]byte, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, k.note(&manifest.SourceError{File: file, Err: err})
	}
	if len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return data, nil // empty: krusty reports it
	}
	root := doc.Content[0]
	for i := 0; i+1 < len(root.Content); i += 2 {
		if root.Content[i].Value != "buildMetadata" {
			continue
		}
		list := root.Content[i+1]
		for _, item := range list.Content {
			if item.Value == "originAnnotations" {
				k.userOrigins = true
				return data, nil
			}
		}
		list.Kind, list.Tag = yaml.SequenceNode, "!!seq"
		list.Content = append(list.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: "originAnnotations"})
		return yaml.Marshal(&doc)
	}
	root.Content = append(root.Content,
		&yaml.Node{Kind: yaml.ScalarNode, Value: "buildMetadata"},
		&yaml.Node{Kind: yaml.SequenceNode, Content: []*yaml.Node{{Kind: yaml.ScalarNode, Value: "originAnnotations"}}})
	return yaml.Marshal(&doc)
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
