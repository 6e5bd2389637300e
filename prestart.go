package syncgate

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"sync"

	"github.com/rogpeppe/go-internal/cache"
)

// A render worker takes about 0.2 s to start: a third of a re-check after
// a one-file change on the corpus, whose targets to render the cache's
// lookup finds only after discovery. So a check with workers starts one
// as it starts, when it will render: always without the result cache,
// and with it when the checked paths' tree differs from the last check's
// of the same paths. The tree's print (names, modes, sizes and
// modification times, no file read) is a hint and decides no result: a
// wrong one costs a worker's start, or the wait for one, nothing else.

// maxPrintEntries bounds the walk of a tree; a larger tree is taken as
// changed.
const maxPrintEntries = 100_000

var errTreeTooLarge = errors.New("tree too large to print")

// treePrint hashes the path, mode, size and modification time of every
// file and directory at or under paths, but for .git directories (git's
// own writes do not change what is checked) and the directory skip (the
// cache's, which every check writes). Symbolic links are not followed.
// More than limit entries is an error.
func treePrint(paths []string, skip string, limit int) ([sha256.Size]byte, error) {
	h := sha256.New()
	n := 0
	for _, root := range paths {
		err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if n++; n > limit {
				return errTreeTooLarge
			}
			if d.IsDir() && (d.Name() == ".git" || p == skip) {
				return fs.SkipDir
			}
			info, err := d.Info()
			if err != nil {
				return err
			}
			fmt.Fprintf(h, "%s\x00%d\x00%d\x00%d\x00", p, info.Mode(), info.Size(), info.ModTime().UnixNano())
			return nil
		})
		if err != nil {
			return [sha256.Size]byte{}, err
		}
	}
	return [sha256.Size]byte(h.Sum(nil)), nil
}

// prestart starts a render worker for a check of src when the check will
// render (see above). remember, called once the check succeeded, records
// the print of src's tree for the next check.
func (g *Gate) prestart(src *Source) (remember func()) {
	if g.workers == nil || src.Dir == "" {
		return func() {}
	}
	if g.cache == nil {
		g.workers.Prestart()
		return func() {}
	}
	var save func()
	var walk sync.WaitGroup
	walk.Go(func() {
		var changed bool
		if changed, save = g.treeChanged(src); changed {
			g.workers.Prestart()
		}
	})
	return func() {
		walk.Wait()
		save()
	}
}

// treeChanged reports whether the tree of src's paths differs from the
// one the last check of the same paths saved, or cannot be printed; save
// saves it for the next check.
func (g *Gate) treeChanged(src *Source) (changed bool, save func()) {
	var paths []string
	for _, p := range src.Paths {
		paths = append(paths, filepath.Join(src.Dir, filepath.FromSlash(p)))
	}
	if len(paths) == 0 {
		paths = []string{src.Dir}
	}
	print, err := treePrint(paths, g.cache.dir, maxPrintEntries)
	if err != nil {
		g.opts.Logger.Debug("tree not printed", "paths", paths, "err", err)
		return true, func() {}
	}
	key := cache.ActionID(sha256.Sum256(fmt.Appendf(nil, "syncgate-tree-print\x00%q", paths)))
	if last, ok := g.cache.get(key); ok && bytes.Equal(last, print[:]) {
		return false, func() {}
	}
	return true, func() { g.cache.put(key, print[:]) }
}
