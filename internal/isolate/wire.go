package isolate

import (
	"encoding/binary"
	"encoding/gob"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"time"

	"github.com/syncgate/syncgate/manifest"
	"github.com/syncgate/syncgate/policy"
	"github.com/syncgate/syncgate/render"
	"github.com/syncgate/syncgate/secrets"
)

// The protocol between a pool and its workers: one request frame in, one
// response frame out, each a length-prefixed gob value.

// request asks a worker to render one target of the repository at Root,
// and to evaluate policies on it when Eval is set.
type request struct {
	Root    string
	Options options
	Target  render.Target
	Eval    *evaluation
	// NoYAML asks for the objects only, as render.Renderer.RenderObjects
	// gives them.
	NoYAML bool
}

// Evaluation is what a worker evaluates on each target it renders: policy
// sets, on the objects as the Gate's later stages see them (SOPS objects
// decrypted with AgeKeys, their values masked in every finding), so that
// policies, maybe the repository's own, run within the worker's limits.
type Evaluation struct {
	// Run names one check: a worker compiles each policy set once per run
	// and keeps it for the run's later targets.
	Run uint64
	// Policies are the policy sets. Dirs are absolute paths on disk, or,
	// for a set whose InRepository is set, paths inside the repository;
	// FS and Logger are not sent (print output is dropped).
	Policies []Policies
	// AgeKeys is secrets.Options.AgeKeys.
	AgeKeys string
}

// Policies is one policy set of an Evaluation.
type Policies struct {
	Options      policy.Options
	InRepository bool
}

// evaluation is an Evaluation as sent to a worker.
type evaluation struct {
	Run      uint64
	Policies []policySpec
	AgeKeys  string
}

// policySpec is policy.Options without what cannot cross a process
// boundary.
type policySpec struct {
	Dirs          []string
	InRepository  bool
	Namespaces    []string
	AllNamespaces bool
	RegoVersion   string
	Bundled       bool
	Timeout       time.Duration
	MaxFileBytes  int64
	Jobs          int
}

func (e *Evaluation) wire() *evaluation {
	if e == nil {
		return nil
	}
	out := &evaluation{Run: e.Run, AgeKeys: e.AgeKeys}
	for _, p := range e.Policies {
		o := p.Options
		out.Policies = append(out.Policies, policySpec{o.Dirs, p.InRepository, o.Namespaces, o.AllNamespaces, o.RegoVersion, o.Bundled, o.Timeout, o.MaxFileBytes, o.Jobs})
	}
	return out
}

// options returns the spec's policy.Options, reading repository sets
// from repo.
func (s policySpec) options(repo fs.FS) policy.Options {
	o := policy.Options{Dirs: s.Dirs, Namespaces: s.Namespaces, AllNamespaces: s.AllNamespaces, RegoVersion: s.RegoVersion, Bundled: s.Bundled, Timeout: s.Timeout, MaxFileBytes: s.MaxFileBytes, Jobs: s.Jobs}
	if s.InRepository {
		o.FS = repo
	}
	return o
}

// Checked is what a worker's evaluation found on one target.
type Checked struct {
	Findings []manifest.Finding
	// Time is how long the evaluation took.
	Time time.Duration
}

// options are the fields of render.Options a worker needs; the logger and
// job count stay with the pool.
type options struct {
	LoadRestrictions  render.LoadRestrictions
	AllowRemote       bool
	KubernetesVersion string
	APIVersions       []string
	Limits            manifest.Limits
	ChartCache        string
	// AgeKeys decrypt SOPS Secrets for render.Options.DecryptSOPS, which
	// cannot cross the process boundary as a function.
	AgeKeys string
}

func wireOptions(o render.Options, ageKeys string) options {
	return options{o.LoadRestrictions, o.AllowRemote, o.KubernetesVersion, o.APIVersions, o.Limits, o.ChartCache, ageKeys}
}

func (o options) render() (render.Options, error) {
	opts := render.Options{
		LoadRestrictions:  o.LoadRestrictions,
		AllowRemote:       o.AllowRemote,
		KubernetesVersion: o.KubernetesVersion,
		APIVersions:       o.APIVersions,
		Limits:            o.Limits,
		ChartCache:        o.ChartCache,
		Jobs:              1,
	}
	if o.AgeKeys != "" {
		var err error
		if opts.DecryptSOPS, err = secrets.Decrypter(o.AgeKeys); err != nil {
			return render.Options{}, err
		}
	}
	return opts, nil
}

// response is a rendered target and its evaluation's findings, or why it
// failed.
type response struct {
	YAML       []byte
	Objects    []*manifest.Object
	Findings   []manifest.Finding
	PolicyTime time.Duration
	Secrets    []string
	Notes      []manifest.Finding
	Err        *remoteError
}

// remoteError carries a render error across the process boundary with its
// message and its SourceErrors intact, so findings read the same as when
// rendering in-process.
type remoteError struct {
	Message string
	Sources []remoteSource
}

type remoteSource struct {
	File    string
	Line    int
	Message string
	Limit   bool
}

func toRemote(err error) *remoteError {
	if err == nil {
		return nil
	}
	re := &remoteError{Message: err.Error()}
	for _, se := range manifest.SourceErrors(err) {
		re.Sources = append(re.Sources, remoteSource{se.File, se.Line, se.Err.Error(), errors.Is(se, manifest.ErrLimit)})
	}
	return re
}

// err rebuilds the error; the SourceErrors are reachable through Unwrap.
func (re *remoteError) err() error {
	if re == nil {
		return nil
	}
	errs := make([]error, len(re.Sources))
	for i, s := range re.Sources {
		errs[i] = &manifest.SourceError{File: s.File, Line: s.Line, Err: &causeError{s.Message, s.Limit}}
	}
	return &renderError{re.Message, errs}
}

type renderError struct {
	msg  string
	errs []error
}

func (e *renderError) Error() string   { return e.msg }
func (e *renderError) Unwrap() []error { return e.errs }

// causeError is a SourceError's cause as its text; it is a manifest.ErrLimit
// when the worker's was.
type causeError struct {
	msg   string
	limit bool
}

func (e *causeError) Error() string        { return e.msg }
func (e *causeError) Is(target error) bool { return e.limit && target == manifest.ErrLimit }

func init() {
	// Object content holds these inside interfaces.
	gob.Register(map[string]any{})
	gob.Register([]any{})
}

// A connection to a worker is frames each way: a length (8 bytes, big
// endian), then the gob messages of one value. One gob stream runs through
// each direction's frames, so that a type is described, and its coder
// compiled, once per worker rather than once per frame: with a stream per
// frame, that set-up was most of the decoding on both sides (in profiles
// of 3 cold checks of the corpus, 0.28 s of the main process's 0.38 s).

// frameWriter writes values as frames of one gob stream.
type frameWriter struct {
	w   io.Writer
	buf frameBuffer
	enc *gob.Encoder
}

func newFrameWriter(w io.Writer) *frameWriter {
	fw := &frameWriter{w: w}
	fw.enc = gob.NewEncoder(&fw.buf)
	return fw
}

// write writes v as one frame. After an error the stream is broken, and
// so is the connection.
func (fw *frameWriter) write(v any) error {
	fw.buf.data = nil
	if err := fw.enc.Encode(v); err != nil {
		return err
	}
	binary.BigEndian.PutUint64(fw.buf.data[:8], uint64(len(fw.buf.data)-8))
	_, err := fw.w.Write(fw.buf.data)
	return err
}

// frameBuffer is an io.Writer that keeps room for the length prefix.
type frameBuffer struct{ data []byte }

func (b *frameBuffer) Write(p []byte) (int, error) {
	if b.data == nil {
		b.data = make([]byte, 8, 8+len(p))
	}
	b.data = append(b.data, p...)
	return len(p), nil
}

// errFrameTooLarge is returned by frameReader for a frame over its bound.
var errFrameTooLarge = errors.New("frame too large")

// frameReader reads values from the frames of one gob stream, each frame
// at most limit bytes.
type frameReader struct {
	r     io.Reader
	limit uint64
	left  uint64 // of the current frame, yet to read
	dec   *gob.Decoder
}

func newFrameReader(r io.Reader, limit int64) *frameReader {
	fr := &frameReader{r: r, limit: uint64(limit)}
	fr.dec = gob.NewDecoder(fr)
	return fr
}

// next reads the next frame's value into v: io.EOF when the stream ended
// between frames. After any other error the stream is broken, and so is
// the connection.
func (fr *frameReader) next(v any) error { return fr.dec.Decode(v) }

// Read gives the decoder the bytes of the current frame, and reads the
// next frame's length once those are done. The decoder reads no further
// than the value it decodes, so the next frame is read only when the
// next value is asked for.
func (fr *frameReader) Read(p []byte) (int, error) {
	if fr.left == 0 {
		var size [8]byte
		if _, err := io.ReadFull(fr.r, size[:]); err != nil {
			return 0, err
		}
		fr.left = binary.BigEndian.Uint64(size[:])
		if fr.left > fr.limit {
			return 0, fmt.Errorf("%w: %d bytes, the limit is %d", errFrameTooLarge, fr.left, fr.limit)
		}
	}
	if uint64(len(p)) > fr.left {
		p = p[:fr.left]
	}
	n, err := fr.r.Read(p)
	fr.left -= uint64(n)
	if err == io.EOF && fr.left > 0 {
		err = io.ErrUnexpectedEOF
	}
	return n, err
}
