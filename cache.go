package syncgate

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/gob"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"maps"
	"os"
	"path"
	"path/filepath"
	"runtime/debug"
	"slices"
	"sync"

	"github.com/rogpeppe/go-internal/cache"

	"github.com/syncgate/syncgate/internal/memo"
	"github.com/syncgate/syncgate/internal/parallel"
	"github.com/syncgate/syncgate/manifest"
	"github.com/syncgate/syncgate/render"
)

// The result cache keeps what checking a target found, keyed by a hash of
// everything that decides it: the bytes of every file the target reads
// (render.InputFinder), the target and the Gate's options, the configuration,
// the policies' files, the Kubernetes version and syncgate's own build.
// A target none of whose inputs changed since it was checked is not
// rendered again. Its custom objects' findings also depend on the CRDs
// of every target, which are known only once every target is rendered or
// read from the cache: an entry records the digest of the CRDs it was
// checked with, and a target whose entry was checked with other CRDs is
// checked again.
//
// It is Go's build cache (github.com/rogpeppe/go-internal/cache): content
// addressed, safe for several processes at once, every output verified
// against its hash on the way out, and trimmed of entries unused for
// days. A corrupt or foreign entry is a miss.

// Objects' content holds these in interface values, which gob must know.
func init() {
	gob.Register(map[string]any{})
	gob.Register([]any{})
}

// cacheFormat changes whenever what an entry holds changes meaning.
const cacheFormat = "syncgate-target-1"

// DefaultCacheDir is the result cache's directory when Options.CacheDir is
// empty: syncgate under the user's cache directory.
func DefaultCacheDir() (string, error) {
	dir, err := os.UserCacheDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, "syncgate"), nil
}

// resultCache is a Gate's open cache. A write that fails (a read-only or
// full disk) turns the cache off for the Gate's life, with one debug line.
type resultCache struct {
	c      *cache.Cache
	dir    string // absolute
	logger *slog.Logger
	mu     sync.Mutex
	off    bool
}

// openCache opens the cache in dir, creating it; it returns nil, with
// one debug line, when that fails.
func openCache(dir string, logger *slog.Logger) *resultCache {
	err := os.MkdirAll(dir, 0o777)
	var c *cache.Cache
	if err == nil {
		c, err = cache.Open(dir)
	}
	if err == nil {
		dir, err = filepath.Abs(dir)
	}
	if err != nil {
		logger.Debug("result cache off", "dir", dir, "err", err)
		return nil
	}
	return &resultCache{c: c, dir: dir, logger: logger}
}

// entry is what the cache holds for one target.
type entry struct {
	Checked checked
	// CRDs is the digest of the run's CRDs that validated the target's
	// custom objects; Deferred says whether it had any.
	CRDs     [sha256.Size]byte
	Deferred bool
}

// get returns the bytes of the entry under key; a missing or corrupt
// entry is a miss.
func (rc *resultCache) get(key cache.ActionID) ([]byte, bool) {
	if rc == nil {
		return nil, false
	}
	data, _, err := rc.c.GetBytes(key)
	return data, err == nil
}

func (rc *resultCache) put(key cache.ActionID, data []byte) {
	if rc == nil {
		return
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if rc.off {
		return
	}
	if err := putBytes(rc.c, key, data); err != nil {
		rc.off = true
		rc.logger.Debug("result cache off: cannot write", "err", err)
	}
}

// runCache is the result cache as one check uses it. The check's entries
// are also kept together, in an index under the run's key and the
// repository's directory, which one read brings into memory: a check
// whose targets all come from the cache reads one entry, not thousands
// (every target's and every raw file's, two files each). An entry of the
// index is the one the cache holds under the same key, so trusting one
// is trusting the other; the entries the index lacks are read one by one.
// The targets' entries are one gob stream in the index: a decoder's
// set-up for their types cost more than the entries themselves (33 of
// the 55 ms of CPU that decoding the corpus's 378 entries took, each a
// stream of its own).
type runCache struct {
	rc    *resultCache
	index cache.ActionID
	// loaded is closed once prev holds the index as the check found it,
	// which is decoded beside the check's first steps.
	loaded chan struct{}
	prev   runIndex

	mu   sync.Mutex
	used runIndex // what the check read or wrote
	// changed says the targets' entries in used are not those of prev.
	changed bool
	sealed  bool
}

// runIndex is a run's index: the targets' entries, with the gob stream
// that holds them, and the other entries' bytes.
type runIndex struct {
	entries map[cache.ActionID]*entry
	stream  []byte
	raw     map[cache.ActionID][]byte
}

// keyedEntry is a target's entry in an index's stream.
type keyedEntry struct {
	Key   cache.ActionID
	Entry *entry
}

// forRun returns the cache for one check under the run's key of the
// repository in dir; its index is read and decoded in the background.
func (rc *resultCache) forRun(run [sha256.Size]byte, dir string) *runCache {
	id := cache.ActionID(sha256.Sum256(slices.Concat([]byte(cacheFormat+"-index-2\x00"), run[:], []byte(dir))))
	r := &runCache{rc: rc, index: id, loaded: make(chan struct{}),
		used: runIndex{entries: map[cache.ActionID]*entry{}, raw: map[cache.ActionID][]byte{}}}
	go func() {
		defer close(r.loaded)
		if data, ok := rc.get(id); ok {
			r.prev, _ = decodeRunIndex(data)
		}
	}()
	return r
}

func (r *runCache) get(key cache.ActionID) ([]byte, bool) {
	<-r.loaded
	data, ok := r.prev.raw[key]
	if !ok {
		data, ok = r.rc.get(key)
	}
	if ok {
		r.keep(key, data)
	}
	return data, ok
}

func (r *runCache) put(key cache.ActionID, data []byte) {
	r.rc.put(key, data)
	r.keep(key, data)
}

// keep puts an entry in the run's index only.
func (r *runCache) keep(key cache.ActionID, data []byte) {
	r.mu.Lock()
	r.used.raw[key] = data
	r.mu.Unlock()
}

// getEntry reads a target's entry; a foreign one is a miss.
func (r *runCache) getEntry(key cache.ActionID) (*entry, bool) {
	<-r.loaded
	e, indexed := r.prev.entries[key]
	if !indexed {
		data, ok := r.rc.get(key)
		if !ok {
			return nil, false
		}
		e = &entry{}
		if err := gob.NewDecoder(bytes.NewReader(data)).Decode(e); err != nil {
			return nil, false
		}
	}
	r.mu.Lock()
	r.used.entries[key] = e
	r.changed = r.changed || !indexed
	r.mu.Unlock()
	return e, true
}

func (r *runCache) putEntry(key cache.ActionID, e *entry) {
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(e); err != nil {
		r.rc.logger.Debug("result cache: entry not kept", "err", err)
		return
	}
	r.rc.put(key, buf.Bytes())
	r.mu.Lock()
	r.used.entries[key] = e
	r.changed = true
	r.mu.Unlock()
}

// seal encodes the targets' entries the check used into the index's
// stream. Call it once they are final, before the decision is made from
// them: that may change what the entries share.
func (r *runCache) seal() {
	<-r.loaded
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.sealed {
		return
	}
	r.sealed = true
	if !r.changed && len(r.used.entries) == len(r.prev.entries) {
		r.used.stream = r.prev.stream
		return
	}
	r.changed = true
	list := make([]keyedEntry, 0, len(r.used.entries))
	for _, key := range slices.SortedFunc(maps.Keys(r.used.entries), compareKeys) {
		list = append(list, keyedEntry{key, r.used.entries[key]})
	}
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(list); err != nil {
		r.rc.logger.Debug("result cache: targets' entries not indexed", "err", err)
		return
	}
	r.used.stream = buf.Bytes()
}

// maxIndex bounds the bytes of an index; a check that uses more keeps
// its entries one by one only.
const maxIndex = 64 << 20

// save writes the index of what the check used, when that is not the
// index it found. Call it once the check is done with the cache.
func (r *runCache) save() {
	r.seal()
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.changed && maps.EqualFunc(r.prev.raw, r.used.raw, bytes.Equal) {
		return
	}
	data := binary.AppendUvarint(nil, uint64(len(r.used.stream)))
	data = append(data, r.used.stream...)
	if data = append(data, encodeIndex(r.used.raw)...); len(data) <= maxIndex {
		r.rc.put(r.index, data)
	}
}

// decodeRunIndex reads what save wrote; anything else is an error.
func decodeRunIndex(data []byte) (runIndex, error) {
	n, size := binary.Uvarint(data)
	if size <= 0 || n > uint64(len(data)-size) {
		return runIndex{}, errors.New("index: bad length")
	}
	stream := data[size : size+int(n)]
	var list []keyedEntry
	if len(stream) > 0 {
		if err := gob.NewDecoder(bytes.NewReader(stream)).Decode(&list); err != nil {
			return runIndex{}, fmt.Errorf("index: %w", err)
		}
	}
	raw, err := decodeIndex(data[size+int(n):])
	if err != nil {
		return runIndex{}, err
	}
	entries := make(map[cache.ActionID]*entry, len(list))
	for _, ke := range list {
		if ke.Entry == nil {
			return runIndex{}, errors.New("index: empty entry")
		}
		entries[ke.Key] = ke.Entry
	}
	return runIndex{entries: entries, stream: stream, raw: raw}, nil
}

func compareKeys(a, b cache.ActionID) int { return bytes.Compare(a[:], b[:]) }

// encodeIndex writes entries in the order of their keys, each as its key,
// the length of its bytes (a uvarint) and its bytes.
func encodeIndex(entries map[cache.ActionID][]byte) []byte {
	var out []byte
	for _, key := range slices.SortedFunc(maps.Keys(entries), compareKeys) {
		out = append(out, key[:]...)
		out = binary.AppendUvarint(out, uint64(len(entries[key])))
		out = append(out, entries[key]...)
	}
	return out
}

// decodeIndex reads what encodeIndex wrote; anything else is an error.
func decodeIndex(data []byte) (map[cache.ActionID][]byte, error) {
	entries := map[cache.ActionID][]byte{}
	for len(data) > 0 {
		var key cache.ActionID
		if len(data) < len(key) {
			return nil, errors.New("index: truncated key")
		}
		data = data[copy(key[:], data):]
		n, size := binary.Uvarint(data)
		if size <= 0 || n > uint64(len(data)-size) {
			return nil, errors.New("index: bad length")
		}
		data = data[size:]
		entries[key], data = data[:n:n], data[n:]
	}
	return entries, nil
}

// findingsMemo keeps findings in the result cache under the run's key, a
// kind and a digest of what decides them: the secrets findings of a raw
// file (secrets.FileMemo, under the run's key, which covers the scanner's
// options), and the run's CRD findings. They are JSON: a gob decoder per
// small entry costs more than the scan. With indexOnly they are kept in
// the run's index alone: a raw file's entry is one of thousands, each two
// files in the cache, which made a cold check with the cache 1.3 s slower
// than one without on the 1x corpus; a check from another directory,
// which has no index, scans the raw files again.
type findingsMemo struct {
	rc        *runCache
	run       [sha256.Size]byte
	kind      string
	indexOnly bool
}

// The kinds of findingsMemo.
const (
	memoSecretsFile = "secrets-file"
	memoCRDs        = "crd-findings"
)

func (m findingsMemo) id(key [sha256.Size]byte) cache.ActionID {
	return cache.ActionID(sha256.Sum256(slices.Concat([]byte(m.kind+"\x00"), m.run[:], key[:])))
}

func (m findingsMemo) Get(key [sha256.Size]byte) ([]manifest.Finding, bool) {
	data, ok := m.rc.get(m.id(key))
	if !ok {
		return nil, false
	}
	var findings []manifest.Finding
	if err := json.Unmarshal(data, &findings); err != nil {
		return nil, false
	}
	return findings, true
}

func (m findingsMemo) Put(key [sha256.Size]byte, findings []manifest.Finding) {
	data, err := json.Marshal(findings)
	switch {
	case err != nil:
	case m.indexOnly:
		m.rc.keep(m.id(key), data)
	default:
		m.rc.put(m.id(key), data)
	}
}

// putBytes is c.PutBytes, which panics when GODEBUG=gocacheverify=1 finds
// an entry's bytes changed, as gob's order of map keys does: an error.
func putBytes(c *cache.Cache, key cache.ActionID, data []byte) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("%v", p)
		}
	}()
	return c.PutBytes(key, data)
}

// trim removes entries unused for days, at most once a day, as go does.
func (rc *resultCache) trim() {
	if rc == nil {
		return
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if !rc.off {
		rc.c.Trim()
	}
}

// runKey hashes what decides every target's results in one check: the
// cache format, syncgate's build, the Gate's options, the configuration,
// the files of the policies, the Kubernetes version and the SOPS rules.
func (g *Gate) runKey(spec checkSpec, version string) ([sha256.Size]byte, error) {
	h := sha256.New()
	write := func(v any) error {
		data, err := json.Marshal(v)
		if err == nil {
			h.Write(data)
			h.Write([]byte{0})
		}
		return err
	}
	o := g.opts
	parts := []any{
		cacheFormat, buildIdentity(), version, spec.trusted, o.Stages, o.FailOn, o.RepositoryExceptions,
		o.Render.LoadRestrictions, o.Render.AllowRemote, o.Render.APIVersions, o.Render.Limits,
		o.Validate.SchemaLocations, o.Validate.MissingSchemas, o.Validate.NoCRDCatalog, o.Validate.AllowRemote,
		o.Policy.Dirs, o.Policy.Namespaces, o.Policy.AllNamespaces, o.Policy.Bundled, o.Policy.Timeout, o.Policy.RegoVersion, o.Policy.MaxFileBytes,
		sha256.Sum256([]byte(o.Secrets.AgeKeys)), o.Secrets.MaxFiles, o.Secrets.Limits,
		o.Isolation, o.Engine.RepoURL, o.Engine.ChartCache, spec.cfg,
	}
	for _, crd := range o.Validate.CRDs {
		parts = append(parts, crd.Content, crd.Origin)
	}
	for _, p := range parts {
		if err := write(p); err != nil {
			return [sha256.Size]byte{}, err
		}
	}
	// The policies' files: the Gate's on disk, the repository's (and a
	// pre-merge check's base revision's) in cfgFS.
	for _, dir := range g.stages.policyDirs {
		fsys := g.opts.Policy.FS
		if fsys == nil {
			fsys = os.DirFS(dir)
			dir = "."
		}
		hashTree(h, fsys, dir)
	}
	if spec.cfg != nil && spec.cfgFS != nil {
		for _, p := range slices.Concat(spec.cfg.Policies, spec.cfg.CRDs, spec.cfg.SchemaLocations) {
			hashTree(h, spec.cfgFS, path.Clean(p))
		}
	}
	if spec.src.FS != nil {
		hashTree(h, spec.src.FS, ".sops.yaml")
	}
	return [sha256.Size]byte(h.Sum(nil)), nil
}

// targetKey hashes a target and the bytes of every file it reads, on top
// of the run's key. files remembers the hash of each file across the
// targets of one check, which share bases and charts.
func targetKey(run [sha256.Size]byte, in *inputs, t render.Target, files *fileHashes) (cache.ActionID, error) {
	fsys := in.fsys
	h := sha256.New()
	h.Write(run[:])
	data, err := json.Marshal(t)
	if err != nil {
		return cache.ActionID{}, err
	}
	h.Write(data)
	h.Write([]byte{0})
	if t.Skipped == "" {
		for _, p := range in.of(t) {
			files.tree(h, fsys, p)
		}
	}
	// An engine target is also defined by the object that defines it.
	if file, _ := t.DefinedAt(); t.Engine != "" {
		files.tree(h, fsys, file)
	}
	return cache.ActionID(h.Sum(nil)), nil
}

// fileHashes remembers the hashes of the files one check read, and what
// tree wrote for each path: overlays share their bases.
type fileHashes struct {
	hashes memo.Map[string, [sha256.Size]byte]
	trees  memo.Map[string, []byte]
}

// tree writes the path and a hash of every file at or under p to h; a
// path that does not exist is written as missing.
func (f *fileHashes) tree(h interface{ Write([]byte) (int, error) }, fsys fs.FS, p string) {
	h.Write(f.trees.Get(p, func() []byte {
		var b bytes.Buffer
		err := fs.WalkDir(fsys, p, func(name string, d fs.DirEntry, err error) error {
			if err != nil {
				fmt.Fprintf(&b, "%s\x00error %v\x00", name, err)
				return nil
			}
			if !d.IsDir() {
				fmt.Fprintf(&b, "%s\x00%x\x00", name, f.file(fsys, name))
			}
			return nil
		})
		if err != nil {
			fmt.Fprintf(&b, "%s\x00missing\x00", p)
		}
		return b.Bytes()
	}))
}

func (f *fileHashes) file(fsys fs.FS, name string) [sha256.Size]byte {
	return f.hashes.Get(name, func() [sha256.Size]byte {
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			return sha256.Sum256([]byte("error " + err.Error()))
		}
		return sha256.Sum256(data)
	})
}

// hashTree writes the files at or under p to h, without remembering.
func hashTree(h interface{ Write([]byte) (int, error) }, fsys fs.FS, p string) {
	var f fileHashes
	f.tree(h, fsys, p)
}

// crdDigest hashes the CRDs of a run, with the target each came from
// (an object is checked against its own target's CRDs first).
func crdDigest(crds []*manifest.Object) ([sha256.Size]byte, error) {
	h := sha256.New()
	for _, crd := range crds {
		data, err := json.Marshal(crd.Content)
		if err != nil {
			return [sha256.Size]byte{}, err
		}
		fmt.Fprintf(h, "%s\x00%s\x00%d\x00", crd.Origin.Target, crd.Origin.File, crd.Origin.Line)
		h.Write(data)
		h.Write([]byte{0})
	}
	return [sha256.Size]byte(h.Sum(nil)), nil
}

// buildIdentity names the syncgate program that checks: its build
// information and, since a development build keeps one version through
// every edit, the size and modification time of its executable. It is
// the same for the life of the process, so it is worked out once.
var buildIdentity = sync.OnceValue(func() string {
	id := "unknown"
	if info, ok := debug.ReadBuildInfo(); ok {
		id = info.String()
	}
	exe, err := os.Executable()
	if err == nil {
		var st os.FileInfo
		if st, err = os.Stat(exe); err == nil {
			return fmt.Sprintf("%s\x00%d\x00%d", id, st.Size(), st.ModTime().UnixNano())
		}
	}
	return id + "\x00" + err.Error()
})

// cacheRun returns the run's cache key, or ok false when the Gate has no
// cache, the check does not use it or the key cannot be computed. A
// pre-merge check compares the rendered objects: it keeps them, and so
// does not use the cache.
func (g *Gate) cacheRun(spec checkSpec, version string) (run [sha256.Size]byte, ok bool) {
	if g.cache == nil || spec.more != nil {
		return run, false
	}
	// What a remote base, chart or schema holds can change with no change
	// here.
	if g.opts.Render.AllowRemote || g.opts.Validate.AllowRemote {
		g.opts.Logger.Debug("result cache not used: remote inputs are allowed")
		return run, false
	}
	run, err := g.runKey(spec, version)
	if err != nil {
		g.opts.Logger.Debug("result cache not used", "err", err)
		return run, false
	}
	return run, true
}

// lookup computes the cache keys of targets under the run's key and
// reads their entries into entries, calling miss(i) as soon as target i
// has none, at most once for each. It returns nil, and no entries, when a
// key cannot be computed.
func (g *Gate) lookup(ctx context.Context, spec checkSpec, run [sha256.Size]byte, rc *runCache, entries []*entry, miss func(i int)) []cache.ActionID {
	in := spec.inputs
	if in == nil {
		in = newInputs(spec.src.FS)
	}
	var files fileHashes
	keys := make([]cache.ActionID, len(spec.targets))
	errs := make([]error, len(spec.targets))
	parallel.Do(len(spec.targets), max(g.opts.Render.Jobs, 1), func(i int) {
		if errs[i] = ctx.Err(); errs[i] != nil {
			return
		}
		if keys[i], errs[i] = targetKey(run, in, spec.targets[i], &files); errs[i] != nil {
			return
		}
		if e, ok := rc.getEntry(keys[i]); ok {
			entries[i] = e
		} else {
			miss(i)
		}
	})
	if err := errors.Join(errs...); err != nil {
		g.opts.Logger.Debug("result cache not used", "err", err)
		clear(entries)
		return nil
	}
	return keys
}
