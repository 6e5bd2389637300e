// Package gitfs reads revisions of a git repository as file systems, from
// git objects with go-git: no checkout, no worktree change, no git binary.
package gitfs

import (
	"bufio"
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/go-git/go-billy/v5"
	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/format/gitignore"
	"github.com/go-git/go-git/v5/plumbing/object"

	"github.com/syncgate/syncgate/internal/memo"
)

// Repo is a git repository opened for reading revisions.
type Repo struct {
	// mu serialises go-git, whose object storage is not safe for
	// concurrent use; rendering reads several files at once.
	mu   *sync.Mutex
	repo *git.Repository
	// Dir is the working tree's top-level directory, or "" for a bare
	// repository.
	Dir string
}

// Open opens the repository that holds path (path or a directory above
// it holds .git).
func Open(dir string) (*Repo, error) {
	repo, err := git.PlainOpenWithOptions(dir, &git.PlainOpenOptions{DetectDotGit: true, EnableDotGitCommonDir: true})
	if errors.Is(err, git.ErrRepositoryNotExists) {
		return nil, fmt.Errorf("%s is not in a git repository", dir)
	}
	if err != nil {
		return nil, fmt.Errorf("open git repository at %s: %w", dir, err)
	}
	r := &Repo{mu: &sync.Mutex{}, repo: repo}
	if wt, err := repo.Worktree(); err == nil {
		r.Dir = wt.Filesystem.Root()
	}
	return r, nil
}

// Ignored returns a function that reports whether a path of the working
// tree (slash-separated, relative to Dir) is one the repository's
// .gitignore files leave out: what a commit of the tree would not hold.
// It reads the .gitignore files of a path's directories when first asked
// about a path there, as gitignore.ReadPatterns would have read them
// all: a check walks the tree once anyway, and skips ignored directories.
func (r *Repo) Ignored() (func(name string, dir bool) bool, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	wt, err := r.repo.Worktree()
	if err != nil {
		return nil, fmt.Errorf("working tree: %w", err)
	}
	ig := &ignores{fs: wt.Filesystem, excludes: wt.Excludes}
	return ig.match, nil
}

// ignores holds the gitignore patterns of the working tree's directories,
// read on first use.
type ignores struct {
	fs       billy.Filesystem
	excludes []gitignore.Pattern
	chains   memo.Map[string, chain]
}

// chain is what applies under a directory: the patterns of it and of
// those above it, in ascending priority; skipped when it or a directory
// above it is ignored, whose .gitignore files git does not read.
type chain struct {
	patterns []gitignore.Pattern
	skipped  bool
	// matcher matches the patterns and the excludes, for the paths in
	// the directory; built once per directory, not per path.
	matcher gitignore.Matcher
}

func (ig *ignores) match(name string, dir bool) bool {
	parts := strings.Split(name, "/")
	return ig.chain(parts[:len(parts)-1]).matcher.Match(parts, dir)
}

// chain returns the chain of the directory at parts, as ReadPatterns
// builds it: .git/info/exclude, then .gitignore, of each directory from
// the top.
func (ig *ignores) chain(parts []string) chain {
	return ig.chains.Get(strings.Join(parts, "/"), func() chain {
		c := ig.read(parts)
		c.matcher = gitignore.NewMatcher(slices.Concat(c.patterns, ig.excludes))
		return c
	})
}

// read reads the chain of the directory at parts, but its matcher.
func (ig *ignores) read(parts []string) chain {
	if len(parts) == 0 {
		return chain{patterns: ig.own(parts)}
	}
	parent := ig.chain(parts[:len(parts)-1])
	if parent.skipped || gitignore.NewMatcher(parent.patterns).Match(parts, true) {
		return chain{patterns: parent.patterns, skipped: true}
	}
	return chain{patterns: slices.Concat(parent.patterns, ig.own(parts))}
}

// own reads a directory's own patterns; an unreadable file has none, as
// for ReadPatterns.
func (ig *ignores) own(parts []string) []gitignore.Pattern {
	var ps []gitignore.Pattern
	for _, file := range []string{".git/info/exclude", ".gitignore"} {
		f, err := ig.fs.Open(ig.fs.Join(append(slices.Clone(parts), file)...))
		if err != nil {
			continue
		}
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if line := sc.Text(); !strings.HasPrefix(line, "#") && strings.TrimSpace(line) != "" {
				ps = append(ps, gitignore.ParsePattern(line, parts))
			}
		}
		f.Close()
	}
	return ps
}

// RevisionError is a revision that could not be read; Hint says what to do.
type RevisionError struct {
	Rev  string
	Err  error
	Hint string
}

func (e *RevisionError) Error() string {
	msg := fmt.Sprintf("revision %q: %v", e.Rev, e.Err)
	if e.Hint != "" {
		msg += "; " + e.Hint
	}
	return msg
}

func (e *RevisionError) Unwrap() error { return e.Err }

// shallowHint is what to do when a revision may be missing because the
// clone is shallow.
const shallowHint = "the clone is shallow: fetch the history (actions/checkout with fetch-depth: 0, or git fetch --unshallow origin, or git fetch origin main)"

// Commit resolves rev (a branch, tag, SHA, HEAD~1, origin/main: what git
// rev-parse resolves) to a commit.
func (r *Repo) Commit(rev string) (*object.Commit, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.commit(rev)
}

func (r *Repo) commit(rev string) (*object.Commit, error) {
	if _, err := r.repo.Head(); errors.Is(err, plumbing.ErrReferenceNotFound) {
		return nil, &RevisionError{Rev: rev, Err: errors.New("the repository has no commits"), Hint: "commit first, or fetch the branch to compare with"}
	}
	// go-git says little about why a revision does not resolve (a
	// missing reference, or an ancestor past the first commit reads as
	// EOF): the hint matters more.
	hash, err := r.repo.ResolveRevision(plumbing.Revision(rev))
	if err != nil {
		return nil, r.missing(rev)
	}
	c, err := r.repo.CommitObject(*hash)
	if errors.Is(err, plumbing.ErrObjectNotFound) {
		return nil, r.missing(rev)
	}
	if err != nil {
		return nil, &RevisionError{Rev: rev, Err: err}
	}
	return c, nil
}

// missing explains a revision that does not resolve.
func (r *Repo) missing(rev string) error {
	e := &RevisionError{Rev: rev, Err: errors.New("unknown revision")}
	if r.shallow() {
		e.Hint = shallowHint
	} else if !strings.ContainsAny(rev, "/~^:@") {
		e.Hint = "name a branch, tag or commit; a remote branch is origin/" + rev + " (git fetch origin " + rev + ")"
	}
	return e
}

func (r *Repo) shallow() bool {
	s, err := r.repo.Storer.Shallow()
	return err == nil && len(s) > 0
}

// MergeBase resolves the best common ancestor of base and head, as git
// merge-base does; head "" is HEAD.
func (r *Repo) MergeBase(base, head string) (*object.Commit, error) {
	head = cmp.Or(head, "HEAD")
	r.mu.Lock()
	defer r.mu.Unlock()
	b, err := r.commit(base)
	if err != nil {
		return nil, err
	}
	h, err := r.commit(head)
	if err != nil {
		return nil, err
	}
	bases, err := b.MergeBase(h)
	if err != nil {
		e := &RevisionError{Rev: base + "..." + head, Err: fmt.Errorf("merge base: %w", err)}
		if r.shallow() {
			e.Hint = shallowHint
		}
		return nil, e
	}
	if len(bases) == 0 {
		e := &RevisionError{Rev: base + "..." + head, Err: errors.New("no common ancestor")}
		if r.shallow() {
			e.Hint = shallowHint
		}
		return nil, e
	}
	// Several best ancestors happen after criss-cross merges; take a
	// stable one.
	slices.SortFunc(bases, func(a, b *object.Commit) int { return strings.Compare(a.Hash.String(), b.Hash.String()) })
	return bases[0], nil
}

// FS returns the tree of commit c as a read-only file system.
func (r *Repo) FS(c *object.Commit) (*FS, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	tree, err := c.Tree()
	if err != nil {
		return nil, fmt.Errorf("commit %s: tree: %w", c.Hash, err)
	}
	return &FS{repo: r, tree: tree, when: c.Committer.When, skipped: map[string]string{},
		trees: map[string]*object.Tree{}, blobs: map[plumbing.Hash][]byte{}}, nil
}

// maxCached bounds the bytes of file contents an FS keeps: rendering
// and input tracking read the same kustomizations many times.
const maxCached = 256 << 20

// FS is one commit's tree. Submodules and Git LFS pointers are skipped,
// never followed: they are absent from directory listings and do not
// open, and Skipped lists those met. It is safe for concurrent use.
type FS struct {
	repo *Repo
	tree *object.Tree
	when time.Time

	mu      sync.Mutex
	skipped map[string]string // path: why
	trees   map[string]*object.Tree
	blobs   map[plumbing.Hash][]byte
	cached  int
}

// Skipped lists the submodules and LFS pointers met so far, sorted, as
// "path: why".
func (f *FS) Skipped() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]string, 0, len(f.skipped))
	for p, why := range f.skipped {
		out = append(out, p+": "+why)
	}
	slices.Sort(out)
	return out
}

func (f *FS) skip(name, why string) {
	f.mu.Lock()
	f.skipped[name] = why
	f.mu.Unlock()
}

// maxLinks bounds the symbolic links followed to open one name.
const maxLinks = 40

// lfsPrefix starts every Git LFS pointer file.
var lfsPrefix = []byte("version https://git-lfs.github.com/spec/")

// entry resolves name to its tree entry, following symbolic links that
// stay inside the tree; the root has a nil entry.
func (f *FS) entry(op, name string) (*object.TreeEntry, string, error) {
	if !fs.ValidPath(name) {
		return nil, "", &fs.PathError{Op: op, Path: name, Err: fs.ErrInvalid}
	}
	links := 0
	return f.follow(op, name, &links)
}

// follow resolves name, counting in links the symbolic links followed on
// the way, in its directories too, so that no loop runs unbounded.
func (f *FS) follow(op, name string, links *int) (*object.TreeEntry, string, error) {
	for ; *links <= maxLinks; *links++ {
		if name == "." {
			return nil, name, nil
		}
		e, real, err := f.resolveDirs(name, links)
		if err != nil {
			return nil, "", &fs.PathError{Op: op, Path: name, Err: err}
		}
		name = real
		switch e.Mode {
		case filemode.Submodule:
			f.skip(name, "submodule, not followed")
			return nil, "", &fs.PathError{Op: op, Path: name, Err: fs.ErrNotExist}
		case filemode.Symlink:
			target, err := f.blob(e)
			if err != nil {
				return nil, "", &fs.PathError{Op: op, Path: name, Err: err}
			}
			next := path.Join(path.Dir(name), string(target))
			if path.IsAbs(string(target)) || !fs.ValidPath(next) {
				return nil, "", &fs.PathError{Op: op, Path: name, Err: errors.New("symbolic link leaves the repository")}
			}
			name = next
			continue
		}
		return e, name, nil
	}
	return nil, "", &fs.PathError{Op: op, Path: name, Err: errors.New("too many symbolic links")}
}

// resolveDirs finds name's entry, following symbolic links in its
// directories, and returns it with the path it has in the tree.
func (f *FS) resolveDirs(name string, links *int) (*object.TreeEntry, string, error) {
	dir, base := path.Split(name)
	tree := f.tree
	if dir = strings.TrimSuffix(dir, "/"); dir != "" {
		de, resolved, err := f.follow("open", dir, links)
		if err != nil {
			return nil, "", errors.Unwrap(err)
		}
		if de != nil && de.Mode != filemode.Dir {
			return nil, "", fs.ErrNotExist
		}
		if tree, err = f.subtree(resolved); err != nil {
			return nil, "", err
		}
		name = path.Join(resolved, base)
	}
	f.repo.mu.Lock()
	defer f.repo.mu.Unlock()
	e, err := tree.FindEntry(base)
	if err != nil {
		return nil, "", fs.ErrNotExist
	}
	return e, name, nil
}

// subtree returns the tree of a directory, kept once decoded.
func (f *FS) subtree(dir string) (*object.Tree, error) {
	if dir == "." {
		return f.tree, nil
	}
	f.mu.Lock()
	t, ok := f.trees[dir]
	f.mu.Unlock()
	if ok {
		return t, nil
	}
	parent, err := f.subtree(path.Dir(dir))
	if err != nil {
		return nil, err
	}
	f.repo.mu.Lock()
	t, err = parent.Tree(path.Base(dir))
	f.repo.mu.Unlock()
	if err != nil {
		return nil, fs.ErrNotExist
	}
	f.mu.Lock()
	f.trees[dir] = t
	f.mu.Unlock()
	return t, nil
}

// blob returns a file's contents, kept while they fit maxCached.
func (f *FS) blob(e *object.TreeEntry) ([]byte, error) {
	f.mu.Lock()
	data, ok := f.blobs[e.Hash]
	f.mu.Unlock()
	if ok {
		return data, nil
	}
	f.repo.mu.Lock()
	b, err := f.repo.repo.BlobObject(e.Hash)
	if err == nil {
		var rd io.ReadCloser
		if rd, err = b.Reader(); err == nil {
			data, err = io.ReadAll(rd)
			rd.Close()
		}
	}
	f.repo.mu.Unlock()
	if err != nil {
		return nil, err
	}
	f.keep(e.Hash, data)
	return data, nil
}

// keep keeps the contents of blob h while they fit maxCached.
func (f *FS) keep(h plumbing.Hash, data []byte) {
	f.mu.Lock()
	if _, ok := f.blobs[h]; !ok && f.cached+len(data) <= maxCached {
		f.blobs[h] = data
		f.cached += len(data)
	}
	f.mu.Unlock()
}

// Holds reports whether e, an entry that f's ReadDir listed, is a
// regular file with contents data, from its blob hash: no object is
// read. ok is false when the hash cannot tell: e is another file
// system's entry or not a regular file, or data is a Git LFS pointer,
// which f does not open. When e holds data, f keeps data (which the
// caller must not change after) as its contents, so that reading the
// file later reads no object either: a
// pre-merge check compares a revision with a working tree that mostly
// has the same files.
func (f *FS) Holds(e fs.DirEntry, data []byte) (same, ok bool) {
	d, isOurs := e.(*dirEntry)
	if !isOurs || d.fsys != f || !d.info.mode.IsRegular() || bytes.HasPrefix(data, lfsPrefix) {
		return false, false
	}
	if plumbing.ComputeHash(plumbing.BlobObject, data) != d.hash {
		return false, true
	}
	f.keep(d.hash, data)
	return true, true
}

// Open opens a file or directory of the tree.
func (f *FS) Open(name string) (fs.File, error) {
	e, resolved, err := f.entry("open", name)
	if err != nil {
		return nil, err
	}
	if e == nil || e.Mode == filemode.Dir {
		entries, err := f.readDir(resolved)
		if err != nil {
			return nil, &fs.PathError{Op: "open", Path: name, Err: err}
		}
		return &dir{info: f.info(path.Base(name), fs.ModeDir|0o555, 0), entries: entries}, nil
	}
	data, err := f.blob(e)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: err}
	}
	if bytes.HasPrefix(data, lfsPrefix) {
		f.skip(resolved, "Git LFS pointer, not fetched")
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	mode := fs.FileMode(0o444)
	if e.Mode == filemode.Executable {
		mode = 0o555
	}
	return &file{info: f.info(path.Base(name), mode, int64(len(data))), Reader: bytes.NewReader(data)}, nil
}

// ReadFile reads a whole file.
func (f *FS) ReadFile(name string) ([]byte, error) {
	fl, err := f.Open(name)
	if err != nil {
		return nil, err
	}
	if d, ok := fl.(*dir); ok {
		return nil, &fs.PathError{Op: "read", Path: name, Err: fmt.Errorf("%s is a directory", d.info.name)}
	}
	r := fl.(*file).Reader
	data := make([]byte, r.Len())
	_, err = r.Read(data)
	if err == io.EOF {
		err = nil
	}
	return data, err
}

// ReadDir lists a directory, sorted by name, without submodules.
func (f *FS) ReadDir(name string) ([]fs.DirEntry, error) {
	e, resolved, err := f.entry("readdir", name)
	if err != nil {
		return nil, err
	}
	if e != nil && e.Mode != filemode.Dir {
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: errors.New("not a directory")}
	}
	entries, err := f.readDir(resolved)
	if err != nil {
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: err}
	}
	return entries, nil
}

func (f *FS) readDir(name string) ([]fs.DirEntry, error) {
	t, err := f.subtree(name)
	if err != nil {
		return nil, err
	}
	entries := make([]fs.DirEntry, 0, len(t.Entries))
	for _, e := range t.Entries {
		p := path.Join(name, e.Name)
		var mode fs.FileMode
		switch e.Mode {
		case filemode.Submodule:
			f.skip(p, "submodule, not followed")
			continue
		case filemode.Dir:
			mode = fs.ModeDir | 0o555
		case filemode.Symlink:
			mode = fs.ModeSymlink | 0o777
		case filemode.Executable:
			mode = 0o555
		default:
			mode = 0o444
		}
		entries = append(entries, &dirEntry{fsys: f, hash: e.Hash, info: f.info(e.Name, mode, 0)})
	}
	slices.SortFunc(entries, func(a, b fs.DirEntry) int { return strings.Compare(a.Name(), b.Name()) })
	return entries, nil
}

// Stat describes a file or directory.
func (f *FS) Stat(name string) (fs.FileInfo, error) {
	fl, err := f.Open(name)
	if err != nil {
		return nil, err
	}
	defer fl.Close()
	return fl.Stat()
}

func (f *FS) info(name string, mode fs.FileMode, size int64) *info {
	return &info{name: name, mode: mode, size: size, mod: f.when}
}

type info struct {
	name string
	mode fs.FileMode
	size int64
	mod  time.Time
}

func (i *info) Name() string       { return i.name }
func (i *info) Size() int64        { return i.size }
func (i *info) Mode() fs.FileMode  { return i.mode }
func (i *info) ModTime() time.Time { return i.mod }
func (i *info) IsDir() bool        { return i.mode.IsDir() }
func (i *info) Sys() any           { return nil }

// dirEntry reads its file's size only when asked.
type dirEntry struct {
	fsys *FS
	hash plumbing.Hash
	info *info
}

func (d *dirEntry) Name() string      { return d.info.name }
func (d *dirEntry) IsDir() bool       { return d.info.IsDir() }
func (d *dirEntry) Type() fs.FileMode { return d.info.mode.Type() }

// Info describes the entry itself, a symbolic link unfollowed.
func (d *dirEntry) Info() (fs.FileInfo, error) {
	if d.info.mode.IsRegular() {
		d.fsys.repo.mu.Lock()
		defer d.fsys.repo.mu.Unlock()
		b, err := d.fsys.repo.repo.BlobObject(d.hash)
		if err != nil {
			return nil, err
		}
		i := *d.info
		i.size = b.Size
		return &i, nil
	}
	return d.info, nil
}

type file struct {
	info *info
	*bytes.Reader
}

func (f *file) Stat() (fs.FileInfo, error) { return f.info, nil }
func (f *file) Close() error               { return nil }

type dir struct {
	info    *info
	entries []fs.DirEntry
	offset  int
}

func (d *dir) Stat() (fs.FileInfo, error) { return d.info, nil }
func (d *dir) Close() error               { return nil }
func (d *dir) Read([]byte) (int, error) {
	return 0, &fs.PathError{Op: "read", Path: d.info.name, Err: errors.New("is a directory")}
}

// ReadDir lists the directory as fs.ReadDirFile requires.
func (d *dir) ReadDir(n int) ([]fs.DirEntry, error) {
	rest := d.entries[d.offset:]
	if n <= 0 {
		d.offset = len(d.entries)
		return rest, nil
	}
	if len(rest) == 0 {
		return nil, io.EOF
	}
	n = min(n, len(rest))
	d.offset += n
	return rest[:n], nil
}

// ReadLink returns the target of a symbolic link, as fs.ReadLinkFS
// requires (os.CopyFS copies links as links).
func (f *FS) ReadLink(name string) (string, error) {
	e, err := f.lstat("readlink", name)
	if err != nil {
		return "", err
	}
	if e.Mode != filemode.Symlink {
		return "", &fs.PathError{Op: "readlink", Path: name, Err: fs.ErrInvalid}
	}
	target, err := f.blob(e)
	if err != nil {
		return "", &fs.PathError{Op: "readlink", Path: name, Err: err}
	}
	return string(target), nil
}

// Lstat describes a file without following a final symbolic link.
func (f *FS) Lstat(name string) (fs.FileInfo, error) {
	e, err := f.lstat("lstat", name)
	if err != nil {
		return nil, err
	}
	if e == nil || e.Mode != filemode.Symlink {
		return f.Stat(name)
	}
	return f.info(path.Base(name), fs.ModeSymlink|0o777, 0), nil
}

// lstat finds name's own entry, following links in its directories only.
func (f *FS) lstat(op, name string) (*object.TreeEntry, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: op, Path: name, Err: fs.ErrInvalid}
	}
	if name == "." {
		return nil, nil
	}
	links := 0
	e, _, err := f.resolveDirs(name, &links)
	if err != nil {
		return nil, &fs.PathError{Op: op, Path: name, Err: err}
	}
	return e, nil
}
