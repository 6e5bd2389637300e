package render

import (
	"crypto/sha256"
	"io/fs"
	"slices"
	"sync"
)

// maxFileCacheBytes bounds the memory of a Renderer's file cache; a full
// cache is emptied and starts over.
const maxFileCacheBytes = 64 << 20

// fileCache remembers the checked form of the files kustomize reads: a
// base is read again by every overlay built on it, and decoding it with
// bounds and noting its objects is worth doing once. An entry is keyed
// by the file's path and bytes, so an edited file is a new entry, and a
// Renderer that lives across checks never serves a stale one.
type fileCache struct {
	mu      sync.Mutex
	entries map[[sha256.Size]byte]checkedFile
	bytes   int
}

// checkedFile is a manifest file that passed the bounded decoder, as
// kustomize is given it.
type checkedFile struct {
	data []byte
	// sources are the objects of a resource file.
	sources []sourceObject
}

// fileKey identifies a file read as a resource (its objects noted) or
// not.
func fileKey(rel string, resource bool, data []byte) [sha256.Size]byte {
	h := sha256.New()
	h.Write([]byte(rel))
	if resource {
		h.Write([]byte{0, 1})
	} else {
		h.Write([]byte{0, 0})
	}
	h.Write(data)
	return [sha256.Size]byte(h.Sum(nil))
}

func (c *fileCache) get(key [sha256.Size]byte) (checkedFile, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	f, ok := c.entries[key]
	return f, ok
}

func (c *fileCache) put(key [sha256.Size]byte, f checkedFile) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil || c.bytes+len(f.data) > maxFileCacheBytes {
		c.entries, c.bytes = map[[sha256.Size]byte]checkedFile{}, 0
	}
	c.entries[key] = f
	c.bytes += len(f.data)
}

// statCache remembers what one render of a target learnt of paths:
// kustomize asks whether the same files and directories exist many times
// over, and each answer costs a walk through the root-confined
// repository.
type statCache map[string]statResult

type statResult struct {
	info fs.FileInfo
	err  error
}

// stat is fs.Stat through the cache.
func (k *kustFS) stat(rel string) (fs.FileInfo, error) {
	if r, ok := k.stats[rel]; ok {
		return r.info, r.err
	}
	info, err := fs.Stat(k.fsys, rel)
	k.stats[rel] = statResult{info, err}
	return info, err
}

// checkedManifest returns a manifest file as kustomize is to read it:
// decoded with bounds and, when it is a resource file, its objects noted
// as sources; from the Renderer's cache when the same bytes were checked
// before.
func (k *kustFS) checkedManifest(rel string, data []byte) ([]byte, error) {
	resource := k.resourceFiles[rel]
	key := fileKey(rel, resource, data)
	if f, ok := k.renderer.files.get(key); ok {
		k.sources = append(k.sources, f.sources...)
		return slices.Clone(f.data), nil
	}
	f, err := k.checkManifest(rel, data, resource)
	if err != nil {
		return nil, err
	}
	k.renderer.files.put(key, f)
	k.sources = append(k.sources, f.sources...)
	return slices.Clone(f.data), nil
}
