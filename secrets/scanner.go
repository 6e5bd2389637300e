package secrets

import (
	"context"
	"fmt"
	"io/fs"
	"slices"
	"sync"

	"github.com/getsops/sops/v3/age"
	"github.com/zricethezav/gitleaks/v8/detect"

	"github.com/syncgate/syncgate/manifest"
)

// Options configure a Scanner. Start from DefaultOptions.
type Options struct {
	// AgeKeys is the content of an age identity file (what
	// SOPS_AGE_KEY_FILE or --sops-age-key points at). With it, SOPS files
	// encrypted for one of its identities are decrypted in memory to verify
	// their MAC, and Prepare hands decrypted objects to later stages. ""
	// decrypts nothing; the environment is never read.
	AgeKeys string
	// DisabledCredentialRules are gitleaks rule IDs not to run, such as
	// "generic-api-key" in a repository full of test fixtures.
	DisabledCredentialRules []string
	// Limits bound every file read: its size, depth and alias expansion.
	Limits manifest.Limits
	// MaxFiles bounds how many files Files reads; zero means 100000.
	MaxFiles int
	// Jobs is how many files, or pieces of a large file, are scanned at
	// once; zero means GOMAXPROCS.
	Jobs int
}

// DefaultOptions decrypt nothing and run every credential rule.
func DefaultOptions() Options {
	return Options{Limits: manifest.DefaultLimits(), MaxFiles: 100000}
}

// Scanner checks objects and repositories for secrets. Build it once with
// New; it is safe for concurrent use.
type Scanner struct {
	opts       Options
	detector   func() (*detect.Detector, error)
	identities age.ParsedIdentities
	recipients []string // the age recipients of identities
	cache      leafCache
}

// New compiles the credential rules and parses the age identities.
func New(opts Options) (*Scanner, error) {
	opts.Limits = opts.Limits.WithDefaults()
	if opts.MaxFiles <= 0 {
		opts.MaxFiles = DefaultOptions().MaxFiles
	}
	s := &Scanner{opts: opts, detector: sync.OnceValues(func() (*detect.Detector, error) {
		return newDetector(opts.DisabledCredentialRules)
	})}
	// The credential rules take long to compile and a check whose files
	// all come from a cache, or a render worker that only masks, runs
	// none: they are compiled on first use, but here when some are
	// disabled, to check their names.
	if len(opts.DisabledCredentialRules) > 0 {
		if _, err := s.detector(); err != nil {
			return nil, fmt.Errorf("secrets: %w", err)
		}
	}
	if opts.AgeKeys != "" {
		var err error
		if s.identities, s.recipients, err = parseAgeKeys(opts.AgeKeys); err != nil {
			return nil, fmt.Errorf("secrets: %w", err)
		}
	}
	return s, nil
}

// Objects checks the rendered objects of one target: plaintext Secrets,
// SealedSecrets, SOPS objects, and credentials in every string. src, when
// not nil, is the repository the objects were rendered from: the scope
// check of a SealedSecret reads its source file there. Findings are
// sorted.
func (s *Scanner) Objects(ctx context.Context, src fs.FS, objects []*manifest.Object) []manifest.Finding {
	var findings []manifest.Finding
	for _, obj := range objects {
		if ctx.Err() != nil {
			break
		}
		findings = append(findings, s.object(ctx, src, obj)...)
	}
	if err := ctx.Err(); err != nil {
		findings = append(findings, manifest.Finding{Rule: RuleScanError, Severity: severityOf(RuleScanError), Message: fmt.Sprintf("secrets check stopped: %v", err)})
	}
	manifest.SortFindings(findings)
	return findings
}

// object runs every object check on one object.
func (s *Scanner) object(ctx context.Context, src fs.FS, obj *manifest.Object) []manifest.Finding {
	findings := plaintextSecret(obj)
	if hasSOPSMetadata(obj.Content) {
		findings = append(findings, s.sopsObject(obj)...)
	} else {
		findings = append(findings, encWithoutMetadata(obj)...)
	}
	if isSealedSecret(obj) {
		findings = append(findings, checkSealed(obj)...)
		findings = append(findings, sealedScope(src, obj, s.opts.Limits)...)
	}
	return append(findings, s.credentials(ctx, obj)...)
}

// Merge joins the findings of Files and Objects, dropping a finding of
// Files when Objects reported the same rule at the same file and line (and
// field, where the line is unknown): a base file rendered by several
// overlays is reported per target, and once is enough for the raw file;
// a secretGenerator literal is one value, whether the kustomization's
// field or the generated Secret's names it. Objects' findings should be
// at the line that writes their field.
func Merge(files, objects []manifest.Finding) []manifest.Finding {
	type key struct {
		rule, file, field string
		line              int
	}
	keyOf := func(f manifest.Finding) key {
		if f.Line > 0 {
			return key{rule: f.Rule, file: f.File, line: f.Line}
		}
		return key{rule: f.Rule, file: f.File, field: f.Field}
	}
	seen := map[key]bool{}
	for _, f := range objects {
		seen[keyOf(f)] = true
	}
	out := slices.Clone(objects)
	for _, f := range files {
		if !seen[keyOf(f)] {
			out = append(out, f)
		}
	}
	manifest.SortFindings(out)
	return out
}
