package secrets

import (
	"context"
	"crypto/sha256"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/syncgate/syncgate/manifest"
)

// mapMemo is a FileMemo in memory that counts its hits.
type mapMemo struct {
	mu    sync.Mutex
	found map[[sha256.Size]byte][]manifest.Finding
	hits  int
}

func (m *mapMemo) Get(key [sha256.Size]byte) ([]manifest.Finding, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	found, ok := m.found[key]
	if ok {
		m.hits++
	}
	return found, ok
}

func (m *mapMemo) Put(key [sha256.Size]byte, findings []manifest.Finding) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.found == nil {
		m.found = map[[sha256.Size]byte][]manifest.Finding{}
	}
	m.found[key] = findings
}

// After a change to any file a finding depends on, FilesMemo finds what
// Files finds afresh: the file itself, a file a secretGenerator reads
// and the .sops.yaml that governs SOPS files. Each change changes some
// finding, so a stale memo would show.
func TestFilesMemo(t *testing.T) {
	tests := []struct {
		name, dir, file, old, new string
	}{
		{name: "the file itself", dir: "plaintext", file: "secrets.yaml", old: "stringData:", new: "stringDataX:"},
		{name: "a file a secretGenerator reads", dir: "generator", file: "app.env", old: "DB_PASSWORD=fixture-env-password", new: "DB_PASSWORD="},
		{name: "the .sops.yaml", dir: "sops", file: ".sops.yaml", old: "age: age1", new: "age: age1x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), tt.dir)
			if err := os.CopyFS(dir, os.DirFS(filepath.Join(fixtures, tt.dir))); err != nil {
				t.Fatal(err)
			}
			s, fsys, memo := newScanner(t, true), os.DirFS(dir), &mapMemo{}
			ctx := context.Background()
			before := s.Files(ctx, fsys)
			s.FilesMemo(ctx, fsys, memo)
			if memo.hits != 0 || len(memo.found) == 0 {
				t.Fatalf("first check: %d hits, %d files kept, want 0 and some", memo.hits, len(memo.found))
			}
			if diff := cmp.Diff(before, s.FilesMemo(ctx, fsys, memo)); diff != "" {
				t.Errorf("unchanged (-Files +FilesMemo):\n%s", diff)
			}
			if memo.hits != len(memo.found) {
				t.Errorf("unchanged: %d hits, want one per file kept (%d)", memo.hits, len(memo.found))
			}

			file := filepath.Join(dir, tt.file)
			data, err := os.ReadFile(file)
			if err != nil || !strings.Contains(string(data), tt.old) {
				t.Fatalf("%s has no %q (%v)", tt.file, tt.old, err)
			}
			if err := os.WriteFile(file, []byte(strings.Replace(string(data), tt.old, tt.new, 1)), 0o666); err != nil {
				t.Fatal(err)
			}
			want := s.Files(ctx, fsys)
			if cmp.Equal(before, want) {
				t.Fatal("the change changes no finding, so it cannot show a stale memo")
			}
			if diff := cmp.Diff(want, s.FilesMemo(ctx, fsys, memo)); diff != "" {
				t.Errorf("changed (-Files +FilesMemo):\n%s", diff)
			}
		})
	}
}
