package syncgate

import (
	"cmp"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/rogpeppe/go-internal/cache"

	"github.com/syncgate/syncgate/change"
	"github.com/syncgate/syncgate/engine"
	"github.com/syncgate/syncgate/internal/isolate"
	"github.com/syncgate/syncgate/internal/parallel"
	"github.com/syncgate/syncgate/manifest"
	"github.com/syncgate/syncgate/policy"
	"github.com/syncgate/syncgate/render"
	"github.com/syncgate/syncgate/secrets"
	"github.com/syncgate/syncgate/validate"
)

// Options configure a Gate: the options of each stage, and what the Gate
// adds around them. Start from DefaultOptions.
type Options struct {
	// Render configures rendering. Its KubernetesVersion and Validate's
	// are one setting: set either, or both to the same version.
	Render render.Options
	// Validate configures schema validation. CRDs given here validate
	// custom objects beside those the repository renders.
	Validate validate.Options
	// Policy configures Rego evaluation; its Dirs, on disk unless FS is
	// set, are compiled once by New, with the bundled library when
	// Bundled is set.
	Policy policy.Options
	// Secrets configures the secrets stage.
	Secrets secrets.Options
	// Engine configures discovery from Argo CD and Flux objects; its
	// RepoURL, when set, wins over the configuration's repoURL.
	Engine engine.Options
	// Stages are the checks run on rendered objects: DefaultOptions has
	// all of them, and none runs only the render and duplicate checks.
	Stages []Stage
	// Isolation, when non-nil, renders and evaluates policies in worker
	// processes within these limits: the choice for untrusted input. It
	// needs repositories on disk (Source.Dir). Workers are this program
	// re-executed, so its main must call ServeWorker first. Nil works
	// in-process, where policy evaluation is bounded by its deadline and
	// OPA's own limits only.
	Isolation *Isolation
	// FailOn is the least severity that blocks: error (the default) or
	// warning.
	FailOn manifest.Severity
	// Config is trusted configuration: it replaces each repository's own
	// .syncgate.yaml and may waive any rule. A Source's Trusted config
	// replaces it in turn.
	Config *Config
	// RepositoryExceptions applies a repository's own exceptions, severity
	// overrides and ignore annotations; they never waive or downgrade a
	// rule meaning that a check could not run (see Unwaivable).
	// DefaultOptions sets it.
	RepositoryExceptions bool
	// CacheDir keeps the results of checked targets, so that a check
	// renders again only the targets whose inputs changed (see
	// DefaultCacheDir); "" keeps none. A cache directory that cannot be
	// written is left alone, with a debug message.
	CacheDir string
	// Logger receives debug messages, and is the stages' logger where
	// theirs is nil; nil discards them.
	Logger *slog.Logger
}

// DefaultOptions are safe for untrusted repositories.
func DefaultOptions() Options {
	return Options{
		Render:               render.DefaultOptions(),
		Validate:             validate.DefaultOptions(),
		Policy:               policy.DefaultOptions(),
		Secrets:              secrets.DefaultOptions(),
		Stages:               AllStages(),
		FailOn:               manifest.SeverityError,
		RepositoryExceptions: true,
	}
}

// Isolation bounds a worker process: resident memory, CPU and wall time
// per target, and the size of a rendered result.
type Isolation = isolate.Limits

// DefaultIsolation returns limits that fit large real repositories with
// wide margins.
func DefaultIsolation() Isolation { return isolate.DefaultLimits() }

// ServeWorker makes this process a worker, serving until its Gate closes
// and then exiting, when a Gate with Isolation started it; it returns at
// once otherwise. Programs that set Options.Isolation call it first thing
// in main:
//
//	func main() {
//		syncgate.ServeWorker()
//		...
//	}
func ServeWorker() { isolate.Main() }

// Gate checks repositories. Build it once with New; it is safe for
// concurrent use. Close it when done.
type Gate struct {
	opts     Options
	renderer *render.Renderer
	workers  *isolate.Pool // nil: in-process
	stages   stages
	cache    *resultCache // nil: none
}

// New validates opts, compiles the policies and loads the CRDs, and
// returns a Gate. Cancelling ctx stops the compilation.
func New(ctx context.Context, opts Options) (*Gate, error) {
	if opts.FailOn == "" {
		opts.FailOn = manifest.SeverityError
	}
	if _, err := manifest.ParseSeverity(string(opts.FailOn)); err != nil {
		return nil, fmt.Errorf("syncgate: fail-on: %w", err)
	}
	rv, vv := opts.Render.KubernetesVersion, opts.Validate.KubernetesVersion
	if rv != "" && vv != "" && rv != vv {
		return nil, fmt.Errorf("syncgate: Kubernetes version: rendering assumes %s, validation %s", rv, vv)
	}
	opts.Render.KubernetesVersion = cmp.Or(rv, vv)
	opts.Validate.KubernetesVersion = opts.Render.KubernetesVersion
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	opts.Render.Logger = cmp.Or(opts.Render.Logger, opts.Logger)
	opts.Policy.Logger = cmp.Or(opts.Policy.Logger, opts.Logger)
	opts.Validate.Logger = cmp.Or(opts.Validate.Logger, opts.Logger)
	if opts.Engine.ChartCache != "" {
		// Absolute, so that workers and later calls read the same one.
		dir, err := filepath.Abs(opts.Engine.ChartCache)
		if err != nil {
			return nil, fmt.Errorf("syncgate: chart cache: %w", err)
		}
		opts.Engine.ChartCache = dir
		opts.Render.ChartCache = dir // rendering reads the cache the key hashes (Engine.ChartCache)
	}
	if opts.Secrets.AgeKeys != "" && opts.Render.DecryptSOPS == nil {
		// Flux decrypts the SOPS Secrets its substitution reads: so does
		// rendering, in memory, with the Gate's key.
		decrypt, err := secrets.Decrypter(opts.Secrets.AgeKeys)
		if err != nil {
			return nil, fmt.Errorf("syncgate: %w", err)
		}
		opts.Render.DecryptSOPS = decrypt
	}
	r, err := render.New(opts.Render)
	if err != nil {
		return nil, fmt.Errorf("syncgate: %w", err)
	}
	g := &Gate{opts: opts, renderer: r}
	if opts.CacheDir != "" {
		g.cache = openCache(opts.CacheDir, opts.Logger)
	}
	if err := g.buildStages(ctx); err != nil {
		return nil, fmt.Errorf("syncgate: %w", err)
	}
	if opts.Isolation != nil {
		if g.workers, err = isolate.NewPool(opts.Render, opts.Secrets.AgeKeys, *opts.Isolation); err != nil {
			return nil, fmt.Errorf("syncgate: %w", err)
		}
	}
	return g, nil
}

// Close stops the Gate's worker processes, if any.
func (g *Gate) Close() error {
	if g.workers == nil {
		return nil
	}
	return g.workers.Close()
}

// Objects are objects rendered elsewhere, per target, with the
// configuration that decides them: what an operator or a server hands the
// Gate right before it applies them.
type Objects struct {
	// Targets are the rendered targets; a Result's Err is reported as the
	// target's render failure.
	Targets []*render.Result
	// Base, when non-nil, are the same targets before the change: the
	// objects live now, or an admission review's oldObject. Each object
	// of Targets is matched with Base's by target name, group, kind,
	// namespace and name, and every change is checked too: the change/*
	// rules, the CRDs' CEL transition rules, and the change policies
	// (policy.ChangePackage and the bundled ones) with operation CREATE
	// for an object only in Targets, DELETE for one only in Base, UPDATE
	// for one that differs. Decision.Diff then holds the changes. Nil
	// checks Targets alone.
	Base []*render.Result
	// Change configures how Base and Targets are compared; start from
	// change.DefaultOptions.
	Change change.Options
	// Trusted is the caller's configuration; it replaces Options.Config
	// and Repository, and may waive any rule.
	Trusted *Config
	// Repository is the configuration of the repository the objects come
	// from, when no trusted configuration is given.
	Repository *Config
	// FS is where the paths the configuration names (policies, CRDs,
	// schema locations) are read; nil allows none.
	FS fs.FS
}

// Targets discovers the targets of src and applies its configuration. A
// path that names a file, as a pre-commit hook passes them, selects the
// targets of the whole repository whose inputs hold that file.
func (g *Gate) Targets(ctx context.Context, src *Source) ([]render.Target, error) {
	src = src.view()
	defer src.Close()
	cfg, _, err := g.configOf(src)
	if err != nil {
		return nil, err
	}
	return g.targets(ctx, src, cfg, newInputs(src.FS), g.chartReading())
}

// chartReading is one reading of the chart cache (engine.Options.ShareCharts)
// for the discovery calls of one check, or of both sides of one diff.
func (g *Gate) chartReading() engine.Options {
	opts := g.opts.Engine
	opts.Limits = g.opts.Render.Limits
	return opts.ShareCharts()
}

// targets discovers the targets of src, reading the chart cache through
// charts (chartReading).
func (g *Gate) targets(ctx context.Context, src *Source, cfg *Config, in *inputs, charts engine.Options) ([]render.Target, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	dirs, files, err := splitPaths(src)
	if err != nil {
		return nil, err
	}
	engineOpts := g.engineOptions(src, cfg).WithChartsOf(charts)
	targets, err := g.discover(src, cfg, engineOpts, dirs)
	if err != nil {
		return nil, err
	}
	if targets, err = g.appOfApps(ctx, src, cfg, engineOpts, targets); err != nil {
		return nil, err
	}
	if len(files) > 0 {
		all, err := g.discover(src, cfg, engineOpts, []string{"."})
		if err != nil {
			return nil, err
		}
		for _, t := range all {
			if affectedByAny(t, files, in.of) {
				targets = append(targets, t)
			}
		}
	}
	slices.SortFunc(targets, func(a, b render.Target) int { return strings.Compare(a.Name, b.Name) })
	return slices.CompactFunc(targets, func(a, b render.Target) bool { return a.Name == b.Name }), nil
}

// discover finds the targets under dirs: those Argo CD and Flux objects
// define, and those found by directory that no engine target covers;
// targets the configuration declares replace those at the same path.
func (g *Gate) discover(src *Source, cfg *Config, engineOpts engine.Options, dirs []string) ([]render.Target, error) {
	var targets []render.Target
	for _, p := range dirs {
		// The two read the same files, once each through src.FS: at once.
		var defined []render.Target
		var engineErr error
		var engines sync.WaitGroup
		if !engineOpts.Disabled {
			engines.Go(func() { defined, engineErr = engine.Discover(src.FS, p, engineOpts) })
		}
		found, err := render.Discover(src.FS, p)
		engines.Wait()
		if err = cmp.Or(err, engineErr); err != nil {
			return nil, err
		}
		if engineOpts.Disabled {
			targets = append(targets, found...)
			continue
		}
		targets = append(targets, engine.Merge(found, defined)...)
	}
	if cfg == nil {
		return targets, nil
	}
	for _, tc := range cfg.Targets {
		if !underAny(tc.Path, dirs) {
			continue
		}
		targets = slices.DeleteFunc(targets, func(t render.Target) bool { return t.Path == path.Clean(tc.Path) })
		targets = append(targets, tc.target())
	}
	return targets, nil
}

// engineOptions are the Gate's engine options completed from the
// configuration and the repository's origin remote.
func (g *Gate) engineOptions(src *Source, cfg *Config) engine.Options {
	opts := g.opts.Engine
	if opts.RepoURL == "" && cfg != nil {
		opts.RepoURL = cfg.RepoURL
	}
	if opts.Clusters == "" && cfg != nil {
		opts.Clusters = cfg.ArgoCDClusters
	}
	if opts.RepoURL == "" {
		// Unreadable git metadata leaves the URL unknown; sources are then
		// reported as not known to be this repository.
		opts.RepoURL, _ = engine.OriginURL(src.FS, src.Dir)
	}
	opts.Limits = g.opts.Render.Limits
	return opts
}

// appOfApps adds the targets that engine objects rendered by charts
// define (engine.AppOfApps), rendering those charts as the check does.
func (g *Gate) appOfApps(ctx context.Context, src *Source, cfg *Config, engineOpts engine.Options, targets []render.Target) ([]render.Target, error) {
	if engineOpts.Disabled {
		return targets, nil
	}
	return engine.AppOfApps(src.FS, targets, engineOpts, func(charts []render.Target) ([]*render.Result, error) {
		results, _, err := g.render(ctx, src, g.kubernetesVersion(cfg), charts, nil)
		return results, err
	})
}

// splitPaths separates the directories of src.Paths from its files.
func splitPaths(src *Source) (dirs, files []string, err error) {
	paths := src.Paths
	if len(paths) == 0 {
		paths = []string{"."}
	}
	for _, p := range paths {
		info, err := fs.Stat(src.FS, p)
		if err != nil {
			return nil, nil, err
		}
		if info.IsDir() {
			dirs = append(dirs, p)
		} else {
			files = append(files, p)
		}
	}
	return dirs, files, nil
}

// affectedByAny reports whether any of files is an input of t (as inputs
// lists them) or defines it; a change to the configuration affects every
// target.
func affectedByAny(t render.Target, files []string, inputs func(render.Target) []string) bool {
	if slices.Contains(files, ConfigFileName) {
		return true
	}
	// An engine target also changes with the object that defines it; a
	// skipped one only with it.
	if file, _ := t.DefinedAt(); t.Engine != "" && slices.Contains(files, file) {
		return true
	}
	if t.Skipped != "" {
		return false
	}
	in := inputs(t)
	return slices.ContainsFunc(files, func(f string) bool { return render.Affects(in, f) })
}

func underAny(p string, dirs []string) bool {
	p = path.Clean(p)
	for _, d := range dirs {
		if d == "." || p == d || strings.HasPrefix(p, d+"/") {
			return true
		}
	}
	return false
}

// configOf returns the configuration that decides a check of src, and
// whether it is trusted: src.Trusted, else Options.Config, else the
// repository's own .syncgate.yaml.
func (g *Gate) configOf(src *Source) (*Config, bool, error) {
	if cfg := cmp.Or(src.Trusted, g.opts.Config); cfg != nil {
		return cfg, true, nil
	}
	cfg, err := src.RepositoryConfig()
	return cfg, false, err
}

// Render renders targets of src, in the order given: in worker processes
// when the Gate has Isolation, else in-process. A Gate with Isolation
// cannot render a Source without a directory on disk.
func (g *Gate) Render(ctx context.Context, src *Source, targets []render.Target) ([]*render.Result, error) {
	cfg, _, err := g.configOf(src)
	if err != nil {
		return nil, err
	}
	results, _, err := g.render(ctx, src, g.kubernetesVersion(cfg), targets, nil)
	return results, err
}

// render renders targets, and with eval non-nil has the workers evaluate
// policies on them: the i-th Checked holds the findings on targets[i].
func (g *Gate) render(ctx context.Context, src *Source, version string, targets []render.Target, eval *isolate.Evaluation) ([]*render.Result, []isolate.Checked, error) {
	targets = slices.Clone(targets)
	for i := range targets {
		targets[i].KubernetesVersion = cmp.Or(targets[i].KubernetesVersion, version)
	}
	if g.workers == nil {
		return g.renderer.RenderAll(ctx, src.FS, targets), nil, nil
	}
	if src.Dir == "" {
		return nil, nil, errors.New("syncgate: Isolation renders in worker processes, which read the repository from disk: a Source without Dir cannot be isolated")
	}
	results, checked := g.workers.RenderAll(ctx, src.Dir, targets, eval)
	return results, checked, nil
}

// kubernetesVersion is the Kubernetes version of a check: the option, else
// the configuration's, else "" for the newest.
func (g *Gate) kubernetesVersion(cfg *Config) string {
	if v := g.opts.Render.KubernetesVersion; v != "" || cfg == nil {
		return v
	}
	return cfg.KubernetesVersion
}

// Check renders every target of src (of src.Shard) and checks every
// object.
func (g *Gate) Check(ctx context.Context, src *Source) (*Decision, error) {
	if err := src.Shard.check(); err != nil {
		return nil, err
	}
	src = src.view()
	defer src.Close()
	remember := g.prestart(src)
	cfg, trusted, err := g.configOf(src)
	if err != nil {
		return nil, err
	}
	in := newInputs(src.FS)
	targets, err := g.targets(ctx, src, cfg, in, g.chartReading())
	if err != nil {
		return nil, err
	}
	spec := checkSpec{src: src, cfg: cfg, cfgFS: src.FS, trusted: trusted, targets: targets, scan: src.Paths, inputs: in}
	if len(spec.scan) == 0 {
		spec.scan = []string{"."}
	}
	// A check of changed files (pre-commit) scans the raw files of the
	// targets they affect too: a file's secret may be reported through
	// the kustomization that reads it (a secretGenerator's env file).
	if _, files, err := splitPaths(src); err == nil && len(files) > 0 {
		for _, t := range targets {
			// "." is a target whose inputs cannot be told: not a reason
			// to scan the whole repository.
			spec.scan = append(spec.scan, slices.DeleteFunc(slices.Clone(in.of(t)), func(p string) bool { return p == "." })...)
		}
		slices.Sort(spec.scan)
		spec.scan = slices.Compact(spec.scan)
	}
	if !src.Shard.whole() {
		spec.targets = src.Shard.of(targets)
		if src.Shard.Index != 1 {
			spec.scan = nil
		}
		// Other shards' CRDs validate this one's custom objects, as in a
		// check of every target.
		spec.more = func(r *run, results []*render.Result) ([]manifest.Finding, error) {
			return nil, g.otherCRDs(ctx, r, src, g.kubernetesVersion(cfg), targets, spec.targets, in, results)
		}
	}
	d, err := g.check(ctx, spec)
	if err == nil {
		remember()
	}
	return d, err
}

// checkSpec is what one check renders and checks, and with what.
type checkSpec struct {
	src     *Source
	cfg     *Config
	trusted bool
	// cfgFS is where the paths cfg names are read: src.FS, or the base
	// revision in a pre-merge check; cfgDir is its root on disk, for
	// worker processes, when it is not src's.
	cfgFS  fs.FS
	cfgDir string
	// targets are rendered and checked; scan are the raw files (and
	// directories) the secrets stage reads, none when empty.
	targets []render.Target
	scan    []string
	// inputs are the files each target reads, found once per check; nil
	// finds them afresh.
	inputs *inputs
	// more, when set, adds findings on the rendered results.
	more func(r *run, results []*render.Result) ([]manifest.Finding, error)
}

// check renders the targets of spec and checks every object. Targets
// stream through the stages: each is checked as soon as it is rendered,
// and only its findings and what the checks across targets need are kept.
func (g *Gate) check(ctx context.Context, spec checkSpec) (*Decision, error) {
	start := time.Now()
	src := spec.src
	d := &Decision{}
	version := g.kubernetesVersion(spec.cfg)
	r, err := g.newRun(ctx, spec.cfg, spec.trusted, src.FS, spec.cfgFS, version, &d.Stats)
	if err != nil {
		return nil, err
	}
	if r.eval != nil && spec.cfgDir != "" {
		r.eval.Policies = policiesFrom(r.eval.Policies, spec.cfgDir)
	}
	var results []*render.Result
	if spec.more != nil {
		results = make([]*render.Result, len(spec.targets))
	}
	var keys []cache.ActionID
	var memo secrets.FileMemo
	var rc *runCache
	entries := make([]*entry, len(spec.targets))
	targets := make([]*checked, len(spec.targets))
	deferred := make([]bool, len(spec.targets))
	// unstarted are the targets whose worker could not start: their
	// result says nothing of their inputs, so it is not cached.
	unstarted := make([]bool, len(spec.targets))
	each := func(i int, res *render.Result, isolated *isolate.Checked) {
		if results != nil {
			results[i] = res
		}
		targets[i] = g.checkTarget(ctx, r, res, isolated)
		deferred[i] = len(targets[i].deferred) > 0
		unstarted[i] = res != nil && errors.Is(res.Err, isolate.ErrStart)
	}
	// A target renders as soon as the cache is known to lack it, while
	// the other targets' entries are still looked up: render workers take
	// long to start.
	todo := g.renderQueue(len(spec.targets))
	sent := make([]bool, len(spec.targets))
	rendered := g.startRendering(ctx, r, src, version, spec.targets, todo, each)
	if run, ok := g.cacheRun(spec, version); ok {
		rc = g.cache.forRun(run, src.Dir)
		memo = findingsMemo{rc: rc, run: run, kind: memoSecretsFile, indexOnly: true}
		r.crdMemo = findingsMemo{rc: rc, run: run, kind: memoCRDs}
		keys = g.lookup(ctx, spec, run, rc, entries, func(i int) {
			sent[i] = true
			todo.add(i)
		})
	}
	// Without the cache's entries, every target not yet sent renders.
	if keys == nil {
		for i, s := range sent {
			if !s {
				todo.add(i)
			}
		}
	}
	todo.close()
	// The raw files need no rendering: their secrets check runs beside it.
	files := func() []manifest.Finding { return nil }
	if len(spec.scan) > 0 {
		files = r.scanFiles(ctx, spec.scan, memo)
	}
	err = cmp.Or(rendered(), ctx.Err())
	for i, e := range entries {
		if e != nil {
			targets[i] = &e.Checked
		}
	}
	// Cached custom objects were checked against the CRDs of their run;
	// with other CRDs now, they are checked again, and cached anew.
	var crds [sha256.Size]byte
	if err == nil && keys != nil {
		if crds, err = crdDigest(runCRDs(targets)); err == nil {
			stale := g.renderQueue(len(entries))
			for i, e := range entries {
				if e != nil && e.Deferred && e.CRDs != crds {
					entries[i] = nil
					stale.add(i)
				}
			}
			stale.close()
			err = cmp.Or(g.startRendering(ctx, r, src, version, spec.targets, stale, each)(), ctx.Err())
		}
	}
	if err != nil {
		files()
		return nil, err
	}
	if spec.more != nil {
		if r.extra, err = spec.more(r, results); err != nil {
			files()
			return nil, err
		}
		if r.locator != nil {
			r.locator.Locate(results, r.extra)
		}
	}
	g.across(ctx, r, targets)
	if keys != nil && ctx.Err() == nil {
		for i, c := range targets {
			if entries[i] == nil && !unstarted[i] {
				rc.putEntry(keys[i], &entry{Checked: *c, CRDs: crds, Deferred: deferred[i]})
			} else if entries[i] != nil {
				d.Stats.Cached++
			}
		}
		rc.seal()
		g.cache.trim()
	}
	d, err = g.finish(ctx, d, r, targets, files, start)
	if err == nil && rc != nil {
		rc.save()
	}
	return d, err
}

// renderQueue holds the indexes of the targets to render, up to n.
// Rendering in workers, renders beyond the first start only once
// wideBacklog targets wait at once: a worker's start and first target
// take about 0.3 s, as long as several targets on a live worker, and a
// re-check after a small change renders a few. On the corpus's one-file
// change (3 targets), alternating 8 rounds on 2 cores: 0.79-1.13 s with
// a render (and worker) per job, 0.60-0.92 s with one until 8 wait.
func (g *Gate) renderQueue(n int) *renderQueue {
	q := &renderQueue{todo: make(chan int, n), wide: make(chan struct{}), closed: make(chan struct{})}
	if g.workers == nil {
		q.widen()
	}
	return q
}

const wideBacklog = 8

type renderQueue struct {
	todo   chan int
	wide   chan struct{} // closed: every render may start
	closed chan struct{} // closed with todo
	once   sync.Once
}

func (q *renderQueue) add(i int) {
	q.todo <- i
	if len(q.todo) >= wideBacklog {
		q.widen()
	}
}

func (q *renderQueue) widen() { q.once.Do(func() { close(q.wide) }) }

// widened waits until the queue widens, true, or closes without, false.
func (q *renderQueue) widened() bool {
	select {
	case <-q.wide:
		return true
	case <-q.closed:
		select {
		case <-q.wide:
			return true
		default:
			return false
		}
	}
}

// close says no more targets come.
func (q *renderQueue) close() {
	close(q.todo)
	close(q.closed)
}

// startRendering renders the targets whose indexes arrive on todo,
// Options.Render.Jobs at a time (one until todo widens), and hands each
// result to each as soon as it is ready, with what the workers' policy
// evaluation found on it when they evaluated (r.eval). Rendering goes on
// while results are checked, as many at a time: render workers need not
// wait for the check of what they rendered. The function it returns
// waits, once todo is closed, for every result to be checked.
func (g *Gate) startRendering(ctx context.Context, r *run, src *Source, version string, targets []render.Target, todo *renderQueue, each func(i int, res *render.Result, isolated *isolate.Checked)) (wait func() error) {
	if g.workers != nil && src.Dir == "" {
		err := errors.New("syncgate: Isolation renders in worker processes, which read the repository from disk: a Source without Dir cannot be isolated")
		return func() error { return err }
	}
	type rendered struct {
		i        int
		res      *render.Result
		isolated *isolate.Checked
	}
	ready := make(chan rendered)
	var renders, checks sync.WaitGroup
	for n := range max(g.opts.Render.Jobs, 1) {
		renders.Go(func() {
			if n > 0 && !todo.widened() {
				return
			}
			for i := range todo.todo {
				res, isolated := g.renderOne(ctx, r, src, version, targets[i])
				ready <- rendered{i, res, isolated}
			}
		})
		checks.Go(func() {
			for x := range ready {
				each(x.i, x.res, x.isolated)
			}
		})
	}
	return func() error {
		renders.Wait()
		close(ready)
		checks.Wait()
		return nil
	}
}

// renderOne renders t, in a worker when the Gate isolates; a target that
// cannot render, or a cancelled check, gives a result with its error.
func (g *Gate) renderOne(ctx context.Context, r *run, src *Source, version string, t render.Target) (*render.Result, *isolate.Checked) {
	t.KubernetesVersion = cmp.Or(t.KubernetesVersion, version)
	var res *render.Result
	var isolated *isolate.Checked
	err := ctx.Err()
	if err == nil {
		start := time.Now()
		if g.workers == nil {
			res, err = g.renderer.RenderObjects(ctx, src.FS, t)
		} else {
			var c isolate.Checked
			if res, c, err = g.workers.RenderObjects(ctx, src.Dir, t, r.eval); err == nil && r.eval != nil {
				isolated = &c
			}
		}
		r.timed(&r.stats.Render, start)
	}
	if err != nil {
		res = &render.Result{Target: t, Err: err}
	}
	return res, isolated
}

// policiesFrom has workers read the repository's policies from dir, the
// base revision's on disk, rather than from the repository they render.
func policiesFrom(sets []isolate.Policies, dir string) []isolate.Policies {
	out := slices.Clone(sets)
	for i, p := range out {
		if !p.InRepository {
			continue
		}
		p.InRepository = false
		p.Options.FS = nil
		p.Options.Dirs = slices.Clone(p.Options.Dirs)
		for j, d := range p.Options.Dirs {
			p.Options.Dirs[j] = filepath.Join(dir, filepath.FromSlash(d))
		}
		out[i] = p
	}
	return out
}

// CheckObjects checks objects rendered elsewhere, as an operator calls the
// gate right before it applies them; with in.Base set it checks their
// changes too, as an admission webhook does with a review's oldObject and
// object.
func (g *Gate) CheckObjects(ctx context.Context, in Objects) (*Decision, error) {
	start := time.Now()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	cfg, trusted := cmp.Or(in.Trusted, g.opts.Config), true
	if cfg == nil {
		cfg, trusted = in.Repository, false
	}
	d := &Decision{}
	r, err := g.newRun(ctx, cfg, trusted, in.FS, in.FS, g.kubernetesVersion(cfg), &d.Stats)
	if err != nil {
		return nil, err
	}
	if in.Base != nil {
		if d.Diff, r.extra, err = g.compare(ctx, r, in.Base, in.Targets, in.Targets, in.Change); err != nil {
			return nil, err
		}
	}
	targets := make([]*checked, len(in.Targets))
	parallel.Do(len(in.Targets), max(g.opts.Render.Jobs, 1), func(i int) {
		if ctx.Err() == nil {
			targets[i] = g.checkTarget(ctx, r, in.Targets[i], nil)
		}
	})
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	g.across(ctx, r, targets)
	return g.finish(ctx, d, r, targets, func() []manifest.Finding { return nil }, start)
}

// runCRDs are the CRDs of every target, in target order.
func runCRDs(targets []*checked) []*manifest.Object {
	var crds []*manifest.Object
	for _, c := range targets {
		crds = append(crds, c.CRDs...)
	}
	return crds
}

// across completes the checks that need every target: the objects whose
// kinds the run's CRDs may define are validated.
func (g *Gate) across(ctx context.Context, r *run, targets []*checked) {
	r.rendered(runCRDs(targets))
	parallel.Do(len(targets), max(g.opts.Render.Jobs, 1), func(i int) {
		if ctx.Err() == nil {
			r.checkDeferred(ctx, targets[i])
		}
	})
}

// finish adds the secrets on raw files and decides.
func (g *Gate) finish(ctx context.Context, d *Decision, r *run, targets []*checked, files func() []manifest.Finding, start time.Time) (*Decision, error) {
	var annotated []*manifest.Object
	var onObjects []manifest.Finding
	for _, c := range targets {
		annotated = append(annotated, c.Annotated...)
	}
	findings := append(slices.Clone(r.findings), r.extra...)
	for _, c := range targets {
		findings = append(findings, c.Findings...)
		onObjects = append(onObjects, c.Secrets...)
		d.Targets = append(d.Targets, c.Result)
		d.Stats.Objects += c.Result.Objects
	}
	raw := files()
	if r.scanner != nil {
		findings = append(findings, secrets.Merge(raw, onObjects)...)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	d.add(r.waivers.apply(findings, annotated))
	d.Findings = append(d.Findings, r.waivers.expiredFindings()...)
	d.Findings = append(d.Findings, ignoredFindings(r.cfg, r.waivers.trusted, g.opts.RepositoryExceptions)...)
	d.Overrides = r.waivers.applied()
	d.Stats.Targets = len(d.Targets)
	g.decide(d)
	d.Stats.Total = time.Since(start)
	return d, nil
}

func (d *Decision) add(findings []manifest.Finding, waived []Waived) {
	d.Findings = append(d.Findings, findings...)
	d.Waived = append(d.Waived, waived...)
}

func (g *Gate) decide(d *Decision) {
	d.Findings = manifest.GroupFindings(d.Findings)
	SortWaived(d.Waived)
	d.Allowed = !slices.ContainsFunc(d.Findings, func(f manifest.Finding) bool { return f.Severity.Rank() >= g.opts.FailOn.Rank() })
}

// renderFindings turns a render error into findings, one per file the
// error names, so that no cause is lost.
func renderFindings(t render.Target, err error) []manifest.Finding {
	whole := manifest.Finding{Rule: "render/failed", Severity: manifest.SeverityError, Target: t.Name, File: t.Path, Message: err.Error()}
	if errors.Is(err, manifest.ErrLimit) {
		whole.Rule = "render/resource-limit"
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return []manifest.Finding{whole}
	}
	sources := manifest.SourceErrors(err)
	if len(sources) == 0 {
		return []manifest.Finding{whole}
	}
	findings := make([]manifest.Finding, 0, len(sources))
	for _, se := range sources {
		f := manifest.Finding{Rule: "render/failed", Severity: manifest.SeverityError, Target: t.Name, File: se.File, Line: se.Line, Message: se.Err.Error()}
		if errors.Is(se, manifest.ErrLimit) {
			f.Rule = "render/resource-limit"
		}
		findings = append(findings, f)
	}
	return findings
}

// duplicateFindings reports objects defined twice in one target: the
// operator would apply only one of them. The repeats of one file's objects
// in another file are one mistake, so they are one finding, on the first
// repeat: a directory holding both install.yaml and namespace-install.yaml
// gets one finding, not one per object.
func duplicateFindings(objects []*manifest.Object) []manifest.Finding {
	type key struct{ group, kind, namespace, name string }
	type files struct{ repeat, first string }
	// repeats are one file's repeats of another's objects, and the first
	// definition of the first of them.
	type repeats struct {
		first   *manifest.Object
		objects []*manifest.Object
	}
	first := map[key]*manifest.Object{}
	var groups []*repeats
	byFiles := map[files]*repeats{}
	for _, obj := range objects {
		k := key{obj.Group(), obj.Kind, obj.Namespace, obj.Name}
		prev, seen := first[k]
		if !seen {
			first[k] = obj
			continue
		}
		pair := files{obj.Origin.File, prev.Origin.File}
		g := byFiles[pair]
		if g == nil {
			g = &repeats{first: prev}
			byFiles[pair] = g
			groups = append(groups, g)
		}
		g.objects = append(g.objects, obj)
	}
	findings := make([]manifest.Finding, 0, len(groups))
	for _, g := range groups {
		obj, ref := g.objects[0], g.objects[0].Ref()
		msg := fmt.Sprintf("%s is defined more than once (first in %s)", ref, location(g.first.Origin))
		if len(g.objects) > 1 {
			msg = fmt.Sprintf("%s and %d more objects of this file are defined more than once (first in %s, from %s)",
				ref, len(g.objects)-1, g.first.Origin.File, location(g.first.Origin))
		}
		findings = append(findings, manifest.Finding{
			Rule:     "render/duplicate-object",
			Severity: manifest.SeverityError,
			Message:  msg,
			Target:   obj.Origin.Target,
			Object:   &ref,
			File:     obj.Origin.File,
			Line:     obj.Origin.Line,
		})
	}
	return findings
}

func location(o manifest.Origin) string {
	if o.Line > 0 {
		return fmt.Sprintf("%s:%d", o.File, o.Line)
	}
	return o.File
}
