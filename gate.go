package syncgate

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/syncgate/syncgate/internal/isolate"
	"github.com/syncgate/syncgate/manifest"
	"github.com/syncgate/syncgate/render"
	"github.com/syncgate/syncgate/validate"
)

// Options configure a Gate. Start from DefaultOptions.
type Options struct {
	// KubernetesVersion is the version templates and checks assume; the
	// repository's config may set it, and this field wins when non-empty.
	KubernetesVersion string
	// LoadRestrictions bounds the files a kustomization may read.
	LoadRestrictions render.LoadRestrictions
	// AllowRemote lets kustomizations use remote bases. Off by default.
	AllowRemote bool
	// Jobs is how many targets render at once; 0 means GOMAXPROCS.
	Jobs int
	// Limits bound every YAML file read.
	Limits manifest.Limits
	// FailOn is the least severity that blocks: error (the default) or warning.
	FailOn manifest.Severity
	// Isolation, when non-nil, renders repositories opened with OpenDir in
	// worker processes within these limits: the choice for untrusted
	// input. Workers are this program re-executed, so its main must call
	// ServeWorker first. Nil renders in-process.
	Isolation *Isolation
	// Stages are the checks run on rendered objects: DefaultOptions has
	// all of them, and none runs only the render and duplicate checks.
	Stages []Stage
	// CRDs are files or directories on disk of CustomResourceDefinitions
	// whose schemas validate custom objects, beside the CRDs found among
	// the rendered objects themselves.
	CRDs []string
	// SchemaLocations are kubeconform schema locations tried after the
	// embedded schemas and the CRDs; http(s) ones need AllowRemote.
	SchemaLocations []string
	// MissingSchemas is what an object no schema covers is: warning (the
	// default), error or ignore.
	MissingSchemas validate.MissingSchemas
	// NoCRDCatalog turns off the bundled CRD catalogue (validate.CRDCatalog).
	NoCRDCatalog bool
	// Policies are directories of Rego policies in conftest's conventions
	// and Gatekeeper templates, compiled once by New.
	Policies []string
	// PolicyNamespaces are the policy packages evaluated; empty means main.
	PolicyNamespaces []string
	// AllNamespaces evaluates every package of Policies.
	AllNamespaces bool
	// DefaultPolicies adds the bundled library of best-practice checks.
	DefaultPolicies bool
	// PolicyTimeout and PolicyMemory bound the evaluation of one object:
	// its time, and the heap it may add (bytes). Zero means the policy
	// package's defaults, policy.DefaultTimeout and DefaultMaxMemory. An evaluation over
	// either is a blocking policy/eval-error.
	PolicyTimeout time.Duration
	PolicyMemory  uint64
	// SOPSAgeKeys is the content of an age identity file: with it, SOPS
	// files are decrypted in memory to verify their MAC and to check the
	// decrypted objects; their values are never shown.
	SOPSAgeKeys string
	// DisabledCredentialRules are gitleaks rule IDs not to run.
	DisabledCredentialRules []string
	// Config replaces the repository's .syncgate.yaml when non-nil.
	Config *Config
	// Logger receives debug messages; nil discards them.
	Logger *slog.Logger
}

// DefaultOptions are safe for untrusted repositories.
func DefaultOptions() Options {
	ro := render.DefaultOptions()
	return Options{
		LoadRestrictions: ro.LoadRestrictions,
		Jobs:             ro.Jobs,
		Limits:           ro.Limits,
		FailOn:           manifest.SeverityError,
		Stages:           slices.Clone(Stages),
		MissingSchemas:   validate.MissingSchemasWarning,
		DefaultPolicies:  true,
	}
}

// Isolation bounds rendering one target in a worker process: resident
// memory, CPU time and wall time, and the size of the rendered result.
type Isolation = isolate.Limits

// DefaultIsolation returns limits that fit large real repositories with
// wide margins: 2 GiB, two minutes of CPU and of wall time, 256 MiB of
// output per target.
func DefaultIsolation() Isolation { return isolate.DefaultLimits() }

// ServeWorker makes this process a render worker, serving until its Gate
// closes and then exiting, when a Gate with Isolation started it; it
// returns at once otherwise. Programs that set Options.Isolation call it
// first thing in main:
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
	workers  *isolate.Pool // nil: render in-process
	stages   stages
}

// New validates opts and builds a Gate.
func New(opts Options) (*Gate, error) {
	if opts.FailOn == "" {
		opts.FailOn = manifest.SeverityError
	}
	if _, err := manifest.ParseSeverity(string(opts.FailOn)); err != nil {
		return nil, fmt.Errorf("syncgate: fail-on: %w", err)
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	ropts := render.Options{
		LoadRestrictions: opts.LoadRestrictions,
		AllowRemote:      opts.AllowRemote,
		KubeVersion:      opts.KubernetesVersion,
		Limits:           opts.Limits,
		Jobs:             opts.Jobs,
		Logger:           opts.Logger,
	}
	r, err := render.New(ropts)
	if err != nil {
		return nil, fmt.Errorf("syncgate: %w", err)
	}
	g := &Gate{opts: opts, renderer: r}
	if err := g.buildStages(); err != nil {
		return nil, fmt.Errorf("syncgate: %w", err)
	}
	if opts.Isolation != nil {
		if g.workers, err = isolate.NewPool(ropts, *opts.Isolation); err != nil {
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

// Decision is the answer for one revision.
type Decision struct {
	// Allowed is false when any finding is at or above Options.FailOn.
	Allowed bool
	// Findings are sorted deterministically.
	Findings []manifest.Finding
	// Waived are the findings exceptions accepted, sorted like Findings.
	Waived []Waived
	// Targets are the rendered targets, sorted by name.
	Targets []TargetResult
	// Stats count and time the run.
	Stats Stats
}

// TargetResult summarises one target.
type TargetResult struct {
	Name    string      `json:"name"`
	Kind    render.Kind `json:"kind"`
	Path    string      `json:"path"`
	Objects int         `json:"objects"`
	// Error is why the target failed to render, or "".
	Error string `json:"error"`
}

// Stats count and time a Check.
type Stats struct {
	Targets int
	Objects int
	// Render is the time spent rendering; Validate, Policy and Secrets
	// the time spent in each stage, summed over targets; Total the whole
	// Check.
	Render   time.Duration
	Validate time.Duration
	Policy   time.Duration
	Secrets  time.Duration
	Total    time.Duration
}

// Targets discovers the targets of src and applies its configuration. A
// path that names a file, as a pre-commit hook passes them, selects the
// targets of the whole repository whose inputs hold that file.
func (g *Gate) Targets(ctx context.Context, src *Source) ([]render.Target, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	dirs, files, err := splitPaths(src)
	if err != nil {
		return nil, err
	}
	targets, err := g.discover(src, dirs)
	if err != nil {
		return nil, err
	}
	if len(files) > 0 {
		all, err := g.discover(src, []string{"."})
		if err != nil {
			return nil, err
		}
		for _, t := range all {
			if affectedByAny(src.FS, t, files) {
				targets = append(targets, t)
			}
		}
	}
	slices.SortFunc(targets, func(a, b render.Target) int { return strings.Compare(a.Name, b.Name) })
	return slices.CompactFunc(targets, func(a, b render.Target) bool { return a.Name == b.Name }), nil
}

// discover finds the targets under dirs; targets the configuration
// declares replace those discovered at the same path.
func (g *Gate) discover(src *Source, dirs []string) ([]render.Target, error) {
	var targets []render.Target
	for _, p := range dirs {
		found, err := render.Discover(src.FS, p)
		if err != nil {
			return nil, err
		}
		targets = append(targets, found...)
	}
	cfg := g.config(src)
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

// affectedByAny reports whether any of files is an input of t; a change to
// the configuration affects every target.
func affectedByAny(fsys fs.FS, t render.Target, files []string) bool {
	if slices.Contains(files, ConfigFileName) {
		return true
	}
	inputs := render.Inputs(fsys, t)
	return slices.ContainsFunc(files, func(f string) bool { return render.Affects(inputs, f) })
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

func (g *Gate) config(src *Source) *Config {
	if g.opts.Config != nil {
		return g.opts.Config
	}
	return src.Config
}

// Render renders targets of src, in the order given: in worker processes
// when the Gate has Isolation and src is a directory, else in-process.
func (g *Gate) Render(ctx context.Context, src *Source, targets []render.Target) []*render.Result {
	targets = g.withKubeVersion(src, targets)
	if g.workers != nil && src.Root() != "" {
		return g.workers.RenderAll(ctx, src.Root(), targets)
	}
	return g.renderer.RenderAll(ctx, src.FS, targets)
}

// kubeVersion is the Kubernetes version of src's checks: the option, else
// the repository's configuration, else "" for the newest.
func (g *Gate) kubeVersion(src *Source) string {
	if cfg := g.config(src); g.opts.KubernetesVersion == "" && cfg != nil {
		return cfg.KubernetesVersion
	}
	return g.opts.KubernetesVersion
}

// withKubeVersion applies the configured Kubernetes version to targets
// that do not set their own.
func (g *Gate) withKubeVersion(src *Source, targets []render.Target) []render.Target {
	version := g.kubeVersion(src)
	out := slices.Clone(targets)
	for i := range out {
		if out[i].KubeVersion == "" {
			out[i].KubeVersion = version
		}
	}
	return out
}

// Check renders every target of src and checks every object.
func (g *Gate) Check(ctx context.Context, src *Source) (*Decision, error) {
	start := time.Now()
	targets, err := g.Targets(ctx, src)
	if err != nil {
		return nil, err
	}
	d := &Decision{}
	r, err := g.newRun(ctx, g.config(src), src, g.kubeVersion(src), &d.Stats)
	if err != nil {
		return nil, err
	}
	dirs, _, err := splitPaths(src)
	if err != nil {
		return nil, err
	}
	// The raw files need no rendering: their secrets check runs beside it.
	files := r.scanFiles(ctx, dirs)
	renderStart := time.Now()
	results := g.Render(ctx, src, targets)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	d.Stats.Render = time.Since(renderStart)
	var objects []*manifest.Object
	for _, res := range results {
		objects = append(objects, res.Objects...)
	}
	r.rendered(ctx, objects)
	findings := r.findings
	for _, res := range results {
		tr := TargetResult{Name: res.Target.Name, Kind: res.Target.Kind, Path: res.Target.Path, Objects: len(res.Objects)}
		if res.Err != nil {
			tr.Error = res.Err.Error()
			findings = append(findings, renderFindings(res.Target, res.Err)...)
		}
		d.Targets = append(d.Targets, tr)
	}
	findings = append(findings, g.checkTargets(ctx, r, results, files)...)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	w := newWaivers(g.config(src), start)
	d.add(w.apply(findings, objects))
	d.Findings = append(d.Findings, w.expiredFindings()...)
	d.Stats.Targets = len(d.Targets)
	d.Stats.Objects = len(objects)
	g.decide(d)
	d.Stats.Total = time.Since(start)
	return d, nil
}

// CheckObjects checks objects that were rendered elsewhere, as an operator
// calls the gate right before it applies them.
func (g *Gate) CheckObjects(ctx context.Context, objects []*manifest.Object) (*Decision, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	start := time.Now()
	d := &Decision{}
	r, err := g.newRun(ctx, g.opts.Config, nil, g.opts.KubernetesVersion, &d.Stats)
	if err != nil {
		return nil, err
	}
	r.rendered(ctx, objects)
	findings := append(r.findings, g.checkObjects(ctx, r, objects)...)
	findings = append(findings, r.secretFindings(nil)...)
	w := newWaivers(g.opts.Config, start)
	d.add(w.apply(findings, objects))
	d.Findings = append(d.Findings, w.expiredFindings()...)
	d.Stats.Objects = len(objects)
	g.decide(d)
	d.Stats.Total = time.Since(start)
	return d, nil
}

func (d *Decision) add(findings []manifest.Finding, waived []Waived) {
	d.Findings = append(d.Findings, findings...)
	d.Waived = append(d.Waived, waived...)
}

func (g *Gate) decide(d *Decision) {
	manifest.SortFindings(d.Findings)
	SortWaived(d.Waived)
	d.Allowed = true
	for _, f := range d.Findings {
		if f.Severity.Rank() >= g.opts.FailOn.Rank() {
			d.Allowed = false
		}
	}
}

// renderFindings turns a render error into findings, one per file the
// error names, so that no cause is lost.
func renderFindings(t render.Target, err error) []manifest.Finding {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return []manifest.Finding{{Rule: "render/failed", Severity: manifest.SeverityError, Target: t.Name, File: t.Path, Message: err.Error()}}
	}
	sources := manifest.SourceErrors(err)
	if len(sources) == 0 {
		return []manifest.Finding{{Rule: "render/failed", Severity: manifest.SeverityError, Target: t.Name, File: t.Path, Message: err.Error()}}
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
// operator would apply only one of them.
func duplicateFindings(objects []*manifest.Object) []manifest.Finding {
	type key struct{ group, kind, namespace, name string }
	first := map[key]*manifest.Object{}
	var findings []manifest.Finding
	for _, obj := range objects {
		k := key{obj.Group(), obj.Kind, obj.Namespace, obj.Name}
		prev, seen := first[k]
		if !seen {
			first[k] = obj
			continue
		}
		ref := obj.Ref()
		findings = append(findings, manifest.Finding{
			Rule:     "render/duplicate-object",
			Severity: manifest.SeverityError,
			Message:  fmt.Sprintf("%s is defined more than once (first in %s)", ref, location(prev.Origin)),
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

// FS returns a Source over an in-memory or embedded repository.
func FS(fsys fs.FS, paths ...string) *Source {
	return &Source{FS: fsys, Paths: paths}
}
