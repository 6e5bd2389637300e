package isolate

import (
	"bytes"
	"encoding/binary"
	"encoding/gob"
	"errors"
	"fmt"
	"io"

	"github.com/syncgate/syncgate/manifest"
	"github.com/syncgate/syncgate/render"
)

// The protocol between a pool and its workers: one request frame in, one
// response frame out, each a length-prefixed gob value.

// request asks a worker to render one target of the repository at Root.
type request struct {
	Root    string
	Options options
	Target  render.Target
}

// options are the fields of render.Options a worker needs; the logger and
// job count stay with the pool.
type options struct {
	LoadRestrictions render.LoadRestrictions
	AllowRemote      bool
	KubeVersion      string
	APIVersions      []string
	Limits           manifest.Limits
}

func wireOptions(o render.Options) options {
	return options{o.LoadRestrictions, o.AllowRemote, o.KubeVersion, o.APIVersions, o.Limits}
}

func (o options) render() render.Options {
	return render.Options{
		LoadRestrictions: o.LoadRestrictions,
		AllowRemote:      o.AllowRemote,
		KubeVersion:      o.KubeVersion,
		APIVersions:      o.APIVersions,
		Limits:           o.Limits,
		Jobs:             1,
	}
}

// response is a rendered target, or why it failed.
type response struct {
	YAML    []byte
	Objects []*manifest.Object
	Err     *remoteError
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

// writeFrame writes v as one frame.
func writeFrame(w io.Writer, v any) error {
	var buf frameBuffer
	if err := gob.NewEncoder(&buf).Encode(v); err != nil {
		return err
	}
	binary.BigEndian.PutUint64(buf.data[:8], uint64(len(buf.data)-8))
	_, err := w.Write(buf.data)
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

// errFrameTooLarge is returned by readFrame for a frame over its bound.
var errFrameTooLarge = errors.New("frame too large")

// readFrame reads one frame of at most limit bytes into v.
func readFrame(r io.Reader, limit int64, v any) error {
	var size [8]byte
	if _, err := io.ReadFull(r, size[:]); err != nil {
		return err
	}
	n := binary.BigEndian.Uint64(size[:])
	if n > uint64(limit) {
		return fmt.Errorf("%w: %d bytes, the limit is %d", errFrameTooLarge, n, limit)
	}
	data := make([]byte, n)
	if _, err := io.ReadFull(r, data); err != nil {
		return err
	}
	return gob.NewDecoder(bytes.NewReader(data)).Decode(v)
}
