package validate

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/syncgate/syncgate/manifest"
)

// corpusDir is the labelled corpus: valid/ must yield no findings,
// invalid/ exactly the findings its "# want: RULE [FIELD]" comments name,
// each comment belonging to the document it sits in. crds/ holds the CRDs
// every case gets as Options.CRDs.
const corpusDir = "../testdata/validate"

// want is one expected finding: the rule, the field, and the line of the
// object it is about.
type want struct {
	Line  int
	Rule  string
	Field string
}

func (w want) String() string { return fmt.Sprintf("line %d: %s %s", w.Line, w.Rule, w.Field) }

// corpusFile is one decoded corpus file with its annotations.
type corpusFile struct {
	path    string // relative to corpusDir, slash-separated
	objects []*manifest.Object
	wants   []want
}

func readCorpusFile(tb testing.TB, rel string) corpusFile {
	tb.Helper()
	data, err := os.ReadFile(filepath.Join(corpusDir, rel))
	if err != nil {
		tb.Fatal(err)
	}
	objs := decodeObjects(tb, "testdata/validate/"+rel, data)
	cf := corpusFile{path: rel, objects: objs}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for line := 1; sc.Scan(); line++ {
		_, ann, ok := strings.Cut(sc.Text(), "# want: ")
		if !ok {
			continue
		}
		// The annotation belongs to the last object starting at or
		// before its line.
		owner := 0
		for _, o := range objs {
			if o.Origin.Line <= line {
				owner = o.Origin.Line
			}
		}
		if owner == 0 {
			tb.Fatalf("%s:%d: want annotation outside any object", rel, line)
		}
		rule, field, _ := strings.Cut(strings.TrimSpace(ann), " ")
		cf.wants = append(cf.wants, want{Line: owner, Rule: rule, Field: field})
	}
	return cf
}

func decodeObjects(tb testing.TB, file string, data []byte) []*manifest.Object {
	tb.Helper()
	docs, err := manifest.Decode(file, data, manifest.Limits{})
	if err != nil {
		tb.Fatal(err)
	}
	objs := make([]*manifest.Object, 0, len(docs))
	for _, d := range docs {
		m, ok := d.Value.(map[string]any)
		if !ok {
			tb.Fatalf("%s:%d: not an object", file, d.Line)
		}
		objs = append(objs, manifest.NewObject(m, manifest.Origin{File: file, Line: d.Line, Target: "corpus"}))
	}
	return objs
}

func corpusFiles(tb testing.TB) []corpusFile {
	tb.Helper()
	var files []corpusFile
	for _, dir := range []string{"valid", "invalid"} {
		names, err := filepath.Glob(filepath.Join(corpusDir, dir, "*.yaml"))
		if err != nil {
			tb.Fatal(err)
		}
		for _, n := range names {
			files = append(files, readCorpusFile(tb, dir+"/"+filepath.Base(n)))
		}
	}
	return files
}

// corpusCRDs decodes the CRDs every corpus case gets as Options.CRDs.
func corpusCRDs(tb testing.TB) []*manifest.Object {
	tb.Helper()
	names, err := filepath.Glob(filepath.Join(corpusDir, "crds", "*.yaml"))
	if err != nil {
		tb.Fatal(err)
	}
	var crds []*manifest.Object
	for _, n := range names {
		data, err := os.ReadFile(n)
		if err != nil {
			tb.Fatal(err)
		}
		crds = append(crds, decodeObjects(tb, "testdata/validate/crds/"+filepath.Base(n), data)...)
	}
	return crds
}

func newCorpusValidator(tb testing.TB) *Validator {
	tb.Helper()
	v, err := New(Options{CRDs: corpusCRDs(tb)})
	if err != nil {
		tb.Fatal(err)
	}
	return v
}

// check runs a file's objects as one rendered run: the CRDs among them
// join the user's.
func check(v *Validator, objs []*manifest.Object) []manifest.Finding {
	ctx := context.Background()
	rv := v.WithCRDs(objs)
	findings := append(rv.CRDFindings(), rv.Validate(ctx, objs)...)
	manifest.SortFindings(findings)
	return findings
}

func TestCorpus(t *testing.T) {
	v := newCorpusValidator(t)
	var all []manifest.Finding
	cases := 0
	for _, cf := range corpusFiles(t) {
		t.Run(cf.path, func(t *testing.T) {
			findings := check(v, cf.objects)
			var got []want
			for _, f := range findings {
				got = append(got, want{Line: f.Line, Rule: f.Rule, Field: f.Field})
			}
			wants := slices.Clone(cf.wants)
			sortWants(got)
			sortWants(wants)
			if diff := cmp.Diff(wants, got); diff != "" {
				t.Errorf("findings (-want +got):\n%s", diff)
			}
			all = append(all, findings...)
		})
		cases += len(cf.wants)
	}
	if cases == 0 {
		t.Fatal("the corpus has no annotations")
	}
	assertFindingsGolden(t, "testdata/corpus.golden", all)
}

func sortWants(ws []want) {
	slices.SortFunc(ws, func(a, b want) int {
		return strings.Compare(a.String(), b.String())
	})
}

// TestSecretValuesNotEchoed checks that findings about a Secret name its
// keys and never repeat its values.
func TestSecretValuesNotEchoed(t *testing.T) {
	v := newCorpusValidator(t)
	cf := readCorpusFile(t, "invalid/secret.yaml")
	findings := check(v, cf.objects)
	if len(findings) == 0 {
		t.Fatal("no findings for invalid/secret.yaml")
	}
	for _, f := range findings {
		for _, secret := range []string{"12345678901234567890", "hunter2", "correct-horse", "s3cr3t"} {
			if strings.Contains(f.Message, secret) {
				t.Errorf("finding %s %s repeats a secret value: %s", f.Rule, f.Field, f.Message)
			}
		}
	}
}
