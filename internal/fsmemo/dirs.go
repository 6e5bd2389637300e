package fsmemo

import (
	"errors"
	"io/fs"
	"os"
	"path"
	"sync"
	"syscall"
)

// maxDirs bounds the directories one FS keeps open: well within the
// open-file limit, which Go raises at start, beside what rendering opens.
// Past it, paths resolve from the root again.
const maxDirs = 1024

// dirs is root's file system with each directory it reads in opened
// once. os.Root resolves a path one component at a time, an openat and a
// close per directory; relative to its directory's handle, a file is one
// call. A directory handle confines to that directory: whatever it
// refuses or cannot tell alike (a symbolic link that leaves the
// directory, a path that is not a directory) is asked of root, so every
// answer, error included, is the one root gives.
type dirs struct {
	root *os.Root
	top  fs.FS // root.FS()

	mu     sync.Mutex
	opened map[string]*dirRoot
	max    int // of opened
	closed bool
}

// dirRoot is one directory's handle, nil when it has none.
type dirRoot struct {
	once sync.Once
	root *os.Root
}

func newDirs(root *os.Root) *dirs {
	return &dirs{root: root, top: root.FS(), opened: map[string]*dirRoot{}, max: maxDirs}
}

// in returns the handle of dir, opened from its parent's on first use, or
// nil when dir has none: it is not a directory, leaves its parent, or the
// bound is reached.
func (d *dirs) in(dir string) *os.Root {
	if dir == "." {
		return d.root
	}
	d.mu.Lock()
	e, ok := d.opened[dir]
	if !ok && !d.closed && len(d.opened) < d.max {
		e = &dirRoot{}
		d.opened[dir] = e
	}
	d.mu.Unlock()
	if e == nil {
		return nil
	}
	e.once.Do(func() {
		if r, err := d.open(dir); err == nil {
			e.root = r
		}
	})
	return e.root
}

// open opens the handle of dir from its parent's, or from root when the
// parent has none or a symbolic link may leave it and stay inside root.
func (d *dirs) open(dir string) (*os.Root, error) {
	parent := d.in(path.Dir(dir))
	if parent == nil {
		return d.root.OpenRoot(dir)
	}
	r, err := parent.OpenRoot(path.Base(dir))
	if parent != d.root && mayEscape(err) {
		return d.root.OpenRoot(dir)
	}
	return r, err
}

// mayEscape reports whether opening a directory failed in a way a
// symbolic link out of its parent could explain: not when there is
// nothing there, nor when what is there is not a directory (os.Root
// opens it, an "open" error, then refuses it).
func mayEscape(err error) bool {
	var pe *fs.PathError
	return err != nil && !(errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) || errors.As(err, &pe) && pe.Op == "open")
}

// do answers f for name relative to the handle of its nearest directory
// that has one, when that answer is root's too: found, or not there, or
// not a directory on the way, which is the same from root but for the
// name. Otherwise root answers.
func do[T any](d *dirs, name string, f func(fsys fs.FS, name string) (T, error)) (T, error) {
	if name == "." || !fs.ValidPath(name) {
		return f(d.top, name)
	}
	dir := path.Dir(name)
	r := d.in(dir)
	for r == nil {
		dir = path.Dir(dir)
		r = d.in(dir)
	}
	if r != d.root {
		rel := name[len(dir)+1:]
		v, err := f(r.FS(), rel)
		if err == nil {
			return v, nil
		}
		var pe *fs.PathError
		if errors.As(err, &pe) && pe.Path == rel && (errors.Is(pe.Err, fs.ErrNotExist) || errors.Is(pe.Err, syscall.ENOTDIR)) {
			pe.Path = name
			return v, pe
		}
	}
	return f(d.top, name)
}

func (d *dirs) Open(name string) (fs.File, error) {
	return do(d, name, fs.FS.Open)
}

func (d *dirs) Stat(name string) (fs.FileInfo, error) {
	return do(d, name, fs.Stat)
}

func (d *dirs) ReadDir(name string) ([]fs.DirEntry, error) {
	return do(d, name, fs.ReadDir)
}

func (d *dirs) ReadFile(name string) ([]byte, error) {
	return do(d, name, fs.ReadFile)
}

// Close closes the directories' handles, not root, once every other call
// has returned; later calls resolve from root.
func (d *dirs) Close() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.closed = true
	var errs []error
	for _, e := range d.opened {
		if e.root != nil {
			errs = append(errs, e.root.Close())
		}
	}
	d.opened = map[string]*dirRoot{}
	return errors.Join(errs...)
}
