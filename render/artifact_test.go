package render

import (
	"archive/tar"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"

	"github.com/syncgate/syncgate/manifest"
)

// artifactRepo is the repository the copy rules of the tests read.
func artifactRepo(tb testing.TB) fstest.MapFS {
	file := func(s string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(s)} }
	return fstest.MapFS{
		"apps/podinfo/kustomization.yaml": file("resources: [deployment.yaml]\n"),
		"apps/podinfo/deployment.yaml":    file("kind: Deployment\n"),
		"apps/podinfo/README.md":          file("# podinfo\n"),
		"apps/podinfo/testdata/x.yaml":    file("x: 1\n"),
		"apps/podinfo/sub/a.yaml":         file("a: 1\n"),
		"apps/web/deployment.yaml":        file("kind: Deployment\n"),
		"envs/prod/deployment.yaml":       file("kind: Deployment\nreplicas: 3\n"),
		"values/base.yaml":                file("image:\n  repository: podinfo\n  tag: \"1.0\"\nports: [80, 443]\n"),
		"values/prod.yaml":                file("image:\n  tag: \"2.0\"\nports: [8080]\n"),
		"values/list.yaml":                file("- a\n"),
		"root.yaml":                       file("root: true\n"),
		".git/config":                     file("[core]\n"),
		"charts/hello-1.0.0.tgz":          {Data: tgz(tb, tarEntry{name: "hello/", typ: tar.TypeDir}, tarEntry{name: "hello/Chart.yaml", body: []byte("name: hello\n")}, tarEntry{name: "hello/templates/cm.yaml", body: []byte("kind: ConfigMap\n")})},
		"nested/deep/x.tar.gz":            {Data: tgz(tb, tarEntry{name: "x.yaml", body: []byte("x: 1\n")})},
		"bad/escape.tgz":                  {Data: tgz(tb, tarEntry{name: "../../evil.yaml", body: []byte("evil: true\n")})},
		"bad/link.tgz":                    {Data: tgz(tb, tarEntry{name: "link", typ: tar.TypeSymlink})},
		"bad/dirs.tgz":                    {Data: tgz(tb, manyDirs(maxArchiveEntries+1)...)},
	}
}

// TestBuildArtifact applies copy rules and lists the artifact's files,
// each with the repository file it came from.
func TestBuildArtifact(t *testing.T) {
	tests := []struct {
		name    string
		copy    []CopyRule
		want    map[string]string // artifact path: repository file
		wantErr string
	}{
		{
			name: "dir/** copies the contents, leaving out excluded names and directories",
			copy: []CopyRule{{From: "@repo/apps/podinfo/**", To: "@artifact/app/", Exclude: []string{"*.md", "**/testdata/**"}}},
			want: map[string]string{
				"app/kustomization.yaml": "apps/podinfo/kustomization.yaml",
				"app/deployment.yaml":    "apps/podinfo/deployment.yaml",
				"app/sub/a.yaml":         "apps/podinfo/sub/a.yaml",
			},
		},
		{
			name: "a directory without a glob lands as a subdirectory",
			copy: []CopyRule{{From: "@repo/apps/podinfo/", To: "@artifact/dest", Exclude: []string{"sub"}}},
			want: map[string]string{
				"dest/podinfo/kustomization.yaml": "apps/podinfo/kustomization.yaml",
				"dest/podinfo/deployment.yaml":    "apps/podinfo/deployment.yaml",
				"dest/podinfo/README.md":          "apps/podinfo/README.md",
				"dest/podinfo/testdata/x.yaml":    "apps/podinfo/testdata/x.yaml",
			},
		},
		{
			name: "the source root copies its contents, without .git",
			copy: []CopyRule{{From: "@repo/", To: "@artifact/", Exclude: []string{"apps/**", "values/**", "*.t*gz"}}},
			want: map[string]string{
				"envs/prod/deployment.yaml": "envs/prod/deployment.yaml",
				"root.yaml":                 "root.yaml",
			},
		},
		{
			name: "a glob's matches keep their path from the source root",
			copy: []CopyRule{{From: "@repo/apps/*/deployment.yaml", To: "@artifact/all/", Exclude: []string{"apps/web/*"}}},
			want: map[string]string{"all/apps/podinfo/deployment.yaml": "apps/podinfo/deployment.yaml"},
		},
		{
			name: "a glob ** in the middle matches one directory level, as fs.Glob does",
			copy: []CopyRule{{From: "@repo/apps/**/*.yaml", To: "@artifact/"}},
			want: map[string]string{
				"apps/podinfo/kustomization.yaml": "apps/podinfo/kustomization.yaml",
				"apps/podinfo/deployment.yaml":    "apps/podinfo/deployment.yaml",
				"apps/web/deployment.yaml":        "apps/web/deployment.yaml",
			},
		},
		{
			name: "a file to a file, a file into a directory, a file into an existing directory",
			copy: []CopyRule{
				{From: "@repo/root.yaml", To: "@artifact/conf/app.yaml"},
				{From: "@repo/root.yaml", To: "@artifact/other/"},
				{From: "@repo/values/base.yaml", To: "@artifact/conf"},
			},
			want: map[string]string{
				"conf/app.yaml":   "root.yaml",
				"conf/base.yaml":  "values/base.yaml",
				"other/root.yaml": "root.yaml",
			},
		},
		{
			name: "a later rule overwrites an earlier one's file",
			copy: []CopyRule{
				{From: "@repo/apps/podinfo/*.yaml", To: "@artifact/"},
				{From: "@repo/envs/prod/deployment.yaml", To: "@artifact/apps/podinfo/deployment.yaml"},
			},
			want: map[string]string{
				"apps/podinfo/kustomization.yaml": "apps/podinfo/kustomization.yaml",
				"apps/podinfo/deployment.yaml":    "envs/prod/deployment.yaml",
			},
		},
		{
			name: "an excluded single file is not copied",
			copy: []CopyRule{{From: "@repo/root.yaml", To: "@artifact/", Exclude: []string{"root.yaml"}}},
			want: map[string]string{},
		},
		{
			name: "a second alias reads its own directory",
			copy: []CopyRule{{From: "@vals/prod.yaml", To: "@artifact/"}},
			want: map[string]string{"prod.yaml": "values/prod.yaml"},
		},
		{name: "no match", copy: []CopyRule{{From: "@repo/*.json", To: "@artifact/"}}, wantErr: `no files match pattern "*.json" in source "repo"`},
		{name: "all excluded", copy: []CopyRule{{From: "@repo/apps/*", To: "@artifact/", Exclude: []string{"apps/*"}}}, wantErr: "were excluded"},
		{name: "unknown alias", copy: []CopyRule{{From: "@nope/x", To: "@artifact/"}}, wantErr: `unknown source alias "nope": the generator's sources are repo, vals`},
		{name: "from leaves the source", copy: []CopyRule{{From: "@repo/apps/../../etc/**", To: "@artifact/"}}, wantErr: `has a ".." segment`},
		{name: "from is absolute", copy: []CopyRule{{From: "@repo//etc/passwd", To: "@artifact/"}}, wantErr: `"/etc/passwd" is absolute`},
		{name: "to leaves the artifact", copy: []CopyRule{{From: "@repo/root.yaml", To: "@artifact/../x.yaml"}}, wantErr: `to: "../x.yaml" has a ".." segment`},
		{name: "to is not UTF-8", copy: []CopyRule{{From: "@repo/", To: "@artifact/\xef"}}, wantErr: "is not a valid path"},
		{name: "to is not the artifact", copy: []CopyRule{{From: "@repo/root.yaml", To: "@other/x.yaml"}}, wantErr: "to must start with '@artifact/'"},
		{name: "from without alias", copy: []CopyRule{{From: "repo/root.yaml", To: "@artifact/"}}, wantErr: "must start with '@'"},
		{name: "invalid exclude", copy: []CopyRule{{From: "@repo/*", To: "@artifact/", Exclude: []string{"[*.md"}}}, wantErr: `invalid exclude pattern "[*.md"`},
		{name: "invalid glob", copy: []CopyRule{{From: "@repo/[", To: "@artifact/"}}, wantErr: "invalid glob pattern"},
		{name: "missing path", copy: []CopyRule{{From: "@repo/absent.yaml", To: "@artifact/"}}, wantErr: `source path "absent.yaml" does not exist`},
		{
			name: "Extract unpacks a tarball keeping its entries' paths",
			copy: []CopyRule{{From: "@repo/charts/hello-1.0.0.tgz", To: "@artifact/", Strategy: StrategyExtract}},
			want: map[string]string{"hello/Chart.yaml": "charts/hello-1.0.0.tgz", "hello/templates/cm.yaml": "charts/hello-1.0.0.tgz"},
		},
		{
			name: "Extract globs at any depth and leaves other files alone",
			copy: []CopyRule{{From: "@repo/**/*.{tgz,gz}", To: "@artifact/out/", Strategy: StrategyExtract, Exclude: []string{"bad/**"}}},
			want: map[string]string{"out/hello/Chart.yaml": "charts/hello-1.0.0.tgz", "out/hello/templates/cm.yaml": "charts/hello-1.0.0.tgz", "out/x.yaml": "nested/deep/x.tar.gz"},
		},
		{name: "Extract of a file that is not a tarball", copy: []CopyRule{{From: "@repo/root.yaml", To: "@artifact/", Strategy: StrategyExtract}}, wantErr: `takes a tarball (.tar.gz or .tgz), not "root.yaml"`},
		{name: "Extract of a directory", copy: []CopyRule{{From: "@repo/charts", To: "@artifact/", Strategy: StrategyExtract}}, wantErr: `not the directory "charts"`},
		{name: "Extract of an entry leaving the destination", copy: []CopyRule{{From: "@repo/bad/escape.tgz", To: "@artifact/", Strategy: StrategyExtract}}, wantErr: `tarball "bad/escape.tgz": entry "../../evil.yaml": name has a ".." segment`},
		{name: "Extract of a link", copy: []CopyRule{{From: "@repo/bad/link.tgz", To: "@artifact/", Strategy: StrategyExtract}}, wantErr: `tarball "bad/link.tgz": entry "link": is a symlink: only files and directories are allowed`},
		{name: "Extract counts directory entries", copy: []CopyRule{{From: "@repo/bad/dirs.tgz", To: "@artifact/", Strategy: StrategyExtract}}, wantErr: "hold more than 10000 entries"},
		{name: "unknown strategy", copy: []CopyRule{{From: "@repo/root.yaml", To: "@artifact/", Strategy: "Append"}}, wantErr: `unknown strategy "Append"`},
		{
			name:    "a file over a directory",
			copy:    []CopyRule{{From: "@repo/apps/podinfo", To: "@artifact/root.yaml/"}, {From: "@repo/r*.yaml", To: "@artifact/"}},
			wantErr: `cannot copy "root.yaml" over directory "root.yaml" of the artifact`,
		},
		{
			name: "a file into a directory an earlier rule made",
			copy: []CopyRule{{From: "@repo/apps/podinfo/sub/", To: "@artifact/"}, {From: "@repo/root.yaml", To: "@artifact/sub"}},
			want: map[string]string{"sub/a.yaml": "apps/podinfo/sub/a.yaml", "sub/root.yaml": "root.yaml"},
		},
		{
			name:    "a directory over a file",
			copy:    []CopyRule{{From: "@repo/root.yaml", To: "@artifact/apps"}, {From: "@repo/apps/*", To: "@artifact/"}},
			wantErr: `cannot make directory "apps" of the artifact: it is a file`,
		},
		{name: "too many rules", copy: make([]CopyRule, maxCopyRules+1), wantErr: "1001 copy operations, the limit is 1000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			art := &Artifact{Name: "apps/app", GeneratedBy: "clusters/gen.yaml:7", Sources: map[string]string{"repo": ".", "vals": "values"}, Copy: tt.copy}
			a, err := buildArtifact(artifactRepo(t), art, manifest.DefaultLimits())
			if tt.wantErr != "" || err != nil {
				var se *manifest.SourceError
				if tt.wantErr == "" || err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one with %q", err, tt.wantErr)
				}
				if !errors.As(err, &se) || se.File != "clusters/gen.yaml" || se.Line != 7 {
					t.Errorf("err = %#v, want it at clusters/gen.yaml:7", err)
				}
				return
			}
			got := map[string]string{}
			for p, f := range a.files {
				got[p] = f.from
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("artifact files (-want +got):\n%s", diff)
			}
			if err := fstest.TestFS(a, slices.Collect(maps.Keys(tt.want))...); err != nil {
				t.Errorf("the artifact is not a valid fs.FS: %v", err)
			}
		})
	}
}

// TestArtifactMerge merges values files as Helm does: maps key by key,
// lists replaced; a list file cannot merge.
func TestArtifactMerge(t *testing.T) {
	art := &Artifact{Name: "a", GeneratedBy: "gen.yaml:1", Sources: map[string]string{"repo": "."}, Copy: []CopyRule{
		{From: "@repo/values/base.yaml", To: "@artifact/values.yaml"},
		{From: "@repo/values/prod.yaml", To: "@artifact/values.yaml", Strategy: StrategyMerge},
		{From: "@repo/root.yaml", To: "@artifact/new.yaml", Strategy: StrategyMerge},
	}}
	a, err := buildArtifact(artifactRepo(t), art, manifest.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	data, err := fs.ReadFile(a, "values.yaml")
	if err != nil {
		t.Fatal(err)
	}
	want := "image:\n    repository: podinfo\n    tag: \"2.0\"\nports:\n    - 8080\n"
	if string(data) != want {
		t.Errorf("merged values.yaml:\n%s\nwant:\n%s", data, want)
	}
	if from, same, _ := a.source("values.yaml"); from != "values/prod.yaml" || same {
		t.Errorf("values.yaml comes from %s (same lines %v), want values/prod.yaml with lines of its own", from, same)
	}
	if from, same, _ := a.source("new.yaml"); from != "root.yaml" || !same {
		t.Errorf("new.yaml, merged into nothing, comes from %s (same lines %v), want a copy of root.yaml", from, same)
	}

	art.Copy = append(art.Copy, CopyRule{From: "@repo/values/list.yaml", To: "@artifact/values.yaml", Strategy: StrategyMerge})
	if _, err := buildArtifact(artifactRepo(t), art, manifest.DefaultLimits()); err == nil || !strings.Contains(err.Error(), "values/list.yaml: strategy Merge needs a single YAML map") {
		t.Errorf("merging a list: err = %v, want the list file named", err)
	}
}

// manyDirs returns n directory entries.
func manyDirs(n int) []tarEntry {
	entries := make([]tarEntry, n)
	for i := range entries {
		entries[i] = tarEntry{name: fmt.Sprintf("d%d/", i), typ: tar.TypeDir}
	}
	return entries
}

// TestArtifactFileLimit copies one file more than the limit allows.
func TestArtifactFileLimit(t *testing.T) {
	repo := fstest.MapFS{}
	for i := range maxArchiveEntries + 1 {
		repo[fmt.Sprintf("many/%05d.yaml", i)] = &fstest.MapFile{Data: []byte("a: 1\n")}
	}
	art := &Artifact{Name: "a", GeneratedBy: "gen.yaml:3", Sources: map[string]string{"repo": "."}, Copy: []CopyRule{{From: "@repo/many/**", To: "@artifact/"}}}
	_, err := buildArtifact(repo, art, manifest.DefaultLimits())
	if !errors.Is(err, manifest.ErrLimit) || !strings.HasPrefix(err.Error(), "gen.yaml:3: ") {
		t.Errorf("err = %v, want a limit error at gen.yaml:3", err)
	}
}

// TestArtifactInputs checks that the inputs of an artifact's target are
// repository paths, so that an edit of a copied file re-checks it.
func TestArtifactInputs(t *testing.T) {
	target := Target{Name: "flux/app", Kind: KindKustomize, Path: "app", Artifact: &Artifact{
		Name: "a", GeneratedBy: "clusters/gen.yaml:3", Sources: map[string]string{"repo": ".", "vals": "values"},
		Copy: []CopyRule{
			{From: "@repo/apps/podinfo/**", To: "@artifact/app/"},
			{From: "@vals/prod.yaml", To: "@artifact/app/values.yaml"},
			{From: "@nope/x", To: "@artifact/"},
		},
	}}
	got := NewInputFinder(artifactRepo(t)).Inputs(target)
	want := []string{"apps/podinfo", "clusters/gen.yaml", "values/prod.yaml"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Inputs (-want +got):\n%s", diff)
	}
	for file, affects := range map[string]bool{"apps/podinfo/deployment.yaml": true, "values/prod.yaml": true, "values/base.yaml": false, "app/kustomization.yaml": false} {
		if Affects(got, file) != affects {
			t.Errorf("Affects(%s) = %v, want %v", file, !affects, affects)
		}
	}
}

// FuzzArtifact applies an arbitrary copy rule: it must not panic, and
// every file of the artifact is a valid path that came from a file of
// the repository.
func FuzzArtifact(f *testing.F) {
	f.Add("@repo/apps/podinfo/**", "@artifact/app/", "*.md", "")
	f.Add("@repo/values/base.yaml", "@artifact/v.yaml", "", "Merge")
	f.Add("@repo/../x", "@artifact/../y", "[", "Extract")
	f.Add("@repo/", "@artifact/", "**/testdata/**", "")
	repo := artifactRepo(f)
	f.Fuzz(func(t *testing.T, from, to, exclude, strategy string) {
		art := &Artifact{Name: "a", GeneratedBy: "gen.yaml:1", Sources: map[string]string{"repo": "."},
			Copy: []CopyRule{{From: from, To: to, Exclude: []string{exclude}, Strategy: strategy}}}
		a, err := buildArtifact(repo, art, manifest.DefaultLimits())
		if err != nil {
			return
		}
		for p, file := range a.files {
			if !fs.ValidPath(p) {
				t.Errorf("artifact path %q is not valid", p)
			}
			if _, ok := repo[file.from]; !ok {
				t.Errorf("artifact file %q comes from %q, not a repository file", p, file.from)
			}
		}
	})
}

// BenchmarkBuildArtifact copies 2000 files of 100 directories on disk,
// leaving out a tenth of them.
func BenchmarkBuildArtifact(b *testing.B) {
	dir := b.TempDir()
	for i := range 2000 {
		name := fmt.Sprintf("apps/app%03d/file%04d.yaml", i%100, i)
		if i%10 == 0 {
			name = fmt.Sprintf("apps/app%03d/README%04d.md", i%100, i)
		}
		file := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(file, []byte("kind: ConfigMap\n"), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	repo := os.DirFS(dir)
	art := &Artifact{Name: "a", GeneratedBy: "gen.yaml:1", Sources: map[string]string{"repo": "."},
		Copy: []CopyRule{{From: "@repo/apps/**", To: "@artifact/", Exclude: []string{"*.md"}}}}
	for b.Loop() {
		a, err := buildArtifact(repo, art, manifest.DefaultLimits())
		if err != nil || len(a.files) != 1800 {
			b.Fatalf("built %d files, err %v; want 1800", len(a.files), err)
		}
	}
}
