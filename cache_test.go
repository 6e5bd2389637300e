package syncgate

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/rogpeppe/go-internal/cache"

	"github.com/syncgate/syncgate/manifest"
	"github.com/syncgate/syncgate/validate"
)

// cacheRepo is examples/gitops-repo with a policy of its own, copied to a
// temporary directory that a test may change.
func cacheRepo(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "repo")
	if err := os.CopyFS(dir, os.DirFS("examples/gitops-repo")); err != nil {
		t.Fatal(err)
	}
	writeFile(t, dir, ".syncgate.yaml", "policies: [policy]\n")
	writeFile(t, dir, "policy/namespaces.rego", `package main

warn contains msg if {
	input.kind == "Namespace"
	msg := sprintf("namespace %s", [input.metadata.name])
}
`)
	return dir
}

func writeFile(t *testing.T, dir, name, data string) {
	t.Helper()
	file := filepath.Join(dir, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(file), 0o777); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, []byte(data), 0o666); err != nil {
		t.Fatal(err)
	}
}

// edit replaces old, which must be in the file, with new.
func edit(t *testing.T, dir, name, old, new string) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(name)))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(data, []byte(old)) {
		t.Fatalf("%s has no %q", name, old)
	}
	writeFile(t, dir, name, strings.Replace(string(data), old, new, 1))
}

func cacheOptions(cacheDir string) Options {
	opts := DefaultOptions()
	opts.CacheDir = cacheDir
	return opts
}

// sameDecision fails unless a decision from the cache says what a check
// without it says.
func sameDecision(t *testing.T, want, got *Decision) {
	t.Helper()
	if diff := cmp.Diff(want.Findings, got.Findings); diff != "" {
		t.Errorf("findings (-without cache +with):\n%s", diff)
	}
	if diff := cmp.Diff(want.Waived, got.Waived); diff != "" {
		t.Errorf("waived (-without cache +with):\n%s", diff)
	}
	if diff := cmp.Diff(want.Targets, got.Targets); diff != "" {
		t.Errorf("targets (-without cache +with):\n%s", diff)
	}
	if want.Allowed != got.Allowed || want.Stats.Objects != got.Stats.Objects {
		t.Errorf("allowed, objects = %v, %d with the cache, want %v, %d", got.Allowed, got.Stats.Objects, want.Allowed, want.Stats.Objects)
	}
}

// A change to any kind of input re-checks the targets that read it, and
// only those, and what the check decides is what a check without the
// cache decides. Every change below changes some finding, so a stale
// cached result would show.
func TestResultCacheRechecksChangedInputs(t *testing.T) {
	tests := []struct {
		name   string
		change func(t *testing.T, dir string)
		// rechecked is how many targets are checked again.
		rechecked int
	}{
		{
			name: "base",
			change: func(t *testing.T, dir string) {
				edit(t, dir, "apps/web/base/deployment.yaml", "spec:\n", "spec:\n  bogusField: 1\n")
			},
			rechecked: 3, // the web overlays
		},
		{
			name: "strategic merge patch",
			change: func(t *testing.T, dir string) {
				edit(t, dir, "apps/web/overlays/prod/patch-deployment.yaml", "      topologySpreadConstraints:", "      bogusPodField: true\n      topologySpreadConstraints:")
			},
			rechecked: 1,
		},
		{
			name: "values file",
			change: func(t *testing.T, dir string) {
				edit(t, dir, "charts/webapp/values-dev.yaml", "replicaCount: 1\n", "replicaCount: 1\nimage:\n  tag: latest\n")
			},
			rechecked: 3, // the chart's targets: the values file is in its directory
		},
		{
			name: "chart dependency",
			change: func(t *testing.T, dir string) {
				edit(t, dir, "charts/webapp/charts/cache/values.yaml", "tag: 7.4.1-alpine", "tag: latest")
			},
			rechecked: 3,
		},
		{
			name: "a file no target reads",
			change: func(t *testing.T, dir string) {
				edit(t, dir, "README.md", "\n", "\ntoken = ghp_u8jzPde0IgxLd6GncfBAepfJBd0Kh8oOOL8d\n")
			},
			rechecked: 0, // its secrets findings are not taken from the cache
		},
		{
			name: "repository policy",
			change: func(t *testing.T, dir string) {
				edit(t, dir, "policy/namespaces.rego", `"namespace %s"`, `"namespace %s is checked"`)
			},
			rechecked: -1, // every target
		},
		{
			name: "configuration",
			change: func(t *testing.T, dir string) {
				writeFile(t, dir, ".syncgate.yaml", "policies: [policy]\nseverity:\n  policy/main/warn: error\n")
			},
			rechecked: -1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir, cacheDir := cacheRepo(t), t.TempDir()
			cold := checkDirWith(t, cacheOptions(cacheDir), dir)
			if cold.Stats.Cached != 0 {
				t.Fatalf("first check: %d targets from an empty cache", cold.Stats.Cached)
			}
			warm := checkDirWith(t, cacheOptions(cacheDir), dir)
			if warm.Stats.Cached != warm.Stats.Targets {
				t.Errorf("unchanged: %d of %d targets from the cache, want all", warm.Stats.Cached, warm.Stats.Targets)
			}
			sameDecision(t, cold, warm)

			tt.change(t, dir)
			want := checkDir(t, dir)
			if diff := cmp.Diff(cold.Findings, want.Findings); diff == "" {
				t.Fatal("the change changes no finding, so it cannot show a stale result")
			}
			got := checkDirWith(t, cacheOptions(cacheDir), dir)
			rechecked := tt.rechecked
			if rechecked < 0 {
				rechecked = got.Stats.Targets
			}
			if n := got.Stats.Targets - got.Stats.Cached; n != rechecked {
				t.Errorf("changed: %d of %d targets checked again, want %d", n, got.Stats.Targets, rechecked)
			}
			sameDecision(t, want, got)
		})
	}
}

// The Gate's own policies are part of every target's key.
func TestResultCacheRechecksGatePolicyChange(t *testing.T) {
	dir, cacheDir, policies := cacheRepo(t), t.TempDir(), t.TempDir()
	writeFile(t, policies, "p.rego", "package main\n\ndeny contains \"one\" if input.kind == \"Service\"\n")
	opts := cacheOptions(cacheDir)
	opts.Policy.Dirs = []string{policies}
	checkDirWith(t, opts, dir)
	writeFile(t, policies, "p.rego", "package main\n\ndeny contains \"two\" if input.kind == \"Service\"\n")
	got := checkDirWith(t, opts, dir)
	if got.Stats.Cached != 0 {
		t.Errorf("%d targets from the cache after the Gate's policy changed, want none", got.Stats.Cached)
	}
	opts.CacheDir = ""
	sameDecision(t, checkDirWith(t, opts, dir), got)
}

// A change to a CRD re-checks the targets whose custom objects it may
// validate, though their own inputs did not change.
func TestResultCacheRechecksCustomObjectsOnCRDChange(t *testing.T) {
	dir, cacheDir := cacheRepo(t), t.TempDir()
	checkDirWith(t, cacheOptions(cacheDir), dir)
	edit(t, dir, "charts/webapp/crds/featureflags.webapp.example.com.yaml", "rolloutPercent:", "rolloutPercentage:")
	want := checkDir(t, dir)
	got := checkDirWith(t, cacheOptions(cacheDir), dir)
	// The chart's three targets render the CRD; only they have custom
	// objects of its kind, but every target with deferred objects was
	// checked with the old set of CRDs.
	if got.Stats.Cached == got.Stats.Targets || got.Stats.Targets-got.Stats.Cached < 3 {
		t.Errorf("%d of %d targets checked again, want the chart's 3 and those with custom objects", got.Stats.Targets-got.Stats.Cached, got.Stats.Targets)
	}
	sameDecision(t, want, got)
}

// A corrupt entry is a miss: the target is checked again, and the result
// is right.
func TestResultCacheCorruptEntryIsAMiss(t *testing.T) {
	dir, cacheDir := cacheRepo(t), t.TempDir()
	want := checkDirWith(t, cacheOptions(cacheDir), dir)
	// Outputs are the cache's files ending in -d; garble every one.
	outputs, err := filepath.Glob(filepath.Join(cacheDir, "*", "*-d"))
	if err != nil || len(outputs) == 0 {
		t.Fatalf("no cache outputs in %s: %v", cacheDir, err)
	}
	for _, f := range outputs {
		if err := os.WriteFile(f, []byte("not gob"), 0o666); err != nil {
			t.Fatal(err)
		}
	}
	got := checkDirWith(t, cacheOptions(cacheDir), dir)
	if got.Stats.Cached != 0 {
		t.Errorf("%d targets from corrupt entries, want none", got.Stats.Cached)
	}
	sameDecision(t, want, got)
}

// An entry whose bytes are sound but that some other program wrote under
// a syncgate key (a foreign entry) is a miss too.
func TestResultCacheForeignEntryIsAMiss(t *testing.T) {
	rc := openCache(t.TempDir(), slog.New(slog.DiscardHandler))
	var key [32]byte
	key[0] = 1
	if err := rc.c.PutBytes(key, []byte("{\"foreign\": true}")); err != nil {
		t.Fatal(err)
	}
	if _, ok := rc.forRun([32]byte{}, "").getEntry(key); ok {
		t.Error("a foreign entry was a hit")
	}
	memo := findingsMemo{rc: rc.forRun([32]byte{}, ""), kind: memoSecretsFile}
	if err := rc.c.PutBytes(memo.id(key), []byte("{\"foreign\": true}")); err != nil {
		t.Fatal(err)
	}
	if _, ok := memo.Get(key); ok {
		t.Error("a foreign entry was a hit for a file's findings")
	}
}

// A cache directory that cannot be written is no cache, with one debug
// line, and the check's result is unchanged.
func TestResultCacheReadOnlyDir(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root writes to read-only directories")
	}
	dir, cacheDir := cacheRepo(t), t.TempDir()
	if err := os.Chmod(cacheDir, 0o555); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(cacheDir, 0o755) })
	var log bytes.Buffer
	opts := cacheOptions(cacheDir)
	opts.Logger = slog.New(slog.NewTextHandler(&log, &slog.HandlerOptions{Level: slog.LevelDebug}))
	got := checkDirWith(t, opts, dir)
	sameDecision(t, checkDir(t, dir), got)
	if n := strings.Count(log.String(), "result cache off"); n != 1 {
		t.Errorf("%d debug lines saying the cache is off, want 1:\n%s", n, log.String())
	}
}

// The findings on a run's CRDs are what the result cache holds under the
// run's key and the CRDs' digest, without compiling them; a missing,
// corrupt or foreign entry is a miss, and they are compiled and kept.
func TestResultCacheCRDFindings(t *testing.T) {
	v, err := validate.New(validate.Options{})
	if err != nil {
		t.Fatal(err)
	}
	// Without names or versions: the API server refuses it.
	crd := manifest.NewObject(map[string]any{
		"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
		"metadata": map[string]any{"name": "gadgets.example.com"}, "spec": map[string]any{"group": "example.com"},
	}, manifest.Origin{File: "crds/gadgets.yaml", Line: 3, Target: "crds"})
	crds := []*manifest.Object{crd}
	compiled := v.WithCRDs(crds).CRDFindings()
	if len(compiled) == 0 {
		t.Fatal("no findings on an invalid CRD")
	}
	kept := []manifest.Finding{{Rule: "test/kept", Severity: manifest.SeverityError, Message: "from the cache", File: "crds/gadgets.yaml", Line: 3}}
	keptJSON, err := json.Marshal(kept)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		entry []byte // nil: none
		want  []manifest.Finding
	}{
		{name: "no entry", want: compiled},
		{name: "entry", entry: keptJSON, want: kept},
		{name: "corrupt entry", entry: []byte("[{"), want: compiled},
		{name: "foreign entry", entry: []byte(`{"foreign": true}`), want: compiled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rc := openCache(t.TempDir(), slog.New(slog.DiscardHandler))
			memo := findingsMemo{rc: rc.forRun([32]byte{1}, ""), run: [32]byte{1}, kind: memoCRDs}
			key, err := crdDigest(crds)
			if err != nil {
				t.Fatal(err)
			}
			if tt.entry != nil {
				if err := rc.c.PutBytes(memo.id(key), tt.entry); err != nil {
					t.Fatal(err)
				}
			}
			r := &run{schemas: v, crdMemo: memo, stats: &Stats{}}
			r.rendered(crds)
			if diff := cmp.Diff(tt.want, r.findings); diff != "" {
				t.Errorf("findings (-want +got):\n%s", diff)
			}
			if got, ok := memo.Get(key); !ok || !cmp.Equal(got, tt.want) {
				t.Errorf("cache holds %v (hit %v), want the findings reported", got, ok)
			}
		})
	}
}

// A check's entries come back from its index, for the same run's key and
// repository only; an index that is not one is no index.
func TestResultCacheIndex(t *testing.T) {
	rc := openCache(t.TempDir(), slog.New(slog.DiscardHandler))
	run := [32]byte{1}
	key := cache.ActionID{2}
	// Kept in the index only, as if the entry's own files were trimmed.
	first := rc.forRun(run, "/repo")
	first.used.raw[key] = []byte("kept")
	first.save()
	tests := []struct {
		name string
		run  [32]byte
		dir  string
		want bool
	}{
		{name: "same run and repository", run: run, dir: "/repo", want: true},
		{name: "other repository", run: run, dir: "/other"},
		{name: "other run", run: [32]byte{3}, dir: "/repo"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data, ok := rc.forRun(tt.run, tt.dir).get(key)
			if ok != tt.want || ok && string(data) != "kept" {
				t.Errorf("get = %q, %v; want a hit %v", data, ok, tt.want)
			}
		})
	}
	if err := rc.c.PutBytes(first.index, []byte("not an index")); err != nil {
		t.Fatal(err)
	}
	if _, ok := rc.forRun(run, "/repo").get(key); ok {
		t.Error("a hit from a foreign index")
	}
}

// TestResultCacheIndexEntries: targets' entries come back whole from the
// index, one stream of them, though their own files are gone; an index
// that does not decode is no index.
func TestResultCacheIndexEntries(t *testing.T) {
	rc := openCache(t.TempDir(), slog.New(slog.DiscardHandler))
	run := [32]byte{1}
	crd := &manifest.Object{APIVersion: "apiextensions.k8s.io/v1", Kind: "CustomResourceDefinition", Name: "widgets.example.com",
		Content: map[string]any{"spec": map[string]any{"versions": []any{map[string]any{"name": "v1", "served": true}}, "replicas": int64(3), "ratio": 0.5}},
		Origin:  manifest.Origin{File: "crds/widget.yaml", Line: 4, Target: "crds"}}
	want := map[cache.ActionID]*entry{
		{2}: {Checked: checked{Result: TargetResult{Name: "apps/web", Kind: "kustomize", Path: "apps/web", Objects: 3},
			Findings: []manifest.Finding{{Rule: "policy/main/deny", Severity: manifest.SeverityError, Target: "apps/web", File: "apps/web/deployment.yaml", Line: 7, Message: "no"}}}},
		{3}: {Checked: checked{Result: TargetResult{Name: "crds", Objects: 1}, CRDs: []*manifest.Object{crd}}, CRDs: [32]byte{9}, Deferred: true},
	}
	first := rc.forRun(run, "/repo")
	<-first.loaded
	// Kept in the index only, as if the entries' own files were trimmed.
	maps.Copy(first.used.entries, want)
	first.changed = true
	first.save()

	again := rc.forRun(run, "/repo")
	for key, w := range want {
		got, ok := again.getEntry(key)
		if !ok {
			t.Fatalf("entry %x: a miss", key[:1])
		}
		if diff := cmp.Diff(w, got, cmpopts.IgnoreUnexported(checked{})); diff != "" {
			t.Errorf("entry %x from the index (-want +got):\n%s", key[:1], diff)
		}
	}
	if _, ok := again.getEntry(cache.ActionID{4}); ok {
		t.Error("a hit for a key the index lacks")
	}

	if err := rc.c.PutBytes(first.index, []byte("not an index")); err != nil {
		t.Fatal(err)
	}
	if _, ok := rc.forRun(run, "/repo").getEntry(cache.ActionID{2}); ok {
		t.Error("a hit from a foreign index")
	}
}

// TestFindingsMemoIndexOnly: a raw file's findings are kept in the run's
// index, not as an entry of their own, and found again through it.
func TestFindingsMemoIndexOnly(t *testing.T) {
	rc := openCache(t.TempDir(), slog.New(slog.DiscardHandler))
	run, key := [32]byte{1}, [32]byte{2}
	want := []manifest.Finding{{Rule: "secrets/credential", File: "a.yaml", Line: 3}}
	first := rc.forRun(run, "/repo")
	memo := findingsMemo{rc: first, run: run, kind: memoSecretsFile, indexOnly: true}
	memo.Put(key, want)
	if _, ok := rc.get(memo.id(key)); ok {
		t.Error("the findings have an entry of their own")
	}
	first.save()
	for _, tt := range []struct {
		dir  string
		want bool
	}{{"/repo", true}, {"/other", false}} {
		got, ok := findingsMemo{rc: rc.forRun(run, tt.dir), run: run, kind: memoSecretsFile, indexOnly: true}.Get(key)
		if ok != tt.want || ok && !reflect.DeepEqual(got, want) {
			t.Errorf("%s: Get = %v, %v; want a hit %v", tt.dir, got, ok, tt.want)
		}
	}
}

func TestIndexEncoding(t *testing.T) {
	entries := map[cache.ActionID][]byte{{1}: []byte("one"), {2}: nil, {3}: bytes.Repeat([]byte("x"), 300)}
	data := encodeIndex(entries)
	got, err := decodeIndex(data)
	if err != nil {
		t.Fatal(err)
	}
	if !maps.EqualFunc(entries, got, bytes.Equal) {
		t.Errorf("decoded %v, want %v", got, entries)
	}
	for _, bad := range [][]byte{data[:len(data)-1], data[:31], append(slices.Clone(data[:32]), 0xff)} {
		if _, err := decodeIndex(bad); err == nil {
			t.Errorf("decodeIndex(%q): no error", bad)
		}
	}
}

// Whatever is under a run index's key decodes or is an error, never a
// panic.
func FuzzDecodeRunIndex(f *testing.F) {
	r := openCache(f.TempDir(), slog.New(slog.DiscardHandler)).forRun([32]byte{1}, "/repo")
	<-r.loaded
	r.used.entries[cache.ActionID{2}] = &entry{Checked: checked{Findings: []manifest.Finding{{Rule: "schema/required", Line: 3}}}}
	r.used.raw[cache.ActionID{3}] = []byte("[]")
	r.changed = true
	r.save()
	valid, ok := r.rc.get(r.index)
	if !ok {
		f.Fatal("no index saved")
	}
	f.Add(valid)
	f.Add([]byte("not an index"))
	f.Add([]byte{0})
	f.Fuzz(func(t *testing.T, data []byte) {
		decodeRunIndex(data)
	})
}

// Whatever is under an index's key decodes or is an error, never a panic,
// and what decodes encodes back to the same bytes.
func FuzzDecodeIndex(f *testing.F) {
	f.Add(encodeIndex(map[cache.ActionID][]byte{{1}: []byte("one"), {2}: nil}))
	f.Add([]byte("not an index"))
	f.Fuzz(func(t *testing.T, data []byte) {
		entries, err := decodeIndex(data)
		if err != nil {
			return
		}
		again, err := decodeIndex(encodeIndex(entries))
		if err != nil || !maps.EqualFunc(entries, again, bytes.Equal) {
			t.Errorf("re-encoded index decodes to %v, %v; want %v", again, err, entries)
		}
	})
}
