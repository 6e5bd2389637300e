package syncgate

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"

	"github.com/syncgate/syncgate/internal/fsmemo"
)

// Source is a repository a Gate checks: a file system rooted at the
// repository root, the parts of it to check, and the configuration that
// decides them.
type Source struct {
	// FS is the repository, rooted at the repository root. Nothing outside
	// it is read: rendering, the configuration and everything it names
	// (policies, CRDs, schema locations) load from it.
	FS fs.FS
	// Paths are the parts of the repository to check, relative to its
	// root and slash-separated; empty means all of it. A path that names
	// a file, as a pre-commit hook passes them, selects the targets whose
	// inputs hold it and the file's own raw checks.
	Paths []string
	// Dir is the repository root on disk, or "" for a repository in
	// memory (a git revision, an embedded tree). Rendering in worker
	// processes (Options.Isolation) needs it.
	Dir string
	// Trusted is configuration from the caller for this check, such as
	// the base revision's in a pre-merge check. When non-nil it replaces
	// both Options.Config and the repository's .syncgate.yaml, and it may
	// waive any rule.
	Trusted *Config
	// Shard, when set, has Check check one part of the targets, for a CI
	// matrix whose decisions syncgate merge combines; the raw files
	// belong to no target, and the first shard checks them.
	Shard Shard

	root *os.Root
	memo *fsmemo.FS // a view's memory of FS, which Close releases

	once   sync.Once
	config *Config // the repository's .syncgate.yaml; nil when it has none
	err    error
}

// FS returns a Source over an in-memory or embedded repository: its
// .syncgate.yaml, if any, is read from fsys like a directory's.
func FS(fsys fs.FS, paths ...string) *Source {
	return &Source{FS: fsys, Paths: paths}
}

// OpenDir opens the repository that holds path, as RootOf chooses it.
// Reads are confined to that root, symbolic links included. Close the
// Source when done.
func OpenDir(path string) (*Source, error) {
	root, err := RootOf(path)
	if err != nil {
		return nil, err
	}
	return OpenRoot(root, path)
}

// RootOf returns the repository root of path: the nearest directory at or
// above it that holds a .git entry; outside git, the current directory
// when path is inside it, else path itself (its directory, for a file).
func RootOf(path string) (string, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", err
	}
	info, err := os.Stat(abs)
	if err != nil {
		return "", err
	}
	dir := abs
	if !info.IsDir() {
		dir = filepath.Dir(abs)
	}
	if top := gitTopLevel(dir); top != "" {
		return top, nil
	}
	if wd, err := os.Getwd(); err == nil && inside(wd, dir) {
		return wd, nil
	}
	return dir, nil
}

// OpenRoot opens the repository at root to check paths, which are
// relative to the current directory (or absolute) and must lie inside
// root. Close the Source when done.
func OpenRoot(root string, paths ...string) (*Source, error) {
	rootAbs, err := filepath.Abs(root)
	if err != nil {
		return nil, err
	}
	src := &Source{Dir: rootAbs}
	for _, p := range paths {
		abs, err := filepath.Abs(p)
		if err != nil {
			return nil, err
		}
		if !inside(rootAbs, abs) {
			return nil, &OutsideRootError{Path: p, Root: rootAbs}
		}
		rel, _ := filepath.Rel(rootAbs, abs)
		src.Paths = append(src.Paths, filepath.ToSlash(rel))
	}
	if src.root, err = os.OpenRoot(rootAbs); err != nil {
		return nil, err
	}
	src.FS = src.root.FS()
	return src, nil
}

// OutsideRootError is a path to check that is outside the repository root.
type OutsideRootError struct{ Path, Root string }

func (e *OutsideRootError) Error() string {
	return fmt.Sprintf("%s is outside the repository root %s", e.Path, e.Root)
}

// inside reports whether path is dir or below it.
func inside(dir, path string) bool {
	rel, err := filepath.Rel(dir, path)
	return err == nil && (rel == "." || filepath.IsLocal(rel))
}

// viewBudget bounds the file contents one check keeps in memory.
const viewBudget = 64 << 20

// view returns s for one check: the same repository and options, with
// what its FS answers remembered (fsmemo), since targets read the files
// they share again and again. The repository must not change during the
// check; its configuration is read again, through the view. Close the
// view when the check is done: over a directory it holds the directories
// it read in open.
func (s *Source) view() *Source {
	m := fsmemo.New(s.FS, viewBudget)
	if s.root != nil && s.FS == s.root.FS() {
		m = fsmemo.NewRoot(s.root, viewBudget)
	}
	return &Source{FS: m, memo: m, Paths: s.Paths, Dir: s.Dir, Trusted: s.Trusted, Shard: s.Shard}
}

// Root returns the repository root on disk, or "" for a Source built from
// an fs.FS.
func (s *Source) Root() string { return s.Dir }

// Close releases the directory opened by OpenDir or OpenRoot.
func (s *Source) Close() error {
	if s.memo != nil {
		return s.memo.Close()
	}
	if s.root == nil {
		return nil
	}
	return s.root.Close()
}

// RepositoryConfig returns the repository's own .syncgate.yaml, read from
// FS on first use, or nil when it has none.
func (s *Source) RepositoryConfig() (*Config, error) {
	s.once.Do(func() {
		data, err := fs.ReadFile(s.FS, ConfigFileName)
		switch {
		case errors.Is(err, fs.ErrNotExist):
		case err != nil:
			s.err = fmt.Errorf("%s: %w", ConfigFileName, err)
		default:
			s.config, s.err = ParseConfig(ConfigFileName, data)
		}
	})
	return s.config, s.err
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
