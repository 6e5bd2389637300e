package syncgate

import (
	"cmp"
	"context"
	"fmt"
	"io/fs"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/syncgate/syncgate/change"
	"github.com/syncgate/syncgate/internal/isolate"
	"github.com/syncgate/syncgate/internal/redact"
	"github.com/syncgate/syncgate/manifest"
	"github.com/syncgate/syncgate/policy"
	"github.com/syncgate/syncgate/provenance"
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

// AllStages lists every stage.
func AllStages() []Stage { return []Stage{StageValidate, StagePolicy, StageSecrets} }

// ParseStage checks a stage name.
func ParseStage(s string) (Stage, error) {
	if slices.Contains(AllStages(), Stage(s)) {
		return Stage(s), nil
	}
	return "", fmt.Errorf("unknown stage %q (want validate, policy or secrets)", s)
}

// stages holds what the checking stages compiled once in New.
type stages struct {
	mu         sync.Mutex
	validators map[string]*validate.Validator // by validatorKey
	policies   *policy.Engine                 // nil: no policies
	secrets    *secrets.Scanner               // nil: stage off
	validateOn bool
	policyOn   bool
	// policyDirs are Options.Policy.Dirs made absolute, for workers.
	policyDirs []string
	runs       atomic.Uint64
}

func (g *Gate) buildStages(ctx context.Context) error {
	on := func(s Stage) bool { return slices.Contains(g.opts.Stages, s) }
	for _, s := range g.opts.Stages {
		if _, err := ParseStage(string(s)); err != nil {
			return err
		}
	}
	st := &g.stages
	st.validators = map[string]*validate.Validator{}
	if st.validateOn = on(StageValidate); st.validateOn {
		if _, err := g.validator(g.opts.Validate.KubernetesVersion, nil); err != nil {
			return err
		}
	}
	popts := g.opts.Policy
	if st.policyOn = on(StagePolicy); st.policyOn && (popts.Bundled || len(popts.Dirs) > 0) {
		var err error
		if st.policies, err = policy.Load(ctx, popts); err != nil {
			return fmt.Errorf("policies: %w", err)
		}
		for _, d := range popts.Dirs {
			if popts.FS == nil {
				d, _ = filepath.Abs(d)
			}
			st.policyDirs = append(st.policyDirs, d)
		}
	}
	if on(StageSecrets) {
		var err error
		if st.secrets, err = secrets.New(g.opts.Secrets); err != nil {
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
	opts := g.opts.Validate
	opts.KubernetesVersion = version
	key := []string{version, string(opts.MissingSchemas)}
	if repo != nil {
		opts.RepositorySchemaLocations = repo.schemaLocations
		opts.RepositoryFS = repo.fsys
		opts.MissingSchemas = cmp.Or(repo.missingSchemas, opts.MissingSchemas)
		opts.NoCRDCatalog = opts.NoCRDCatalog || repo.noCRDCatalog
		key = append(key, string(opts.MissingSchemas), fmt.Sprint(opts.NoCRDCatalog))
		if len(repo.schemaLocations) > 0 {
			// A repository's locations are read from its file system,
			// which differs from one check to the next.
			return validate.New(opts)
		}
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	k := strings.Join(key, "\x00")
	if v, ok := st.validators[k]; ok {
		return v, nil
	}
	v, err := validate.New(opts)
	if err != nil {
		return nil, err
	}
	st.validators[k] = v
	return v, nil
}

// run is one check's state for the stages.
type run struct {
	cfg       *Config
	waivers   *waivers
	validator *validate.Validator
	policies  []*policy.Engine // evaluated in-process
	// eval is what workers evaluate beside rendering when the Gate has
	// Isolation; nil renders without evaluating, and then policies are
	// evaluated in-process.
	eval     *isolate.Evaluation
	scanner  *secrets.Scanner // nil: stage off
	fsys     fs.FS
	locator  *provenance.Locator // nil without fsys
	findings []manifest.Finding  // about the run as a whole
	extra    []manifest.Finding  // a pre-merge check's, on the change

	// schemas is the validator before the rendered CRDs join it (nil:
	// stage off); crds are those the repository's configuration names.
	schemas *validate.Validator
	crds    []*manifest.Object
	// crdMemo keeps the findings on the run's CRDs in the result cache
	// (no cache when its rc is nil).
	crdMemo findingsMemo

	mu    sync.Mutex // guards what targets checked in parallel add
	stats *Stats
}

// timed adds the time since start to a stage's duration.
func (r *run) timed(d *time.Duration, start time.Time) {
	r.mu.Lock()
	*d += time.Since(start)
	r.mu.Unlock()
}

// newRun prepares the stages for one check, before anything is rendered:
// it compiles the repository's policies, loads its CRDs, and refuses a
// configuration whose exceptions name rules no check reports or, from
// the repository, rules it may not waive. The paths cfg names are read
// from cfgFS: fsys itself, or the base revision in a pre-merge check.
func (g *Gate) newRun(ctx context.Context, cfg *Config, trusted bool, fsys, cfgFS fs.FS, version string, stats *Stats) (*run, error) {
	r := &run{cfg: cfg, stats: stats, scanner: g.stages.secrets, fsys: fsys}
	if fsys != nil {
		r.locator = provenance.New(fsys, g.opts.Render.Limits)
	}
	r.waivers = newWaivers(cfg, trusted, g.opts.RepositoryExceptions, time.Now())
	if g.stages.policies != nil {
		r.policies = append(r.policies, g.stages.policies)
	}
	repo, err := g.repoStages(ctx, cfg, cfgFS)
	if err != nil {
		return nil, err
	}
	if repo != nil {
		r.policies = append(r.policies, repo.policies...)
		r.scanner = cmp.Or(repo.scanner, r.scanner)
		r.crds = repo.crds
	}
	if cfg != nil {
		if err := cfg.checkRules(trusted, g.ruleIDs(r.policies)); err != nil {
			return nil, err
		}
	}
	if g.workers != nil && len(r.policies) > 0 {
		r.eval = &isolate.Evaluation{Run: g.stages.runs.Add(1), AgeKeys: g.opts.Secrets.AgeKeys}
		if g.stages.policies != nil {
			opts := g.opts.Policy
			opts.Dirs = g.stages.policyDirs
			r.eval.Policies = append(r.eval.Policies, isolate.Policies{Options: opts})
		}
		if repo != nil && repo.policyOpts != nil {
			r.eval.Policies = append(r.eval.Policies, isolate.Policies{Options: *repo.policyOpts, InRepository: true})
		}
	}
	r.schemas, err = g.validator(version, repo)
	return r, err
}

// ruleIDs lists every rule a check with policies can report.
func (g *Gate) ruleIDs(policies []*policy.Engine) []string {
	var ids []string
	for _, r := range slices.Concat(gateRules, validate.Rules(), secrets.Rules(), change.Rules()) {
		ids = append(ids, r.ID)
	}
	for _, e := range policies {
		ids = append(ids, e.RuleIDs()...)
	}
	return ids
}

// rendered hands the validator the CRDs the run rendered, with those the
// configuration names, and reports those the API server would refuse.
func (r *run) rendered(crds []*manifest.Object) {
	if r.schemas == nil {
		return
	}
	start := time.Now()
	crds = append(crds, r.crds...)
	r.validator = r.schemas.WithCRDs(crds)
	r.findings = r.crdFindings(crds)
	r.timed(&r.stats.Validate, start)
}

// crdFindings are the validator's CRDFindings, taken from the result cache
// when the same CRDs were reported before: compiling every CRD takes
// seconds on a large repository, and a check whose custom objects all come
// from the cache needs none compiled. The run's key covers the Kubernetes
// version, the user's CRDs and syncgate's build; the digest, the CRDs with
// their origins.
func (r *run) crdFindings(crds []*manifest.Object) []manifest.Finding {
	if r.crdMemo.rc == nil {
		return r.validator.CRDFindings()
	}
	key, err := crdDigest(crds)
	if err != nil {
		return r.validator.CRDFindings()
	}
	if findings, ok := r.crdMemo.Get(key); ok {
		return findings
	}
	findings := r.validator.CRDFindings()
	r.crdMemo.Put(key, findings)
	return findings
}

// scanFiles starts the secrets stage on the raw files of paths (all of
// the repository when empty): the directories' files and the files named,
// which needs nothing rendered; memo, when not nil, keeps the findings of
// unchanged files. It returns a function that waits for the findings;
// call it once.
func (r *run) scanFiles(ctx context.Context, paths []string, memo secrets.FileMemo) func() []manifest.Finding {
	if r.scanner == nil || r.fsys == nil {
		return func() []manifest.Finding { return nil }
	}
	if len(paths) == 0 {
		paths = []string{"."}
	}
	done := make(chan []manifest.Finding, 1)
	go func() {
		start := time.Now()
		found := r.scanner.FilesMemo(ctx, within{r.fsys, paths}, memo)
		r.timed(&r.stats.Secrets, start)
		done <- found
	}()
	return func() []manifest.Finding { return <-done }
}

// checked is what a check keeps of one target once its objects are
// checked: its findings, and what the checks across targets need. The
// objects themselves are let go, so that a check's memory grows with its
// findings, not with the repository.
type checked struct {
	Result TargetResult
	// Findings are those on the target, before exceptions apply.
	Findings []manifest.Finding
	// Secrets are the secrets stage's findings on objects, merged with
	// those on raw files once every target is checked.
	Secrets []manifest.Finding
	// CRDs are the target's CustomResourceDefinitions, which validate the
	// custom objects of every target.
	CRDs []*manifest.Object
	// Annotated are the objects that carry the ignore annotation, reduced
	// to what waivers read (waiverOnly).
	Annotated []*manifest.Object

	// deferred are the objects whose validation waits for the run's CRDs,
	// as the stages see them (prepared holds their masking).
	deferred []*manifest.Object
	prepared secrets.Prepared
	target   render.Target
}

// checkTarget runs every stage on the objects of one rendered target.
// isolated, when non-nil, is what a worker's policy evaluation found;
// otherwise policies are evaluated here. Objects of kinds a CRD may
// define are validated later, by checkDeferred.
func (g *Gate) checkTarget(ctx context.Context, r *run, res *render.Result, isolated *isolate.Checked) *checked {
	t, objects := res.Target, res.Objects
	c := &checked{Result: TargetResult{Name: t.Name, Kind: t.Kind, Path: t.Path, Objects: len(objects)}}
	if res.Err != nil {
		c.Result.Error = res.Err.Error()
		c.Findings = append(c.Findings, renderFindings(t, res.Err)...)
	}
	if t.Skipped != "" {
		file, line := t.DefinedAt()
		c.Findings = append(c.Findings, manifest.Finding{Rule: "render/skipped", Severity: manifest.SeverityInfo, Target: t.Name, File: file, Line: line, Message: "not rendered: " + t.Skipped})
	}
	for _, n := range res.Notes {
		n.Target = t.Name
		c.Findings = append(c.Findings, n)
	}
	c.Findings = append(c.Findings, duplicateFindings(objects)...)
	for _, obj := range objects {
		if validate.IsCRD(obj) {
			c.CRDs = append(c.CRDs, obj)
		}
		if a := annotations(obj); a[IgnoreAnnotation] != "" {
			c.Annotated = append(c.Annotated, waiverOnly(obj, a))
		}
	}
	prepared := secrets.Prepared{Objects: objects}
	if r.scanner != nil {
		prepared = r.scanner.Prepare(objects)
	}
	if r.schemas != nil {
		start := time.Now()
		var now []*manifest.Object
		for _, obj := range prepared.Objects {
			if r.schemas.NeedsCRDs(obj) {
				c.deferred = append(c.deferred, obj)
			} else {
				now = append(now, obj)
			}
		}
		c.prepared = prepared
		c.prepared.Objects = nil
		c.Findings = append(c.Findings, prepared.Mask(r.schemas.Validate(ctx, now))...)
		r.timed(&r.stats.Validate, start)
	}
	if isolated != nil {
		c.Findings = append(c.Findings, isolated.Findings...)
		r.mu.Lock()
		r.stats.Policy += isolated.Time
		r.mu.Unlock()
	} else {
		for _, e := range r.policies {
			start := time.Now()
			c.Findings = append(c.Findings, prepared.Mask(e.EvaluateWithSecrets(ctx, prepared.Objects, res.Secrets))...)
			r.timed(&r.stats.Policy, start)
		}
	}
	if r.scanner != nil {
		start := time.Now()
		c.Secrets = r.scanner.Objects(ctx, r.fsys, objects)
		r.timed(&r.stats.Secrets, start)
	}
	// Values from Secrets may sit in any object (a substituted variable,
	// a chart value), where no stage knows them for secret.
	maskValues(res.Secrets, c.Findings, c.Secrets)
	// Placed while the objects are at hand, and before the secrets on
	// objects are merged with those on raw files, which are placed alike.
	c.target = t
	r.locate(t, objects, c.Findings)
	r.locate(t, objects, c.Secrets)
	return c
}

// valueSet is the redact.Set of values; nil when there are none.
func valueSet(values []string) *redact.Set {
	if len(values) == 0 {
		return nil
	}
	var s redact.Set
	for _, v := range values {
		s.Add(v)
	}
	return &s
}

// maskValues hides values in the messages and fields of findings.
func maskValues(values []string, lists ...[]manifest.Finding) {
	s := valueSet(values)
	for _, findings := range lists {
		s.RedactFindings(findings)
	}
}

// locate moves findings on the objects of target t to the file and line
// that last wrote their field. It reads the repository, so needs r.fsys.
func (r *run) locate(t render.Target, objects []*manifest.Object, findings []manifest.Finding) {
	if r.locator == nil || len(findings) == 0 {
		return
	}
	r.locator.Locate([]*render.Result{{Target: t, Objects: objects}}, findings)
}

// checkDeferred validates the objects checkTarget deferred, against the
// validator that knows the run's CRDs.
func (r *run) checkDeferred(ctx context.Context, c *checked) {
	if r.validator == nil || len(c.deferred) == 0 {
		return
	}
	start := time.Now()
	found := c.prepared.Mask(r.validator.Validate(ctx, c.deferred))
	r.locate(c.target, c.deferred, found)
	c.Findings = append(c.Findings, found...)
	c.deferred, c.prepared = nil, secrets.Prepared{}
	r.timed(&r.stats.Validate, start)
}

// within is fsys with directory listings limited to the entries on the way
// to, or under, paths: the raw files a check of those paths covers. Files
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
