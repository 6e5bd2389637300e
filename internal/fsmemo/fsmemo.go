// Package fsmemo remembers what a file system answered, for one check of
// a repository that does not change while it is checked.
//
// A check reads the same paths many times: discovery, the inputs of each
// target, their hashes, the raw files' secrets scan and in-process
// rendering all stat, list and read the bases that overlays share. On a
// repository opened with os.Root each of those resolves its path one
// component at a time (a diff of the 381-target corpus made 80,000
// openat calls), so the second and later answers come from memory.
package fsmemo

import (
	"bytes"
	"io/fs"
	"os"
	"slices"
	"sync"

	"github.com/syncgate/syncgate/internal/memo"
)

// FS is a read-through memory of an fs.FS: Stat, ReadDir and ReadFile
// answers, errors included. File contents are kept up to a byte budget;
// past it, files are read from the underlying FS every time. It is safe
// for concurrent use.
type FS struct {
	fsys  fs.FS
	dirs  *dirs // the directories opened for fsys, when it is an os.Root's
	stats memo.Map[string, stat]
	lists memo.Map[string, dir]

	mu     sync.Mutex
	files  map[string][]byte
	budget int64 // bytes of file contents that may still be kept
}

type stat struct {
	info fs.FileInfo
	err  error
}

type dir struct {
	entries []fs.DirEntry
	err     error
}

// New returns a memory of fsys that keeps at most budget bytes of file
// contents.
func New(fsys fs.FS, budget int64) *FS {
	return &FS{fsys: fsys, files: map[string][]byte{}, budget: budget}
}

// NewRoot returns a memory of root's files, as New(root.FS(), budget)
// does, that opens each directory it reads in once: a file is then one
// system call, not one per component of its path. Close it when done.
func NewRoot(root *os.Root, budget int64) *FS {
	d := newDirs(root)
	m := New(d, budget)
	m.dirs = d
	return m
}

// Close releases the directories a memory from NewRoot opened, once every
// other call has returned; it does not close the root.
func (m *FS) Close() error {
	if m.dirs == nil {
		return nil
	}
	return m.dirs.Close()
}

// Open opens name; a file whose contents are kept is opened in memory.
func (m *FS) Open(name string) (fs.File, error) {
	m.mu.Lock()
	data, ok := m.files[name]
	m.mu.Unlock()
	if !ok {
		return m.fsys.Open(name)
	}
	info, err := m.Stat(name)
	if err != nil {
		return m.fsys.Open(name)
	}
	return &file{Reader: bytes.NewReader(data), info: info}, nil
}

// Stat returns the underlying FS's answer for name, once asked.
func (m *FS) Stat(name string) (fs.FileInfo, error) {
	s := m.stats.Get(name, func() stat {
		info, err := fs.Stat(m.fsys, name)
		return stat{info, err}
	})
	return s.info, s.err
}

// ReadDir returns the underlying FS's entries of name, once asked.
func (m *FS) ReadDir(name string) ([]fs.DirEntry, error) {
	d := m.lists.Get(name, func() dir {
		entries, err := fs.ReadDir(m.fsys, name)
		return dir{entries, err}
	})
	return slices.Clone(d.entries), d.err
}

// ReadFile returns a copy of name's contents, kept while the budget
// allows.
func (m *FS) ReadFile(name string) ([]byte, error) {
	m.mu.Lock()
	data, ok := m.files[name]
	m.mu.Unlock()
	if ok {
		return bytes.Clone(data), nil
	}
	data, err := fs.ReadFile(m.fsys, name)
	if err != nil {
		return nil, err
	}
	m.mu.Lock()
	if _, ok := m.files[name]; !ok && int64(len(data)) <= m.budget {
		m.files[name] = bytes.Clone(data)
		m.budget -= int64(len(data))
	}
	m.mu.Unlock()
	return data, nil
}

// file is an open file whose contents are in memory.
type file struct {
	*bytes.Reader
	info fs.FileInfo
}

func (f *file) Stat() (fs.FileInfo, error) { return f.info, nil }
func (f *file) Close() error               { return nil }
