package main

import (
	"bytes"
	"io"
	"os"
	"testing"
)

// TestNoTerminal checks that buffers, files and /dev/null get neither
// colour nor progress.
func TestNoTerminal(t *testing.T) {
	devNull, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer devNull.Close()
	file, err := os.Create(t.TempDir() + "/out")
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	for name, w := range map[string]io.Writer{"buffer": &bytes.Buffer{}, "/dev/null": devNull, "file": file} {
		if isTerminal(w) {
			t.Errorf("%s is taken for a terminal", name)
		}
		if reportOptions(w, false, nil).Color {
			t.Errorf("%s gets colour", name)
		}
		if newProgress(w, false).w != nil {
			t.Errorf("%s gets progress", name)
		}
	}
}
