package syncgate

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// Source is the repository a Gate checks.
type Source struct {
	// FS is the repository, rooted at the repository root. Nothing outside
	// it is read.
	FS fs.FS
	// Paths are the parts of the repository to check, relative to its
	// root and slash-separated; empty means all of it.
	Paths []string
	// Config is the repository's .syncgate.yaml, if it has one.
	Config *Config

	root *os.Root
}

// OpenDir opens the repository that holds path: its git top-level, or path
// itself outside git. Reads are confined to that root, symlinks included,
// and the root's .syncgate.yaml, if any, is loaded. Close the Source when
// done.
func OpenDir(path string) (*Source, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	info, err := os.Stat(abs)
	if err != nil {
		return nil, err
	}
	dir := abs
	if !info.IsDir() {
		dir = filepath.Dir(abs)
	}
	rootDir := gitTopLevel(dir)
	if rootDir == "" {
		rootDir = dir
	}
	rel, err := filepath.Rel(rootDir, abs)
	if err != nil {
		return nil, err
	}
	root, err := os.OpenRoot(rootDir)
	if err != nil {
		return nil, err
	}
	src := &Source{FS: root.FS(), Paths: []string{filepath.ToSlash(rel)}, root: root}
	src.Config, err = readRootConfig(src.FS)
	if err != nil {
		root.Close()
		return nil, err
	}
	return src, nil
}

// Root returns the directory OpenDir chose as the repository root, or ""
// for a Source built from an fs.FS.
func (s *Source) Root() string {
	if s.root == nil {
		return ""
	}
	return s.root.Name()
}

// Close releases the directory opened by OpenDir.
func (s *Source) Close() error {
	if s.root == nil {
		return nil
	}
	return s.root.Close()
}

// gitTopLevel returns the nearest directory at or above dir that holds a
// .git entry, or "". It reads no git data, so it needs no git binary.
func gitTopLevel(dir string) string {
	for {
		if _, err := os.Lstat(filepath.Join(dir, ".git")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

// readRootConfig loads .syncgate.yaml at the root of fsys, if present.
func readRootConfig(fsys fs.FS) (*Config, error) {
	data, err := fs.ReadFile(fsys, ConfigFileName)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", ConfigFileName, err)
	}
	return ParseConfig(ConfigFileName, data)
}
