package provenance

import (
	"io/fs"
	"testing"
	"testing/fstest"
	"time"

	"github.com/syncgate/syncgate/manifest"
)

// blockingFS holds the read of its first file until its second is read.
// It has Open only, so that every read goes through it.
type blockingFS struct {
	files         fstest.MapFS
	first, second string
	started       chan struct{} // closed when the first read begins
	secondRead    chan struct{} // closed when the second file is opened
}

func (b blockingFS) Open(name string) (fs.File, error) {
	switch name {
	case b.first:
		close(b.started)
		<-b.secondRead
	case b.second:
		close(b.secondRead)
	}
	return b.files.Open(name)
}

// A file being read does not hold up the reading of another: a Locator
// reads outside its lock.
func TestLocatorReadsConcurrently(t *testing.T) {
	fsys := blockingFS{
		files: fstest.MapFS{
			"a.yaml": {Data: []byte("kind: A\n")},
			"b.tpl":  {Data: []byte("b\nline\n")},
		},
		first: "a.yaml", second: "b.tpl",
		started: make(chan struct{}), secondRead: make(chan struct{}),
	}
	l := New(fsys, manifest.DefaultLimits())
	first := make(chan []manifest.Document)
	go func() { first <- l.yamlDocs("a.yaml") }()
	<-fsys.started
	second := make(chan []string)
	go func() { second <- l.lines("b.tpl") }()
	// The watchdog only turns a deadlock into a failure.
	select {
	case got := <-second:
		if len(got) != 3 {
			t.Errorf("lines of b.tpl = %q", got)
		}
	case <-time.After(time.Minute):
		t.Fatal("reading b.tpl waited for a.yaml")
	}
	if docs := <-first; len(docs) != 1 {
		t.Errorf("a.yaml: %d documents, want 1", len(docs))
	}
}
