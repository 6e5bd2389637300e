package isolate

import (
	"bytes"
	"errors"
	"io"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/syncgate/syncgate/manifest"
)

// Values written as frames of one stream read back one by one, each
// within its frame: the stream's end between frames is io.EOF, a frame
// over the bound is refused before it is read, and a cut frame is an
// unexpected EOF.
func TestFrames(t *testing.T) {
	values := []response{
		{Objects: []*manifest.Object{manifest.NewObject(map[string]any{"kind": "ConfigMap", "data": map[string]any{"a": "1"}}, manifest.Origin{File: "a.yaml", Line: 1})}},
		{Findings: []manifest.Finding{{Rule: "r", Message: "m"}}, Secrets: []string{"s"}},
		{Objects: []*manifest.Object{manifest.NewObject(map[string]any{"kind": "Secret", "list": []any{int64(1), 2.5, true, nil}}, manifest.Origin{File: "b.yaml", Line: 3})}},
	}
	var stream bytes.Buffer
	w := newFrameWriter(&stream)
	var ends []int // of each frame in stream
	for _, v := range values {
		if err := w.write(v); err != nil {
			t.Fatal(err)
		}
		ends = append(ends, stream.Len())
	}
	data := stream.Bytes()

	r := newFrameReader(bytes.NewReader(data), 1<<20)
	for i, want := range values {
		var got response
		if err := r.next(&got); err != nil {
			t.Fatalf("value %d: %v", i, err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("value %d (-written +read):\n%s", i, diff)
		}
	}
	var extra response
	if err := r.next(&extra); err != io.EOF {
		t.Errorf("after the last frame: %v, want io.EOF", err)
	}

	r = newFrameReader(bytes.NewReader(data), int64(ends[0]-8-1))
	if err := r.next(&extra); !errors.Is(err, errFrameTooLarge) {
		t.Errorf("frame over the bound: %v, want errFrameTooLarge", err)
	}

	r = newFrameReader(bytes.NewReader(data[:ends[0]-1]), 1<<20)
	if err := r.next(&extra); err != io.ErrUnexpectedEOF {
		t.Errorf("cut frame: %v, want io.ErrUnexpectedEOF", err)
	}
}

// Whatever a worker sends, reading it ends in a value or an error: no
// panic, no read past the bound.
func FuzzFrameReader(f *testing.F) {
	var stream bytes.Buffer
	w := newFrameWriter(&stream)
	w.write(response{Objects: []*manifest.Object{manifest.NewObject(map[string]any{"kind": "ConfigMap"}, manifest.Origin{File: "a.yaml"})}})
	w.write(response{Notes: []manifest.Finding{{Rule: "r"}}})
	f.Add(stream.Bytes())
	f.Add([]byte{0, 0, 0, 0, 0, 0, 0, 3, 1, 2, 3})
	f.Fuzz(func(t *testing.T, data []byte) {
		r := newFrameReader(bytes.NewReader(data), 1<<16)
		for range 4 {
			var resp response
			if err := r.next(&resp); err != nil {
				return
			}
		}
	})
}
