package render

import (
	"bytes"
	"io/fs"
	"path"
	"time"
)

// generatedFile is a file syncgate makes for kustomize: the output of a
// helmCharts entry, rendered in-process.
type generatedFile struct {
	data []byte
}

// overlayFS is the repository with generated files laid over it. It
// exposes Open and Stat, so the fs helpers (Stat, ReadFile, ReadDir) see
// the generated files and the repository alike.
type overlayFS struct {
	fs.FS
	generated map[string]generatedFile
}

func (o overlayFS) Open(name string) (fs.File, error) {
	g, ok := o.generated[name]
	if !ok {
		return o.FS.Open(name)
	}
	return &memFile{Reader: bytes.NewReader(g.data), name: path.Base(name)}, nil
}

// Stat lets fs.Stat reach the repository's own Stat, which does not open
// the file: kustomize and the bounded reader ask for it on every path.
func (o overlayFS) Stat(name string) (fs.FileInfo, error) {
	if g, ok := o.generated[name]; ok {
		return &memFile{Reader: bytes.NewReader(g.data), name: path.Base(name)}, nil
	}
	return fs.Stat(o.FS, name)
}

// memFile is a generated file opened for reading.
type memFile struct {
	*bytes.Reader
	name string
}

func (f *memFile) Stat() (fs.FileInfo, error) { return f, nil }
func (f *memFile) Close() error               { return nil }

// memFile is its own fs.FileInfo.
func (f *memFile) Name() string       { return f.name }
func (f *memFile) Size() int64        { return f.Reader.Size() }
func (f *memFile) Mode() fs.FileMode  { return 0o444 }
func (f *memFile) ModTime() time.Time { return time.Time{} }
func (f *memFile) IsDir() bool        { return false }
func (f *memFile) Sys() any           { return nil }
