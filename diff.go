package syncgate

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/syncgate/syncgate/change"
	"github.com/syncgate/syncgate/internal/memo"
	"github.com/syncgate/syncgate/internal/redact"
	"github.com/syncgate/syncgate/manifest"
	"github.com/syncgate/syncgate/policy"
	"github.com/syncgate/syncgate/render"
)

// Revisions are the two sides of a pre-merge check.
type Revisions struct {
	// Base is the revision the change applies to, such as a pull
	// request's target branch. Its .syncgate.yaml, and the policies and
	// CRDs that names, decide the check unless Head.Trusted or
	// Options.Config is set: a change cannot weaken its own gate.
	Base *Source
	// Head is the changed revision; its Paths select what to check.
	Head *Source
	// Change configures the object diff.
	Change change.Options
	// NewOnly makes CheckChange block on new findings only: those the
	// base had too stay reported, at most as warnings.
	NewOnly bool
	// AllTargets makes CheckChange check every target of the head, as
	// Check does, rather than only those the change affects: the others'
	// findings are all existing ones.
	AllTargets bool
	// HeadIgnored, when set, reports the files of a working-tree head
	// that git ignores (build outputs, binaries): they are not compared.
	HeadIgnored func(name string, dir bool) bool
}

// Diff is what a change does to the cluster: the targets whose inputs
// changed, rendered at base and at head, and their objects' changes.
type Diff struct {
	// Targets are the targets rendered, sorted by name.
	Targets []TargetDiff
	// Objects are the objects added, removed or modified, sorted.
	Objects []change.Object
	// Unaffected counts the targets not rendered: none of their inputs
	// changed.
	Unaffected int
	// Files are the files that differ between base and head, sorted.
	Files []string
}

// TargetDiff is one target of a Diff.
type TargetDiff struct {
	Name string `json:"name"`
	// Change is added or removed for a target on one side only, else
	// modified (its inputs changed, whether or not its objects did).
	Change change.Kind `json:"change"`
	// Error says why the change is unknown: the target failed to render
	// at base or at head.
	Error string `json:"error,omitempty"`
}

// Diff renders the targets whose inputs differ between base and head on
// both sides, matches their objects, and checks head and the change: the
// findings are those of a check of those targets at head plus the
// change/* rules. Decision.Diff holds the changes.
func (g *Gate) Diff(ctx context.Context, rev Revisions) (*Decision, error) {
	p, done, err := g.plan(ctx, rev)
	if err != nil {
		return nil, err
	}
	defer done()
	var diff *Diff
	d, err := g.check(ctx, checkSpec{
		src: p.rev.Head, cfg: p.cfg, trusted: true, cfgFS: p.rev.Base.FS, cfgDir: p.rev.Base.Dir,
		targets: p.heads, scan: existingFiles(p.rev.Head.FS, p.files),
		more: func(r *run, headResults []*render.Result) (findings []manifest.Finding, err error) {
			// The CRDs of unaffected targets also validate the affected
			// targets' custom objects, as in a check of every target.
			if err := g.otherCRDs(ctx, r, p.rev.Head, g.kubernetesVersion(p.cfg), p.all, p.heads, p.headInputs, headResults); err != nil {
				return nil, err
			}
			diff, findings, err = g.change(ctx, r, p, headResults)
			return findings, err
		},
	})
	if err != nil {
		return nil, err
	}
	d.Diff = diff
	return d, nil
}

// otherCRDs renders the targets of all, not in some, that hold CRDs,
// for the validator: only when the objects rendered have a kind that is
// not built in, whose CRD such a target may hold. in lists the inputs of
// src's targets.
func (g *Gate) otherCRDs(ctx context.Context, r *run, src *Source, version string, all, some []render.Target, in *inputs, results []*render.Result) error {
	if !needCRDs(r, results) {
		return nil
	}
	crds, _, err := g.render(ctx, src, version, crdTargets(src.FS, all, some, in), nil)
	if err != nil {
		return err
	}
	for _, res := range crds {
		r.crds = append(r.crds, res.Objects...)
	}
	return nil
}

// needCRDs reports whether any object rendered is of a kind that is not
// built in, whose CRD may come from a target the change does not affect.
func needCRDs(r *run, results []*render.Result) bool {
	if r.schemas == nil {
		return false
	}
	for _, res := range results {
		if slices.ContainsFunc(res.Objects, func(o *manifest.Object) bool { return !r.schemas.Builtin(o) }) {
			return true
		}
	}
	return false
}

// crdTargets are the targets of all, not in some, with an input file that
// mentions CustomResourceDefinition; each file is read once, though
// targets share bases.
func crdTargets(fsys fs.FS, all, some []render.Target, in *inputs) []render.Target {
	mentions := map[string]bool{}
	var out []render.Target
	for _, t := range all {
		if slices.ContainsFunc(some, func(a render.Target) bool { return a.Name == t.Name }) {
			continue
		}
		if slices.ContainsFunc(in.of(t), func(p string) bool { return mentionsCRD(fsys, p, mentions) }) {
			out = append(out, t)
		}
	}
	return out
}

// crdMarker is what every CRD's YAML holds.
var crdMarker = []byte("CustomResourceDefinition")

// mentionsCRD reports whether a file under p holds crdMarker; seen keeps
// the answer for each file read.
func mentionsCRD(fsys fs.FS, p string, seen map[string]bool) bool {
	found := false
	fs.WalkDir(fsys, p, func(p string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return nil
		}
		has, ok := seen[p]
		if !ok {
			data, err := fs.ReadFile(fsys, p)
			has = err == nil && bytes.Contains(data, crdMarker)
			seen[p] = has
		}
		if has {
			found = true
			return fs.SkipAll
		}
		return nil
	})
	return found
}

// CheckChange checks the targets the change affects at head, as Check
// does (every target with rev.AllTargets), decided by the base revision's
// configuration, policies and CRDs, and marks each finding new or
// existing (Finding.New): existing when the base had the same rule on the
// same target, object and field (lines may move). Targets none of whose
// inputs changed have only existing findings; change/* and config/changed
// findings are new. Decision.Diff holds what the change does.
func (g *Gate) CheckChange(ctx context.Context, rev Revisions) (*Decision, error) {
	p, done, err := g.plan(ctx, rev)
	if err != nil {
		return nil, err
	}
	defer done()
	head, base := p.rev.Head, p.rev.Base
	targets, scan := p.heads, existingFiles(head.FS, p.files)
	if rev.AllTargets {
		targets, scan = p.all, head.Paths
		if len(scan) == 0 {
			scan = []string{"."}
		}
	}
	var diff *Diff
	d, err := g.check(ctx, checkSpec{
		src: head, cfg: p.cfg, trusted: true, cfgFS: base.FS, cfgDir: base.Dir, targets: targets, scan: scan,
		more: func(r *run, headResults []*render.Result) (findings []manifest.Finding, err error) {
			if !rev.AllTargets {
				if err := g.otherCRDs(ctx, r, head, g.kubernetesVersion(p.cfg), p.all, p.heads, p.headInputs, headResults); err != nil {
					return nil, err
				}
			}
			diff, findings, err = g.change(ctx, r, p, headResults)
			return findings, err
		},
	})
	if err != nil {
		return nil, err
	}
	before, err := g.check(ctx, checkSpec{
		src: base, cfg: p.cfg, trusted: true, cfgFS: base.FS, cfgDir: base.Dir, targets: p.bases, scan: existingFiles(base.FS, p.files),
	})
	if err != nil {
		return nil, fmt.Errorf("base: %w", err)
	}
	markNew(d, before, p)
	if rev.NewOnly {
		for i, f := range d.Findings {
			if !*f.New && f.Severity.Rank() > manifest.SeverityWarning.Rank() {
				d.Findings[i].Severity = manifest.SeverityWarning
			}
		}
		g.decide(d)
	}
	d.Diff = diff
	return d, nil
}

// findingKey is what makes a finding the same at base and head: not its
// line, which moves, nor its message, which may quote a line.
type findingKey struct{ rule, target, kind, namespace, name, field, file string }

func keyOfFinding(f manifest.Finding) findingKey {
	k := findingKey{rule: f.Rule, target: f.Target, field: f.Field}
	if f.Object != nil {
		k.kind, k.namespace, k.name = f.Object.Kind, f.Object.Namespace, f.Object.Name
	} else {
		k.file = f.File
	}
	return k
}

// markNew sets New on every finding of d, from the findings at base of
// the affected targets and changed files. A finding seen in several
// targets is new when it is new in any of them.
func markNew(d, base *Decision, p *plan) {
	had := map[findingKey]bool{}
	for _, f := range base.Findings {
		for _, o := range occurrences(f) {
			had[keyOfFinding(o)] = true
		}
	}
	for _, w := range base.Waived {
		had[keyOfFinding(w.Finding)] = true
	}
	affected := map[string]bool{}
	for _, t := range p.heads {
		affected[t.Name] = true
	}
	for i := range d.Findings {
		f := &d.Findings[i]
		var isNew bool
		for _, o := range occurrences(*f) {
			switch {
			case strings.HasPrefix(o.Rule, "change/") || o.Rule == RuleConfigChanged:
				isNew = true
			case o.Target != "" && !affected[o.Target]:
			case o.Target == "" && o.File != "" && !slices.Contains(p.files, o.File):
			default:
				isNew = isNew || !had[keyOfFinding(o)]
			}
		}
		f.New = &isNew
	}
	d.Findings = manifest.GroupFindings(d.Findings)
}

// occurrences splits a finding that GroupFindings merged into one per
// target; a finding of one target is its own.
func occurrences(f manifest.Finding) []manifest.Finding {
	if len(f.Targets) == 0 {
		return []manifest.Finding{f}
	}
	out := make([]manifest.Finding, len(f.Targets))
	for i, o := range f.Targets {
		out[i] = f
		out[i].Target, out[i].Object, out[i].Targets = o.Target, o.Object, nil
	}
	return out
}

// plan is what a pre-merge check compares.
type plan struct {
	rev Revisions // on disk when the Gate has workers
	cfg *Config
	// files differ between base and head; heads and bases are the
	// targets they affect on each side, of all the head's.
	files        []string
	heads, bases []render.Target
	all          []render.Target
	// headInputs and baseInputs are the targets' inputs on each side.
	headInputs, baseInputs *inputs
}

// inputs keeps the inputs of the targets of one revision: a pre-merge
// check asks for them more than once.
type inputs struct {
	fsys   fs.FS
	finder *render.InputFinder
	by     memo.Map[string, []string] // by target name
}

func newInputs(fsys fs.FS) *inputs {
	return &inputs{fsys: fsys, finder: render.NewInputFinder(fsys)}
}

func (in *inputs) of(t render.Target) []string {
	return in.by.Get(t.Name, func() []string { return in.finder.Inputs(t) })
}

// plan reads the base's configuration, finds the changed files and the
// targets they affect. Call done when the check is over.
func (g *Gate) plan(ctx context.Context, rev Revisions) (p *plan, done func(), err error) {
	blobs, _ := rev.Base.FS.(blobHolder)
	rev.Base, rev.Head = rev.Base.view(), rev.Head.view()
	views := func() { rev.Base.Close(); rev.Head.Close() }
	defer func() {
		if err != nil {
			views()
		}
	}()
	p = &plan{rev: rev, headInputs: newInputs(rev.Head.FS), baseInputs: newInputs(rev.Base.FS)}
	charts := g.chartReading() // both sides read the chart cache once
	if p.cfg, err = g.baseConfig(rev); err != nil {
		return nil, nil, err
	}
	headSide := func() error {
		all, err := g.targets(ctx, rev.Head, p.cfg, p.headInputs, charts)
		if err != nil {
			return fmt.Errorf("head: %w", err)
		}
		p.all = all
		return nil
	}
	var baseTargets []render.Target
	baseSide := func() error {
		base, ok := existing(rev.Base, rev.Head.Paths)
		if !ok {
			return nil
		}
		ts, err := g.targets(ctx, base, p.cfg, p.baseInputs, charts)
		if err != nil {
			return fmt.Errorf("base: %w", err)
		}
		baseTargets = ts
		return nil
	}
	var roots []string
	if whole(rev.Head.Paths) {
		err = p.compareWhole(ctx, headSide, baseSide, blobs)
	} else if err = headSide(); err == nil {
		if err = baseSide(); err == nil {
			roots = scope(p, baseTargets)
			p.files, err = changedFiles(ctx, rev.Base.FS, rev.Head.FS, rev.HeadIgnored, roots, blobs)
		}
	}
	if err != nil {
		return nil, nil, err
	}
	p.heads, p.bases = affected(p, baseTargets)
	done = views
	if g.workers != nil {
		// Workers read a repository from disk: a revision in memory is
		// copied out for them, as far as the check reads it.
		base, doneBase, err := onDisk(rev.Base, baseReads(p))
		if err != nil {
			return nil, nil, err
		}
		head, doneHead, err := onDisk(rev.Head, roots)
		if err != nil {
			doneBase()
			return nil, nil, err
		}
		p.rev.Base, p.rev.Head = base, head
		done = func() { doneHead(); doneBase(); views() }
	}
	return p, done, nil
}

// compareWhole finds the files that differ in the whole repository, then
// the base's targets (baseSide), and beside them the head's (headSide)
// with their inputs, which affected reads. The comparison by blob hash
// leaves the base's unchanged files in memory, read from the head, so
// that the base's discovery reads few git objects; the base's inputs are
// the head's where no file differs.
func (p *plan) compareWhole(ctx context.Context, headSide, baseSide func() error, blobs blobHolder) error {
	var headErr error
	var wg sync.WaitGroup
	wg.Go(func() {
		if headErr = headSide(); headErr == nil {
			for _, t := range p.all {
				if t.Skipped == "" {
					p.headInputs.of(t)
				}
			}
		}
	})
	var left []string // by HeadIgnored, so not compared
	ignored := p.rev.HeadIgnored
	if ignored != nil {
		ignored = func(name string, dir bool) bool {
			is := p.rev.HeadIgnored(name, dir)
			if is {
				left = append(left, name)
			}
			return is
		}
	}
	files, err := changedFiles(ctx, p.rev.Base.FS, p.rev.Head.FS, ignored, nil, blobs)
	if err == nil {
		p.files = files
		differ := slices.Concat(files, left)
		p.baseInputs.finder.Reuse(p.headInputs.finder, func(dir string) bool { return !near(dir, differ) })
		err = baseSide()
	}
	wg.Wait()
	return cmp.Or(headErr, err)
}

// change renders the affected targets at base and compares them with
// those rendered at head.
func (g *Gate) change(ctx context.Context, r *run, p *plan, heads []*render.Result) (*Diff, []manifest.Finding, error) {
	bases, _, err := g.render(ctx, p.rev.Base, g.kubernetesVersion(p.cfg), p.bases, nil)
	if err == nil {
		err = ctx.Err()
	}
	if err != nil {
		return nil, nil, err
	}
	affected := map[string]bool{}
	for _, t := range p.heads {
		affected[t.Name] = true
	}
	changed := slices.DeleteFunc(slices.Clone(heads), func(res *render.Result) bool { return !affected[res.Target.Name] })
	diff, findings, err := g.compare(ctx, r, bases, changed, heads, p.rev.Change)
	if err != nil {
		return nil, nil, err
	}
	diff.Unaffected = len(p.all) - len(p.heads)
	diff.Files = p.files
	return diff, append(findings, configChanges(p.cfg, p.files)...), nil
}

// baseConfig is the configuration that decides a pre-merge check: the
// caller's, else the base revision's, else none; never the head's.
func (g *Gate) baseConfig(rev Revisions) (*Config, error) {
	if cfg := cmp.Or(rev.Head.Trusted, g.opts.Config); cfg != nil {
		return cfg, nil
	}
	cfg, err := rev.Base.RepositoryConfig()
	if err != nil {
		return nil, fmt.Errorf("base: %w", err)
	}
	if cfg == nil {
		// An empty trusted configuration, so that the head's is not read.
		cfg = &Config{}
	}
	return cfg, nil
}

// existing is src limited to those of paths it has; false when paths
// name parts of the repository none of which src has, such as a
// directory the change adds.
func existing(src *Source, paths []string) (*Source, bool) {
	out := &Source{FS: src.FS, Dir: src.Dir, Trusted: src.Trusted}
	for _, p := range paths {
		if _, err := fs.Stat(src.FS, p); err == nil {
			out.Paths = append(out.Paths, p)
		}
	}
	return out, len(paths) == 0 || len(out.Paths) > 0
}

func existingFiles(fsys fs.FS, files []string) []string {
	var out []string
	for _, f := range files {
		if _, err := fs.Stat(fsys, f); err == nil {
			out = append(out, f)
		}
	}
	return out
}

// affected picks the targets to render on each side: those on one side
// only, those whose definition changed, and those with a changed input at
// base or head. The head's .syncgate.yaml does not decide a pre-merge
// check, so its change affects no target by itself.
func affected(p *plan, bases []render.Target) ([]render.Target, []render.Target) {
	heads := p.all
	files := slices.DeleteFunc(slices.Clone(p.files), func(f string) bool { return f == ConfigFileName })
	byName := map[string]render.Target{}
	for _, t := range bases {
		byName[t.Name] = t
	}
	names := map[string]bool{}
	for _, t := range heads {
		b, ok := byName[t.Name]
		if !ok || !reflect.DeepEqual(b, t) || affectedByAny(t, files, p.headInputs.of) || affectedByAny(b, files, p.baseInputs.of) {
			names[t.Name] = true
		}
	}
	headNames := map[string]bool{}
	for _, t := range heads {
		headNames[t.Name] = true
	}
	for _, t := range bases {
		if !headNames[t.Name] {
			names[t.Name] = true
		}
	}
	keep := func(ts []render.Target) []render.Target {
		return slices.DeleteFunc(slices.Clone(ts), func(t render.Target) bool { return !names[t.Name] })
	}
	return keep(heads), keep(bases)
}

// compare matches the objects of each target at base and head and checks
// the changes, with the CEL transition rules of the CRDs among all, the
// results rendered at head.
func (g *Gate) compare(ctx context.Context, r *run, bases, heads, all []*render.Result, opts change.Options) (*Diff, []manifest.Finding, error) {
	byName := map[string]*render.Result{}
	for _, b := range bases {
		byName[b.Target.Name] = b
	}
	diff := &Diff{}
	var findings []manifest.Finding
	seen := map[string]bool{}
	for _, h := range heads {
		seen[h.Target.Name] = true
		td := TargetDiff{Name: h.Target.Name, Change: change.Modified}
		b, ok := byName[h.Target.Name]
		var baseObjs []*manifest.Object
		switch {
		case !ok:
			td.Change = change.Added
		case b.Err != nil:
			td.Error = "base failed to render: " + b.Err.Error()
			findings = append(findings, manifest.Finding{Rule: change.RuleBaseRender, Severity: manifest.SeverityWarning,
				Target: h.Target.Name, File: h.Target.Path, Message: td.Error})
		default:
			baseObjs = b.Objects
		}
		if h.Err != nil && td.Error == "" {
			td.Error = "head failed to render: " + h.Err.Error()
		}
		diff.Targets = append(diff.Targets, td)
		if td.Error != "" {
			continue
		}
		objs, err := change.Compare(h.Target.Name, baseObjs, h.Objects, opts)
		if err != nil {
			return nil, nil, err
		}
		diff.Objects = append(diff.Objects, objs...)
	}
	for _, b := range bases {
		if seen[b.Target.Name] {
			continue
		}
		td := TargetDiff{Name: b.Target.Name, Change: change.Removed}
		if b.Err != nil {
			td.Error = "base failed to render: " + b.Err.Error()
		} else {
			objs, err := change.Compare(b.Target.Name, b.Objects, nil, opts)
			if err != nil {
				return nil, nil, err
			}
			diff.Objects = append(diff.Objects, objs...)
		}
		diff.Targets = append(diff.Targets, td)
	}
	slices.SortFunc(diff.Targets, func(a, b TargetDiff) int { return strings.Compare(a.Name, b.Name) })
	change.Sort(diff.Objects)
	findings = append(findings, change.Check(diff.Objects)...)
	findings = append(findings, g.transitions(ctx, r, all, diff.Objects)...)
	findings = append(findings, r.changePolicies(ctx, diff.Objects)...)
	// Values read from Secrets (a substituted variable) may sit in any
	// object's fields, where change only knows a Secret's for secret.
	var secretValues []string
	for _, res := range slices.Concat(heads, bases) {
		secretValues = append(secretValues, res.Secrets...)
	}
	masked := valueSet(secretValues)
	masked.RedactFindings(findings)
	maskFields(masked, diff.Objects)
	return diff, findings, nil
}

// maskFields hides the values of s in the changed fields of objects.
func maskFields(s *redact.Set, objects []change.Object) {
	if s == nil {
		return
	}
	for i := range objects {
		for j := range objects[i].Fields {
			f := &objects[i].Fields[j]
			f.From, f.To = s.Redact(f.From), s.Redact(f.To)
		}
	}
}

// changePolicies evaluates the change policies on every object a change
// adds, removes or modifies. They run in-process, as those CheckObjects
// evaluates do: workers evaluate objects of the targets they render.
func (r *run) changePolicies(ctx context.Context, objects []change.Object) []manifest.Finding {
	if len(r.policies) == 0 || len(objects) == 0 {
		return nil
	}
	changes := make([]policy.Change, len(objects))
	for i, o := range objects {
		op := policy.Update
		switch o.Change {
		case change.Added:
			op = policy.Create
		case change.Removed:
			op = policy.Delete
		}
		changes[i] = policy.Change{Operation: op, Target: o.Target, Old: o.Base, New: o.Head}
	}
	var findings []manifest.Finding
	for _, e := range r.policies {
		start := time.Now()
		findings = append(findings, e.EvaluateChanges(ctx, changes)...)
		r.timed(&r.stats.Policy, start)
	}
	return findings
}

// transitions evaluates the CRDs' CEL transition rules on modified
// custom objects, with the CRDs rendered at head.
func (g *Gate) transitions(ctx context.Context, r *run, heads []*render.Result, objects []change.Object) []manifest.Finding {
	if r.schemas == nil {
		return nil
	}
	var all []*manifest.Object
	for _, h := range heads {
		all = append(all, h.Objects...)
	}
	v := r.schemas.WithCRDs(append(all, r.crds...))
	var findings []manifest.Finding
	for _, o := range objects {
		if o.Change != change.Modified {
			continue
		}
		for _, f := range v.Transition(ctx, o.Base, o.Head) {
			f.Rule, f.Severity = change.RuleCELTransition, manifest.SeverityError
			findings = append(findings, f)
		}
	}
	return findings
}

// configChanges reports the changes to the files that configure the
// gate: they take effect after the merge.
func configChanges(cfg *Config, files []string) []manifest.Finding {
	dirs := slices.Concat(cfg.Policies, cfg.CRDs)
	var findings []manifest.Finding
	for _, f := range files {
		if f != ConfigFileName && !slices.ContainsFunc(dirs, func(d string) bool { return render.Affects([]string{path.Clean(d)}, f) }) {
			continue
		}
		findings = append(findings, manifest.Finding{Rule: RuleConfigChanged, Severity: manifest.SeverityInfo, File: f,
			Message: "the change edits the gate's configuration; the base revision's decides this check, and the change takes effect after the merge"})
	}
	return findings
}

// RuleConfigChanged is the rule of changes to the gate's own
// configuration in a pre-merge check.
const RuleConfigChanged = "config/changed"

// scope is what a pre-merge check of the head's Paths reads: the paths,
// the inputs of their targets on both sides, and the configuration with
// what it names; nil for the whole repository. Outermost paths only,
// sorted.
func scope(p *plan, bases []render.Target) []string {
	if whole(p.rev.Head.Paths) {
		return nil
	}
	roots := slices.Concat([]string{ConfigFileName}, p.cfg.Policies, p.cfg.CRDs, p.rev.Head.Paths)
	for _, t := range p.all {
		roots = append(roots, p.headInputs.of(t)...)
	}
	for _, t := range bases {
		roots = append(roots, p.baseInputs.of(t)...)
	}
	return outermost(roots)
}

// baseReads is what the workers and the check read of a base revision
// copied to disk for them: the inputs of the targets rendered there, the
// configuration and what it names; nil for the whole revision. Copying
// the whole revision of a large repository cost more than rendering the
// few targets a change affects.
func baseReads(p *plan) []string {
	roots := slices.Concat([]string{ConfigFileName}, p.cfg.Policies, p.cfg.CRDs, p.cfg.SchemaLocations)
	for _, t := range p.bases {
		roots = append(roots, p.baseInputs.of(t)...)
	}
	return outermost(roots)
}

// near reports whether any of paths is dir, lies under it or above it.
func near(dir string, paths []string) bool {
	return slices.ContainsFunc(paths, func(p string) bool {
		return render.Affects([]string{dir}, p) || render.Affects([]string{p}, dir)
	})
}

// whole reports whether paths, those a check is asked for, are the whole
// repository.
func whole(paths []string) bool {
	return len(paths) == 0 || slices.ContainsFunc(paths, func(p string) bool { return path.Clean(p) == "." })
}

// outermost cleans paths of the repository and keeps those no other is
// above, sorted; nil when one is the root. What is not a path in the
// repository, such as a schema location's URL, is left out.
func outermost(paths []string) []string {
	var out []string
	for _, p := range paths {
		if p = path.Clean(p); p == "." {
			return nil
		}
		if fs.ValidPath(p) {
			out = append(out, p)
		}
	}
	slices.Sort(out)
	out = slices.Compact(out)
	return slices.DeleteFunc(out, func(r string) bool {
		return slices.ContainsFunc(out, func(o string) bool { return strings.HasPrefix(r, o+"/") })
	})
}

// blobHolder is a revision read from git objects (internal/gitfs): it
// tells from one of its entries' blob hash whether the file holds given
// contents, and then keeps them.
type blobHolder interface {
	Holds(e fs.DirEntry, data []byte) (same, ok bool)
}

// changedFiles lists the files under roots (all when nil) that differ
// between two trees, sorted; .git is not part of a tree, nor what
// ignored reports in b. blobs, when a is read from git objects, compares
// a's files with b's by blob hash.
func changedFiles(ctx context.Context, a, b fs.FS, ignored func(string, bool) bool, roots []string, blobs blobHolder) ([]string, error) {
	as, err := listFiles(ctx, a, nil, roots)
	if err != nil {
		return nil, fmt.Errorf("base: %w", err)
	}
	bs, err := listFiles(ctx, b, ignored, roots)
	if err != nil {
		return nil, fmt.Errorf("head: %w", err)
	}
	var out []string
	for name, ae := range as {
		be, ok := bs[name]
		if !ok {
			out = append(out, name)
			continue
		}
		same, err := sameFile(a, b, name, ae, be, blobs)
		if err != nil {
			return nil, err
		}
		if !same {
			out = append(out, name)
		}
	}
	for name := range bs {
		if _, ok := as[name]; !ok {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out, nil
}

func listFiles(ctx context.Context, fsys fs.FS, ignored func(string, bool) bool, roots []string) (map[string]fs.DirEntry, error) {
	files := map[string]fs.DirEntry{}
	if roots == nil {
		roots = []string{"."}
	}
	for _, root := range roots {
		if _, err := fs.Stat(fsys, root); errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err := walkFiles(ctx, fsys, root, ignored, files); err != nil {
			return nil, err
		}
	}
	return files, nil
}

func walkFiles(ctx context.Context, fsys fs.FS, root string, ignored func(string, bool) bool, files map[string]fs.DirEntry) error {
	return fs.WalkDir(fsys, root, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if p == "." {
			return nil
		}
		if e.Name() == ".git" || (ignored != nil && ignored(p, e.IsDir())) {
			if e.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if !e.IsDir() {
			files[p] = e
		}
		return nil
	})
}

// sameFile compares a file on both sides: by a's blob hash when blobs
// can tell, which reads b's file only; else sizes first, then contents.
func sameFile(a, b fs.FS, name string, ae, be fs.DirEntry, blobs blobHolder) (bool, error) {
	if ae.Type() != be.Type() {
		return false, nil
	}
	if blobs != nil && ae.Type().IsRegular() {
		if bd, err := fs.ReadFile(b, name); err == nil {
			if same, ok := blobs.Holds(ae, bd); ok {
				return same, nil
			}
		}
	}
	ai, aerr := ae.Info()
	bi, berr := be.Info()
	if aerr == nil && berr == nil && ae.Type().IsRegular() && ai.Size() != bi.Size() {
		return false, nil
	}
	ad, aerr := fs.ReadFile(a, name)
	bd, berr := fs.ReadFile(b, name)
	if errors.Is(aerr, fs.ErrNotExist) || errors.Is(berr, fs.ErrNotExist) {
		// Skipped (an LFS pointer) or a dangling link on one side.
		return errors.Is(aerr, fs.ErrNotExist) && errors.Is(berr, fs.ErrNotExist), nil
	}
	if err := cmp.Or(aerr, berr); err != nil {
		return false, fmt.Errorf("compare %s: %w", name, err)
	}
	return bytes.Equal(ad, bd), nil
}

// onDisk returns src itself when it has a directory, else a copy of its
// tree under roots (all when nil) in a temporary directory, for worker
// processes to read; cleanup removes the copy.
func onDisk(src *Source, roots []string) (*Source, func(), error) {
	if src.Dir != "" {
		return src, func() {}, nil
	}
	dir, err := os.MkdirTemp("", "syncgate-rev-")
	if err != nil {
		return nil, nil, err
	}
	cleanup := func() { os.RemoveAll(dir) }
	if err := copyOut(dir, src.FS, roots); err != nil {
		cleanup()
		return nil, nil, fmt.Errorf("copy the revision for worker processes: %w", err)
	}
	out, err := OpenRoot(dir)
	if err != nil {
		cleanup()
		return nil, nil, err
	}
	out.Paths, out.Trusted = src.Paths, src.Trusted
	return out, func() { out.Close(); cleanup() }, nil
}

// copyOut copies the files and directories of fsys under roots (all when
// nil) into dir.
func copyOut(dir string, fsys fs.FS, roots []string) error {
	if roots == nil {
		return os.CopyFS(dir, fsys)
	}
	for _, root := range roots {
		info, err := fs.Stat(fsys, root)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return err
		}
		target := filepath.Join(dir, filepath.FromSlash(root))
		if info.IsDir() {
			sub, err := fs.Sub(fsys, root)
			if err != nil {
				return err
			}
			if err := os.CopyFS(target, sub); err != nil {
				return err
			}
			continue
		}
		data, err := fs.ReadFile(fsys, root)
		if err != nil {
			return err
		}
		if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(target, data, 0o644); err != nil {
			return err
		}
	}
	return nil
}
