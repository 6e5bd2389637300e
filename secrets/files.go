package secrets

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"path"
	"slices"
	"strings"
	"sync/atomic"

	"github.com/syncgate/syncgate/internal/parallel"
	"github.com/syncgate/syncgate/manifest"
)

// sniffLen is how much of a file is read to tell text from binary.
const sniffLen = 8000

// skipDirs are directories never read: version control metadata and
// vendored dependencies, which are not the repository's own content.
var skipDirs = map[string]bool{".git": true, ".hg": true, ".svn": true, "node_modules": true}

// binaryExt are extensions of files that hold no text worth scanning.
var binaryExt = map[string]bool{
	".png": true, ".jpg": true, ".jpeg": true, ".gif": true, ".ico": true, ".webp": true, ".pdf": true,
	".zip": true, ".gz": true, ".tgz": true, ".tar": true, ".xz": true, ".bz2": true, ".zst": true,
	".woff": true, ".woff2": true, ".ttf": true, ".otf": true, ".eot": true, ".so": true, ".exe": true, ".jar": true,
}

// lockFiles hold hashes of dependencies, never credentials.
var lockFiles = map[string]bool{
	"go.sum": true, "Chart.lock": true, "package-lock.json": true, "yarn.lock": true, "pnpm-lock.yaml": true,
	"Cargo.lock": true, "Gemfile.lock": true, "poetry.lock": true, "Pipfile.lock": true, "composer.lock": true,
}

// Files checks the raw files of a repository, fsys rooted at its root:
// SOPS files (metadata, plain values, recipients against .sops.yaml, MAC
// with a key), plaintext Secrets and SealedSecrets as committed,
// kustomize secretGenerators, Helm values files, and credentials in every
// text file. It skips .git and binary files, reads at most
// Options.MaxFiles files, and reports a file over the size limit rather
// than skip it. Symbolic links are not followed. Findings are sorted.
func (s *Scanner) Files(ctx context.Context, fsys fs.FS) []manifest.Finding {
	return s.FilesMemo(ctx, fsys, nil)
}

// FileMemo keeps the findings of files checked before. A key covers all
// that a file's findings depend on: its name and bytes, and the
// .sops.yaml that governs it. It does not cover the Scanner's options:
// a memo serves one Scanner.
type FileMemo interface {
	Get(key [sha256.Size]byte) ([]manifest.Finding, bool)
	Put(key [sha256.Size]byte, findings []manifest.Finding)
}

// FilesMemo is Files, with the findings of files unchanged since they
// went into memo taken from it (memo nil keeps none). A file whose check
// reads other files, such as a kustomization's generator, is always
// checked again.
func (s *Scanner) FilesMemo(ctx context.Context, fsys fs.FS, memo FileMemo) []manifest.Finding {
	names, findings, err := s.listFiles(ctx, fsys)
	if err == nil {
		findings = append(findings, s.readFiles(ctx, fsys, names, memo)...)
		err = ctx.Err()
	}
	if err != nil {
		findings = append(findings, manifest.Finding{Rule: RuleScanError, Severity: severityOf(RuleScanError), Message: fmt.Sprintf("secrets check stopped: %v", err)})
	}
	manifest.SortFindings(findings)
	return findings
}

// listFiles walks the repository for the files to check, with findings
// for what it could not read and for files over Options.MaxFiles.
func (s *Scanner) listFiles(ctx context.Context, fsys fs.FS) ([]string, []manifest.Finding, error) {
	var names []string
	var findings []manifest.Finding
	err := fs.WalkDir(fsys, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil {
			findings = append(findings, fileFinding(name, 0, RuleScanError, "", fmt.Sprintf("cannot read: %v", errors.Unwrap(err))))
			return nil
		}
		if ctxErr := ctx.Err(); ctxErr != nil {
			return ctxErr
		}
		if d.IsDir() {
			if skipDirs[d.Name()] {
				return fs.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() || binaryExt[strings.ToLower(path.Ext(name))] || lockFiles[d.Name()] {
			return nil
		}
		if len(names) == s.opts.MaxFiles {
			findings = append(findings, fileFinding(name, 0, RuleScanError, "", fmt.Sprintf("more than %d files: the rest of the repository was not checked", s.opts.MaxFiles)))
			return fs.SkipAll
		}
		names = append(names, name)
		return nil
	})
	return names, findings, err
}

// readFiles checks files on every CPU: the credential rules over a large
// repository take longer than checking all its targets.
func (s *Scanner) readFiles(ctx context.Context, fsys fs.FS, names []string, memo FileMemo) []manifest.Finding {
	rules := newSOPSRules(fsys, s.opts.Limits)
	results := make([][]manifest.Finding, len(names))
	parallel.Do(len(names), s.opts.Jobs, func(i int) {
		if ctx.Err() == nil {
			results[i] = s.file(ctx, fsys, names[i], rules, memo)
		}
	})
	return slices.Concat(results...)
}

// file checks one regular file, through memo when it is not nil.
func (s *Scanner) file(ctx context.Context, fsys fs.FS, name string, rules *sopsRules, memo FileMemo) []manifest.Finding {
	data, err := readBounded(fsys, name, int64(s.opts.Limits.MaxFileBytes))
	if errors.Is(err, manifest.ErrLimit) {
		if isBinary(data) {
			return nil
		}
		return []manifest.Finding{fileFinding(name, 0, RuleScanError, "", fmt.Sprintf("%v: not checked for secrets", err))}
	}
	if err != nil {
		return []manifest.Finding{fileFinding(name, 0, RuleScanError, "", "cannot read the file: not checked for secrets")}
	}
	if isBinary(data) {
		return nil
	}
	if memo == nil {
		return s.content(ctx, fsys, name, data, rules)
	}
	key, ok := fileKey(name, data, rules)
	if !ok {
		return s.content(ctx, fsys, name, data, rules)
	}
	if found, ok := memo.Get(key); ok {
		return found
	}
	reads := &readCounter{FS: fsys}
	found := s.content(ctx, reads, name, data, rules)
	if reads.n.Load() == 0 && ctx.Err() == nil {
		memo.Put(key, found)
	}
	return found
}

// fileKey is a FileMemo key for a file; ok is false when its findings
// depend on more than the key can cover: a .sops.yaml that does not
// parse is reported on the first file it governs only.
func fileKey(name string, data []byte, rules *sopsRules) (key [sha256.Size]byte, ok bool) {
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%x\x00", name, sha256.Sum256(data))
	if cfg := rules.configFor(name); cfg != nil {
		if cfg.err != nil {
			return key, false
		}
		fmt.Fprintf(h, "%s\x00%x\x00", cfg.file, cfg.sum)
	}
	return [sha256.Size]byte(h.Sum(nil)), true
}

// readCounter counts the files a check opens beyond the one it checks.
type readCounter struct {
	fs.FS
	n atomic.Int64
}

func (r *readCounter) Open(name string) (fs.File, error) {
	r.n.Add(1)
	return r.FS.Open(name)
}

// content checks the bytes of one text file.
func (s *Scanner) content(ctx context.Context, fsys fs.FS, name string, data []byte, rules *sopsRules) []manifest.Finding {
	switch strings.ToLower(path.Ext(name)) {
	case ".yaml", ".yml", ".json":
		if docs, err := manifest.Decode(name, data, s.opts.Limits); err == nil {
			return s.yamlFile(ctx, fsys, name, data, docs, rules)
		}
	}
	return s.textFile(ctx, name, string(data))
}

// textFile runs the credential rules over a text file, line by line.
func (s *Scanner) textFile(ctx context.Context, name, text string) []manifest.Finding {
	leaks, err := s.textLeaks(ctx, name, text)
	if err != nil {
		return []manifest.Finding{fileFinding(name, 0, RuleScanError, "", fmt.Sprintf("%v: not checked for credentials", err))}
	}
	byLine := map[int][]leak{}
	for _, lk := range leaks {
		byLine[lk.line] = append(byLine[lk.line], lk)
	}
	var findings []manifest.Finding
	for _, line := range slices.Sorted(maps.Keys(byLine)) {
		lk := mostSpecific(byLine[line])
		findings = append(findings, fileFinding(name, line+1, RuleCredential, "",
			fmt.Sprintf("the file holds a credential matching the gitleaks rule %s%s", lk.rule, hint(lk.secret))))
	}
	return findings
}

// pieceBytes is about how much of a large YAML stream textLeaks scans at
// once: gitleaks alone over a stream of megabytes, one the decoder refused
// for its thousands of documents say, takes seconds on one CPU.
const pieceBytes = 256 << 10

// textLeaks runs the credential rules over a text file. A YAML stream of
// more than a few pieces is cut between documents and its pieces scanned
// on every CPU; no credential spans two documents of a manifest.
func (s *Scanner) textLeaks(ctx context.Context, name, text string) ([]leak, error) {
	ext := strings.ToLower(path.Ext(name))
	if len(text) < 4*pieceBytes || (ext != ".yaml" && ext != ".yml") {
		return s.leaks(ctx, name, text)
	}
	pieces := splitDocuments(text, pieceBytes)
	found := make([][]leak, len(pieces))
	errs := make([]error, len(pieces))
	parallel.Do(len(pieces), s.opts.Jobs, func(i int) {
		found[i], errs[i] = s.leaks(ctx, name, pieces[i].text)
		for j := range found[i] {
			found[i][j].line += pieces[i].line
		}
	})
	return slices.Concat(found...), errors.Join(errs...)
}

// piece is part of a text and the 0-based line it begins at.
type piece struct {
	text string
	line int
}

// splitDocuments cuts a YAML stream into pieces of at least size bytes,
// each after the first beginning at a "---" line, so that every document
// stays whole.
func splitDocuments(text string, size int) []piece {
	var pieces []piece
	start, startLine, line := 0, 0, 0
	for i := strings.IndexByte(text, '\n'); i >= 0; {
		next := i + 1
		line++
		if next-start >= size && strings.HasPrefix(text[next:], "---") {
			pieces = append(pieces, piece{text[start:next], startLine})
			start, startLine = next, line
		}
		j := strings.IndexByte(text[next:], '\n')
		if j < 0 {
			break
		}
		i = next + j
	}
	return append(pieces, piece{text[start:], startLine})
}

// yamlFile checks a YAML or JSON file that decoded: as a SOPS file when a
// document carries sops metadata, object by object when its documents are
// Kubernetes objects, else as a values file and as text.
func (s *Scanner) yamlFile(ctx context.Context, fsys fs.FS, name string, data []byte, docs []manifest.Document, rules *sopsRules) []manifest.Finding {
	return placeFields(name, docs, s.yamlFindings(ctx, fsys, name, data, docs, rules))
}

// placeFields moves the findings on a file that name a field to the line
// of that field in the document they were found in (the one at their
// line, else the first), rather than the document's first line.
func placeFields(name string, docs []manifest.Document, findings []manifest.Finding) []manifest.Finding {
	for i := range findings {
		f := &findings[i]
		if f.File != name || f.Field == "" || len(docs) == 0 {
			continue
		}
		doc := docs[0]
		for _, d := range docs {
			if d.Line == f.Line {
				doc = d
			}
		}
		content, _ := doc.Value.(map[string]any)
		if line := manifest.FieldLine(doc.Node, content, f.Field); line > 0 {
			f.Line = line
		}
	}
	return findings
}

func (s *Scanner) yamlFindings(ctx context.Context, fsys fs.FS, name string, data []byte, docs []manifest.Document, rules *sopsRules) []manifest.Finding {
	for _, doc := range docs {
		if m, ok := doc.Value.(map[string]any); ok && hasSOPSMetadata(m) {
			return s.sopsFile(name, data, docs, rules)
		}
	}
	var findings []manifest.Finding
	objects := 0
	for _, doc := range docs {
		content, ok := doc.Value.(map[string]any)
		if !ok {
			continue
		}
		obj := manifest.NewObject(content, manifest.Origin{File: name, Line: doc.Line})
		if obj.APIVersion == "" || obj.Kind == "" {
			continue
		}
		objects++
		findings = append(findings, plaintextSecret(obj)...)
		if isSealedSecret(obj) {
			findings = append(findings, checkSealed(obj)...)
		}
		findings = append(findings, encWithoutMetadata(obj)...)
		findings = append(findings, s.credentials(ctx, obj)...)
	}
	if isKustomization(name) {
		findings = append(findings, s.secretGenerators(fsys, name, data)...)
	}
	if objects == 0 {
		findings = append(findings, valuesFile(name, docs)...)
		findings = append(findings, s.textFile(ctx, name, string(data))...)
	}
	return findings
}

// encWithoutMetadata reports an object holding a SOPS-encrypted value
// but no sops metadata: the metadata was cut off, or the value pasted from
// another file, and nothing can decrypt it.
func encWithoutMetadata(obj *manifest.Object) []manifest.Finding {
	leftover := encLeftover(obj.Content)
	if leftover == "" {
		return nil
	}
	return []manifest.Finding{objectFinding(obj, RuleSOPSMetadata, leftover,
		fmt.Sprintf("%s holds a SOPS-encrypted value but no sops metadata: nothing can decrypt it", leftover))}
}

// encLeftover returns the first field path, in sorted order, of a
// SOPS-encrypted value in content that has no sops metadata, or "".
func encLeftover(content map[string]any) string {
	var found []string
	buf := make(fieldPath, 0, 16) // every path, valid during its visit only
	for k, v := range content {
		walkStrings(v, buf.key(k), k, func(p fieldPath, _, s string) {
			if isEncValue(s) {
				found = append(found, p.String())
			}
		})
	}
	if len(found) == 0 {
		return ""
	}
	return slices.Min(found)
}

// sopsFile checks a SOPS-encrypted file: its metadata, plain values,
// recipients against .sops.yaml and, with a key, its MAC.
func (s *Scanner) sopsFile(name string, data []byte, docs []manifest.Document, rules *sopsRules) []manifest.Finding {
	first, _ := docs[0].Value.(map[string]any)
	obj := manifest.NewObject(first, manifest.Origin{File: name, Line: docs[0].Line})
	what := "SOPS file " + name
	newF := func(rule, field, msg string) manifest.Finding {
		return fileFinding(name, docs[0].Line, rule, field, msg)
	}
	if obj.APIVersion != "" && obj.Kind != "" {
		what = fmt.Sprintf("SOPS-encrypted %s %s", obj.Kind, obj.Name)
		newF = func(rule, field, msg string) manifest.Finding { return objectFinding(obj, rule, field, msg) }
	}
	var content []any
	for _, d := range docs {
		content = append(content, d.Value)
	}
	d, err := parseSOPSFile(name, data, content)
	if err != nil {
		return []manifest.Finding{newF(RuleSOPSMetadata, "sops", fmt.Sprintf("%s: malformed SOPS metadata: %v", what, err))}
	}
	findings := s.sopsFindings(d, true, what, newF)
	if f, ok := rules.check(name, d, what, newF); ok {
		findings = append(findings, f)
	}
	return findings
}

// readBounded reads a file of at most max bytes; a larger one gives its
// first sniffLen bytes and an error wrapping manifest.ErrLimit.
func readBounded(fsys fs.FS, name string, max int64) ([]byte, error) {
	f, err := fsys.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > max {
		return data[:min(len(data), sniffLen)], fmt.Errorf("%w: file is over %d bytes", manifest.ErrLimit, max)
	}
	return data, nil
}

// isBinary reports whether data looks binary: a NUL byte near its start,
// as git decides.
func isBinary(data []byte) bool {
	return bytes.IndexByte(data[:min(len(data), sniffLen)], 0) >= 0
}
