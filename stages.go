package syncgate

import (
	"cmp"
	"context"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/syncgate/syncgate/internal/parallel"
	"github.com/syncgate/syncgate/internal/redact"
	"github.com/syncgate/syncgate/manifest"
	"github.com/syncgate/syncgate/policy"
	"github.com/syncgate/syncgate/render"
	"github.com/syncgate/syncgate/secrets"
	"github.com/syncgate/syncgate/validate"
)

// Stage names a family of checks that Check runs on rendered objects.
type Stage string

// The stages, in the order Check runs them.
const (
	StageValidate Stage = "validate"
	StagePolicy   Stage = "policy"
	StageSecrets  Stage = "secrets"
)

// Stages lists every stage.
var Stages = []Stage{StageValidate, StagePolicy, StageSecrets}

// ParseStage checks a stage name.
func ParseStage(s string) (Stage, error) {
	if slices.Contains(Stages, Stage(s)) {
		return Stage(s), nil
	}
	return "", fmt.Errorf("unknown stage %q (want validate, policy or secrets)", s)
}

// stages holds what the checking stages compiled once in New.
type stages struct {
	validateOpts validate.Options
	policyOpts   policy.Options
	secretsOpts  secrets.Options
	mu           sync.Mutex
	validators   map[string]*validate.Validator // by validatorKey
	policies     *policy.Engine                 // nil: no policies
	secrets      *secrets.Scanner               // nil: stage off
	validateOn   bool
	policyOn     bool
}

func (g *Gate) buildStages() error {
	on := func(s Stage) bool { return slices.Contains(g.opts.Stages, s) }
	for _, s := range g.opts.Stages {
		if _, err := ParseStage(string(s)); err != nil {
			return err
		}
	}
	st := &g.stages
	st.validators = map[string]*validate.Validator{}
	if st.validateOn = on(StageValidate); st.validateOn {
		crds, err := readCRDFiles(g.opts.CRDs, g.opts.Limits)
		if err != nil {
			return fmt.Errorf("crds: %w", err)
		}
		st.validateOpts = validate.Options{
			CRDs:            crds,
			SchemaLocations: g.opts.SchemaLocations,
			AllowRemote:     g.opts.AllowRemote,
			MissingSchemas:  g.opts.MissingSchemas,
			NoCRDCatalog:    g.opts.NoCRDCatalog,
			Jobs:            g.opts.Jobs,
		}
		if _, err := g.validator(g.opts.KubernetesVersion, nil); err != nil {
			return err
		}
	}
	st.policyOpts = policy.Options{
		Namespaces:    g.opts.PolicyNamespaces,
		AllNamespaces: g.opts.AllNamespaces,
		Bundled:       g.opts.DefaultPolicies,
		Timeout:       g.opts.PolicyTimeout,
		MaxMemory:     g.opts.PolicyMemory,
		Jobs:          g.opts.Jobs,
		Logger:        g.opts.Logger,
	}
	if st.policyOn = on(StagePolicy); st.policyOn && (g.opts.DefaultPolicies || len(g.opts.Policies) > 0) {
		var err error
		if st.policies, err = policy.Load(context.Background(), g.opts.Policies, st.policyOpts); err != nil {
			return fmt.Errorf("policies: %w", err)
		}
	}
	if on(StageSecrets) {
		st.secretsOpts = secrets.DefaultOptions()
		st.secretsOpts.AgeKeys = g.opts.SOPSAgeKeys
		st.secretsOpts.DisabledCredentialRules = g.opts.DisabledCredentialRules
		st.secretsOpts.Limits = g.opts.Limits
		var err error
		if st.secrets, err = secrets.New(st.secretsOpts); err != nil {
			return err
		}
	}
	return nil
}

// validator returns the schema validator of a Kubernetes version and a
// repository's schema settings, built on first use and kept.
func (g *Gate) validator(version string, repo *repoStages) (*validate.Validator, error) {
	st := &g.stages
	if !st.validateOn {
		return nil, nil
	}
	opts := st.validateOpts
	opts.KubernetesVersion = version
	if repo != nil {
		opts.SchemaLocations = append(slices.Clone(opts.SchemaLocations), repo.schemaLocations...)
		opts.MissingSchemas = cmp.Or(repo.missingSchemas, opts.MissingSchemas)
	}
	key := strings.Join(append([]string{version, string(opts.MissingSchemas)}, opts.SchemaLocations...), "\x00")
	st.mu.Lock()
	defer st.mu.Unlock()
	if v, ok := st.validators[key]; ok {
		return v, nil
	}
	v, err := validate.New(opts)
	if err != nil {
		return nil, err
	}
	st.validators[key] = v
	return v, nil
}

// readCRDFiles decodes the CRD files of paths on disk: files, or
// directories' .yaml, .yml and .json files, recursively.
func readCRDFiles(paths []string, limits manifest.Limits) ([]*manifest.Object, error) {
	var objects []*manifest.Object
	for _, p := range paths {
		dir := filepath.Dir(p)
		objs, err := readCRDs(os.DirFS(dir), filepath.Base(p), limits)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
		for _, o := range objs {
			o.Origin.File = filepath.ToSlash(filepath.Join(dir, o.Origin.File))
		}
		objects = append(objects, objs...)
	}
	return objects, nil
}

// run is one Check's state for the stages: the validator knows the CRDs
// of every rendered target.
type run struct {
	validator *validate.Validator
	policies  []*policy.Engine
	scanner   *secrets.Scanner // nil: stage off
	fsys      fs.FS
	findings  []manifest.Finding // about the run as a whole

	// schemas is the validator before the rendered CRDs join it (nil:
	// stage off); crds are those the repository's configuration names.
	schemas *validate.Validator
	crds    []*manifest.Object

	mu      sync.Mutex // guards what targets checked in parallel add
	stats   *Stats
	secrets []manifest.Finding // the secrets stage's, on objects
}

// timed adds the time since start to a stage's duration.
func (r *run) timed(d *time.Duration, start time.Time) {
	r.mu.Lock()
	*d += time.Since(start)
	r.mu.Unlock()
}

// newRun prepares the stages for one Check, before anything is rendered.
func (g *Gate) newRun(ctx context.Context, cfg *Config, src *Source, version string, stats *Stats) (*run, error) {
	r := &run{stats: stats, scanner: g.stages.secrets}
	if src != nil {
		r.fsys = src.FS
	}
	if g.stages.policies != nil {
		r.policies = append(r.policies, g.stages.policies)
	}
	repo, err := g.repoStages(ctx, cfg, src)
	if err != nil {
		return nil, err
	}
	if repo != nil {
		r.policies = append(r.policies, repo.policies...)
		r.scanner = cmp.Or(repo.scanner, r.scanner)
		r.crds = repo.crds
	}
	r.schemas, err = g.validator(version, repo)
	return r, err
}

// rendered hands the validator the CRDs among every rendered object.
func (r *run) rendered(ctx context.Context, objects []*manifest.Object) {
	if r.schemas == nil {
		return
	}
	start := time.Now()
	r.validator, r.findings = r.schemas.WithCRDs(ctx, append(slices.Clone(objects), r.crds...))
	r.timed(&r.stats.Validate, start)
}

// scanFiles starts the secrets stage on the raw files under dirs, which
// needs nothing rendered, and returns a function that waits for its
// findings; call it once.
func (r *run) scanFiles(ctx context.Context, dirs []string) func() []manifest.Finding {
	if r.scanner == nil || r.fsys == nil {
		return func() []manifest.Finding { return nil }
	}
	done := make(chan []manifest.Finding, 1)
	go func() {
		start := time.Now()
		found := r.scanner.Files(ctx, within{r.fsys, dirs})
		r.timed(&r.stats.Secrets, start)
		done <- found
	}()
	return func() []manifest.Finding { return <-done }
}

// checkTargets checks the objects of every target, several targets at
// once, then merges in files, the secrets stage's findings on raw files;
// findings come in target order.
func (g *Gate) checkTargets(ctx context.Context, r *run, results []*render.Result, files func() []manifest.Finding) []manifest.Finding {
	perTarget := make([][]manifest.Finding, len(results))
	parallel.Do(len(results), g.opts.Jobs, func(i int) {
		if ctx.Err() == nil {
			perTarget[i] = g.checkObjects(ctx, r, results[i].Objects)
		}
	})
	return append(slices.Concat(perTarget...), r.secretFindings(files())...)
}

// checkObjects runs every stage on the objects of one target. Secrets
// findings are kept apart, to be merged with those on raw files.
func (g *Gate) checkObjects(ctx context.Context, r *run, objects []*manifest.Object) []manifest.Finding {
	findings := duplicateFindings(objects)
	checked := objects
	if r.scanner != nil {
		checked = r.scanner.Prepare(objects)
	}
	mask := decryptedValues(objects, checked)
	if r.validator != nil {
		start := time.Now()
		findings = append(findings, mask.findings(r.validator.Validate(ctx, checked))...)
		r.timed(&r.stats.Validate, start)
	}
	for _, e := range r.policies {
		start := time.Now()
		findings = append(findings, mask.findings(e.Evaluate(ctx, checked))...)
		r.timed(&r.stats.Policy, start)
	}
	if r.scanner != nil {
		start := time.Now()
		found := r.scanner.Objects(ctx, r.fsys, objects)
		r.mu.Lock()
		r.secrets = append(r.secrets, found...)
		r.mu.Unlock()
		r.timed(&r.stats.Secrets, start)
	}
	return findings
}

// secretFindings merges the secrets stage's findings on objects with those
// on raw files, which name each problem once.
func (r *run) secretFindings(files []manifest.Finding) []manifest.Finding {
	if r.scanner == nil {
		return nil
	}
	return secrets.Merge(files, r.secrets)
}

// masker hides the values of SOPS objects decrypted for the later stages,
// whatever a message of theirs quotes.
type masker struct{ set *redact.Set }

func decryptedValues(raw, checked []*manifest.Object) masker {
	var m masker
	for i := range raw {
		if checked[i] == raw[i] {
			continue
		}
		if m.set == nil {
			m.set = &redact.Set{}
		}
		for _, v := range secrets.Sensitive(checked[i]) {
			m.set.Add(v)
		}
	}
	return m
}

func (m masker) findings(findings []manifest.Finding) []manifest.Finding {
	if m.set == nil {
		return findings
	}
	for i := range findings {
		findings[i].Message = m.set.Redact(findings[i].Message)
		findings[i].Field = m.set.Redact(findings[i].Field)
	}
	return findings
}

// within is fsys with directory listings limited to the entries on the way
// to, or under, paths: the raw files a Check of those paths covers. Files
// outside stay readable by name, as a .sops.yaml at the root must be.
type within struct {
	fs.FS
	paths []string
}

func (w within) ReadDir(name string) ([]fs.DirEntry, error) {
	entries, err := fs.ReadDir(w.FS, name)
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(entries, func(e fs.DirEntry) bool {
		p := path.Join(name, e.Name())
		return !slices.ContainsFunc(w.paths, func(want string) bool {
			return want == "." || p == want || strings.HasPrefix(p, want+"/") || strings.HasPrefix(want, p+"/")
		})
	}), nil
}
