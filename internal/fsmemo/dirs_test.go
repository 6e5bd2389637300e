package fsmemo

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// answers is what a file system says of a path, each call's result or
// error as text.
func answers(fsys fs.FS, name string) []string {
	var out []string
	if info, err := fs.Stat(fsys, name); err != nil {
		out = append(out, "stat: "+err.Error())
	} else {
		out = append(out, fmt.Sprintf("stat: %s %v %d", info.Name(), info.IsDir(), info.Size()))
	}
	if data, err := fs.ReadFile(fsys, name); err != nil {
		out = append(out, "readfile: "+err.Error())
	} else {
		out = append(out, "readfile: "+string(data))
	}
	if entries, err := fs.ReadDir(fsys, name); err != nil {
		out = append(out, "readdir: "+err.Error())
	} else {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		out = append(out, "readdir: "+strings.Join(names, ","))
	}
	if f, err := fsys.Open(name); err != nil {
		out = append(out, "open: "+err.Error())
	} else {
		info, err := f.Stat()
		out = append(out, fmt.Sprintf("open: %v %v", info != nil && info.IsDir(), err))
		f.Close()
	}
	return out
}

// A memory that opens each directory once answers every path, symbolic
// links and errors included, as the root it opens them in: a link to a
// sibling directory inside the root is followed, one out of the root is
// refused.
func TestNewRootConfinement(t *testing.T) {
	tmp := t.TempDir()
	outside := filepath.Join(tmp, "outside")
	dir := filepath.Join(tmp, "repo")
	for name, data := range map[string]string{
		"outside/secret.yaml":          "outside\n",
		"repo/apps/web/base/dep.yaml":  "kind: Deployment\n",
		"repo/apps/web/overlays/k.yml": "resources: [../base]\n",
		"repo/shared/common.yaml":      "kind: ConfigMap\n",
		// A top directory named as a deeper one: a handle opened from
		// the wrong parent would read it.
		"repo/base/dep.yaml": "kind: Decoy\n",
	} {
		p := filepath.Join(tmp, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for link, target := range map[string]string{
		"repo/apps/web/base/common.yaml":  "../../../shared/common.yaml", // a sibling's file
		"repo/apps/web/shared":            "../../shared",                // a sibling directory
		"repo/apps/web/base/local.yaml":   "dep.yaml",                    // in its own directory
		"repo/apps/web/base/secret.yaml":  filepath.Join(outside, "secret.yaml"),
		"repo/apps/web/base/escape.yaml":  "../../../../outside/secret.yaml",
		"repo/apps/web/outside":           "../../../outside",
		"repo/apps/web/base/dangling.yml": "missing.yaml",
	} {
		if err := os.Symlink(target, filepath.Join(tmp, filepath.FromSlash(link))); err != nil {
			t.Fatal(err)
		}
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	names := []string{
		".", "apps", "apps/web/base", "apps/web/base/dep.yaml", "apps/web/overlays/k.yml",
		"apps/web/base/common.yaml", "apps/web/shared", "apps/web/shared/common.yaml",
		"apps/web/base/local.yaml", "apps/web/base/secret.yaml", "apps/web/base/escape.yaml",
		"apps/web/outside", "apps/web/outside/secret.yaml", "apps/web/base/dangling.yml",
		"apps/web/base/missing.yaml", "apps/web/missing/dep.yaml", "apps/web/base/dep.yaml/x",
		"apps/web/base/dep.yaml/kustomization.yaml", "apps/web/base/local.yaml/x", "apps/web/shared/common.yaml/x",
		"apps/web/base/missing/x/y", "apps/web/outside/x/y", "apps/web/base/escape.yaml/x",
		"../outside/secret.yaml", "/etc/passwd", "apps//web", "apps/./web",
	}
	want := map[string][]string{}
	for _, name := range names {
		want[name] = answers(root.FS(), name)
	}
	// Followed and refused, as root does.
	if got := want["apps/web/shared/common.yaml"][1]; got != "readfile: kind: ConfigMap\n" {
		t.Fatalf("root reads a link to a sibling as %q", got)
	}
	if got := want["apps/web/outside/secret.yaml"][1]; !strings.Contains(got, "escapes") {
		t.Fatalf("root reads a link out of itself as %q", got)
	}
	// Budget 0: every call reaches the directories' handles. The second
	// round asks the handles the first opened; after Close, paths
	// resolve from the root again.
	m := NewRoot(root, 0)
	for _, round := range []string{"opening", "opened", "closed"} {
		if round == "closed" {
			if err := m.Close(); err != nil {
				t.Fatal(err)
			}
		}
		for _, name := range names {
			if diff := cmp.Diff(want[name], answers(m.dirs, name)); diff != "" {
				t.Errorf("%s, %s (-root +memory):\n%s", round, name, diff)
			}
		}
	}
	if len(m.dirs.opened) != 0 {
		t.Errorf("%d directories still open after Close", len(m.dirs.opened))
	}
	// With one handle, a path's directory takes it and its parent has
	// none: the directory opens from root.
	for _, name := range names {
		m := NewRoot(root, 0)
		m.dirs.max = 1
		if diff := cmp.Diff(want[name], answers(m.dirs, name)); diff != "" {
			t.Errorf("one handle, %s (-root +memory):\n%s", name, diff)
		}
		m.Close()
	}
}
