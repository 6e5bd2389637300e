package main

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/syncgate/syncgate/internal/rendertest"
	"github.com/syncgate/syncgate/render"
)

var small = config{Seed: 1, Apps: 5, Charts: 2, Scale: 1}

// readTree returns every file under dir by its slash-separated path.
func readTree(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		files[filepath.ToSlash(rel)] = data
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func generateTree(t *testing.T, cfg config) (string, map[string][]byte) {
	t.Helper()
	dir := t.TempDir()
	st, err := generate(dir, cfg)
	if err != nil {
		t.Fatal(err)
	}
	files := readTree(t, dir)
	if st.files != len(files) {
		t.Errorf("generate counted %d files, wrote %d", st.files, len(files))
	}
	return dir, files
}

func TestGenerateDeterministic(t *testing.T) {
	_, first := generateTree(t, small)
	tests := []struct {
		name     string
		cfg      config
		wantSame bool
	}{
		{name: "same seed", cfg: small, wantSame: true},
		{name: "other seed", cfg: config{Seed: 2, Apps: 5, Charts: 2, Scale: 1}, wantSame: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, second := generateTree(t, tt.cfg)
			same := len(first) == len(second)
			for name, data := range first {
				if !bytes.Equal(data, second[name]) {
					same = false
					if tt.wantSame {
						t.Errorf("%s differs between two runs", name)
					}
				}
			}
			if same != tt.wantSame {
				t.Errorf("trees the same = %v, want %v", same, tt.wantSame)
			}
		})
	}
}

func TestGenerateRenders(t *testing.T) {
	dir, _ := generateTree(t, small)

	// Fewest objects per target: a kustomize overlay has its Namespace, the
	// eight base objects and the generated ConfigMap; a chart at least its
	// Deployment, Service, ConfigMap and ServiceAccount; platform/ has two
	// PriorityClasses, two Namespaces and a ConfigMap.
	minObjects := map[render.Kind]int{render.KindKustomize: 10, render.KindHelm: 4, render.KindManifests: 5}
	got := map[render.Kind]int{}
	objects := 0
	results := rendertest.All(t, os.DirFS(dir))
	for _, res := range results {
		if res.Err != nil {
			t.Errorf("%s: %v", res.Target.Name, res.Err)
			continue
		}
		got[res.Target.Kind]++
		objects += len(res.Objects)
		if n := len(res.Objects); n < minObjects[res.Target.Kind] {
			t.Errorf("%s: %d objects, want at least %d", res.Target.Name, n, minObjects[res.Target.Kind])
		}
	}
	want := map[render.Kind]int{
		render.KindKustomize: 3 * small.Apps,
		render.KindHelm:      4 * small.Charts,
		render.KindManifests: 1,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("targets rendered by kind (-want +got):\n%s", diff)
	}
	t.Logf("%d targets, %d objects", len(results), objects)
}

func TestPrepare(t *testing.T) {
	tests := []struct {
		name    string
		setup   func(t *testing.T, dir string)
		force   bool
		inside  bool // run from inside dir
		wantErr bool
	}{
		{name: "missing", setup: func(t *testing.T, dir string) {}},
		{name: "empty", setup: mkdir},
		{name: "not empty", setup: withFile, wantErr: true},
		{name: "not empty, force", setup: withFile, force: true},
		{name: "holds the working directory", setup: withFile, force: true, inside: true, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "out")
			tt.setup(t, dir)
			if tt.inside {
				t.Chdir(dir)
			}
			err := prepare(dir, tt.force)
			if (err != nil) != tt.wantErr {
				t.Fatalf("prepare: %v, want error %v", err, tt.wantErr)
			}
			entries, rerr := os.ReadDir(dir)
			switch {
			case rerr != nil:
				t.Fatal(rerr)
			case err == nil && len(entries) != 0:
				t.Errorf("%s holds %d entries after prepare, want none", dir, len(entries))
			case err != nil && len(entries) == 0:
				t.Errorf("a refused prepare emptied %s", dir)
			}
		})
	}
}

func mkdir(t *testing.T, dir string) {
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
}

func withFile(t *testing.T, dir string) {
	mkdir(t, dir)
	if err := os.WriteFile(filepath.Join(dir, "keep"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestDirectObjects checks, over the whole corpus as `make bench` generates
// it, that converting kustomize's resources directly gives the objects
// that printing and decoding them gives.
func TestDirectObjects(t *testing.T) {
	if testing.Short() {
		t.Skip("renders the whole corpus")
	}
	dir, _ := generateTree(t, config{Seed: 1, Apps: 100, Charts: 20, Scale: 1})
	if n := rendertest.SameObjects(t, os.DirFS(dir)); n < 1000 {
		t.Errorf("compared %d objects; the corpus renders thousands", n)
	}
}
