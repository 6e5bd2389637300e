package report

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestReadJSONRoundTrip reads each JSON golden back and writes it again:
// what syncgate merge reads is all -o json wrote.
func TestReadJSONRoundTrip(t *testing.T) {
	for _, name := range []string{"allowed.json", "blocked.json"} {
		t.Run(name, func(t *testing.T) {
			want, err := os.ReadFile(filepath.Join("testdata", name))
			if err != nil {
				t.Fatal(err)
			}
			d, err := ReadJSON(bytes.NewReader(want), name)
			if err != nil {
				t.Fatal(err)
			}
			var got bytes.Buffer
			if err := Write(&got, d, JSON, Options{}); err != nil {
				t.Fatal(err)
			}
			if got.String() != string(want) {
				t.Errorf("written again:\n%s\nwant:\n%s", got.String(), want)
			}
		})
	}
}

func TestReadJSONRefuses(t *testing.T) {
	tests := []struct {
		name, in, wantErr string
	}{
		{"not JSON", "allowed: true", "shard.json: not a syncgate JSON decision"},
		{"unknown key", `{"allowed": true, "verdict": 1}`, `unknown field "verdict"`},
		{"two values", `{"allowed": true} {}`, "more than one JSON value"},
		{"a diff's", `{"allowed": true, "objects": []}`, "a diff's decision"},
		{"bad severity", `{"findings": [{"rule": "a/b", "severity": "fatal"}]}`, `findings[0]: unknown severity "fatal"`},
		{"no rule", `{"findings": [{"severity": "error"}]}`, "findings[0]: no rule"},
		{"unnamed target", `{"targets": [{"kind": "helm"}]}`, "targets[0] has no name"},
		{"bad override", `{"overrides": [{"rule": "a/b", "severity": ""}]}`, "overrides[0]: unknown severity"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ReadJSON(strings.NewReader(tt.in), "shard.json")
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("error %v, want it to hold %q", err, tt.wantErr)
			}
		})
	}
}

// FuzzReadJSON: a shard's file is untrusted input. Whatever ReadJSON
// accepts writes as JSON that it reads back to the same output.
func FuzzReadJSON(f *testing.F) {
	for _, name := range []string{"allowed.json", "blocked.json"} {
		data, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(`{"findings": [{"rule": "a", "severity": "info", "object": {}, "new": false}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := ReadJSON(bytes.NewReader(data), "fuzz.json")
		if err != nil {
			return
		}
		var once, twice bytes.Buffer
		if err := Write(&once, d, JSON, Options{}); err != nil {
			t.Fatal(err)
		}
		again, err := ReadJSON(bytes.NewReader(once.Bytes()), "again.json")
		if err != nil {
			t.Fatalf("own output refused: %v\n%s", err, once.String())
		}
		if err := Write(&twice, again, JSON, Options{}); err != nil {
			t.Fatal(err)
		}
		if once.String() != twice.String() {
			t.Errorf("not stable:\n%s\nthen:\n%s", once.String(), twice.String())
		}
	})
}
