package render

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"runtime"

	"github.com/syncgate/syncgate/internal/parallel"
	"github.com/syncgate/syncgate/manifest"
)

// LoadRestrictions says which files a kustomization may read, as
// kustomize's --load-restrictor flag does.
type LoadRestrictions string

// The load restrictions.
const (
	// LoadRootOnly lets a kustomization read files only under its own
	// directory (bases are still reached through resources).
	LoadRootOnly LoadRestrictions = "rootOnly"
	// LoadNone lets a kustomization read any file in the repository. The
	// repository root still bounds every read.
	LoadNone LoadRestrictions = "none"
)

// Options configure a Renderer. The zero value is not valid; start from
// DefaultOptions.
type Options struct {
	// LoadRestrictions bounds the files a kustomization may read.
	LoadRestrictions LoadRestrictions
	// AllowRemote lets kustomizations name remote bases and resources.
	// Off by default: a remote reference is then a render error.
	AllowRemote bool
	// KubernetesVersion is the Kubernetes version Helm templates see in
	// .Capabilities.KubeVersion; empty keeps Helm's default.
	KubernetesVersion string
	// APIVersions are extra API versions for .Capabilities.APIVersions.
	APIVersions []string
	// Limits bound every YAML file read before any library sees it.
	Limits manifest.Limits
	// Jobs is how many targets RenderAll renders at once.
	Jobs int
	// Logger receives debug messages; nil discards them.
	Logger *slog.Logger
	// ChartCache is a local Helm repository cache directory (what helm
	// repo update and helm pull leave in $HELM_CACHE_HOME/repository),
	// read-only: targets with a RemoteChart render its archives. It is
	// the caller's, never a repository's, setting.
	ChartCache string
	// DecryptSOPS, when set, decrypts a SOPS-encrypted Secret in memory
	// (its decoded content, sops key included) and returns it without
	// the sops key; its errors must not hold a value. Flux postBuild and
	// valuesFrom then read the real values; nil reads placeholders. The
	// caller builds it from its own key (the render package reads none).
	DecryptSOPS func(content map[string]any) (map[string]any, error)
}

// DefaultOptions returns the options for untrusted repositories: root-only
// loading, no remote references, default limits, one job per CPU.
func DefaultOptions() Options {
	return Options{
		LoadRestrictions: LoadRootOnly,
		Limits:           manifest.DefaultLimits(),
		Jobs:             runtime.GOMAXPROCS(0),
	}
}

// Renderer renders targets. It is safe for concurrent use.
type Renderer struct {
	opts  Options
	files fileCache
}

// New validates opts and returns a Renderer.
func New(opts Options) (*Renderer, error) {
	switch opts.LoadRestrictions {
	case LoadRootOnly, LoadNone:
	case "":
		opts.LoadRestrictions = LoadRootOnly
	default:
		return nil, fmt.Errorf("render: unknown load restrictions %q: want %q or %q", opts.LoadRestrictions, LoadRootOnly, LoadNone)
	}
	if opts.Jobs <= 0 {
		opts.Jobs = runtime.GOMAXPROCS(0)
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	return &Renderer{opts: opts}, nil
}

// Result is one rendered target.
type Result struct {
	// Target is what was rendered.
	Target Target
	// YAML is the rendered stream, byte for byte what kustomize build or
	// helm template prints.
	YAML []byte
	// Objects are the decoded objects of YAML, each with its Origin.
	Objects []*manifest.Object
	// Err is why rendering failed, or nil. It carries *manifest.SourceError
	// values where the file (and line) of the cause is known.
	Err error
	// Secrets are the values read from Secrets (Flux substituteFrom and
	// valuesFrom) that Objects may hold: no finding may show them.
	Secrets []string
	// Notes are info findings about the render, such as a SOPS-encrypted
	// Secret whose values are placeholders; they hold no value.
	Notes []manifest.Finding
}

// Render renders one target from fsys, whose root is the repository root.
func (r *Renderer) Render(ctx context.Context, fsys fs.FS, t Target) (*Result, error) {
	return r.render(ctx, fsys, t, true)
}

// RenderObjects renders one target as Render does, for a caller that
// checks the objects and prints nothing: the Result has no YAML, and a
// kustomization's objects are not printed and parsed again on the way.
// They equal, object for object, those Render decodes.
func (r *Renderer) RenderObjects(ctx context.Context, fsys fs.FS, t Target) (*Result, error) {
	return r.render(ctx, fsys, t, false)
}

func (r *Renderer) render(ctx context.Context, fsys fs.FS, t Target, yaml bool) (res *Result, err error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	// The template and kustomize libraries panic on some inputs; a panic
	// must become this target's error, not end the process.
	defer func() {
		if p := recover(); p != nil {
			res, err = nil, fmt.Errorf("%s: %s renderer panicked: %v", t.Name, t.Kind, p)
		}
	}()
	if t.Skipped != "" {
		return &Result{Target: t}, nil // listed, not rendered
	}
	if t.Invalid != "" {
		file, line := t.DefinedAt()
		return nil, &manifest.SourceError{File: file, Line: line, Err: errors.New(t.Invalid)}
	}
	tree := fsys
	var art *artifactFS
	if t.Artifact != nil {
		if art, err = buildArtifact(fsys, t.Artifact, r.opts.Limits); err != nil {
			return nil, err
		}
		if t.Kind == KindHelm && t.Path == "." {
			if t.Path, err = art.chartDir(t.Artifact); err != nil {
				return nil, err
			}
		}
		tree = art
	}
	switch t.Kind {
	case KindKustomize:
		res, err = r.renderKustomize(ctx, tree, fsys, t, yaml)
	case KindHelm:
		res, err = r.renderHelm(ctx, tree, fsys, t)
	case KindManifests:
		res, err = r.renderManifests(tree, t)
	default:
		return nil, fmt.Errorf("%s: unknown target kind %q", t.Name, t.Kind)
	}
	if art != nil {
		res, err = art.inRepository(t, res, err)
	}
	if err != nil {
		return nil, err
	}
	for _, obj := range res.Objects {
		obj.Origin.Target = t.Name
	}
	if !yaml {
		res.YAML = nil
	}
	return res, nil
}

// RenderAll renders targets in parallel, Options.Jobs at a time. The
// results are in the order of targets; a failed target has Err set and
// the others go on.
func (r *Renderer) RenderAll(ctx context.Context, fsys fs.FS, targets []Target) []*Result {
	return Each(ctx, r.opts.Jobs, targets, func(ctx context.Context, t Target) (*Result, error) {
		return r.Render(ctx, fsys, t)
	})
}

// Each runs render for every target, jobs at a time, and returns the
// results in the order of targets; a failed target has Err set and the
// others go on.
func Each(ctx context.Context, jobs int, targets []Target, render func(context.Context, Target) (*Result, error)) []*Result {
	results := make([]*Result, len(targets))
	parallel.Do(len(targets), max(jobs, 1), func(i int) {
		t := targets[i]
		if err := ctx.Err(); err != nil {
			results[i] = &Result{Target: t, Err: err}
			return
		}
		res, err := render(ctx, t)
		if err != nil {
			res = &Result{Target: t, Err: err}
		}
		results[i] = res
	})
	return results
}

// decodeRendered decodes a rendered stream, which the renderer produced
// from checked input; an error here is a renderer bug or an invalid
// template output, and is reported against the target.
func decodeRendered(t Target, data []byte, limits manifest.Limits) ([]*manifest.Object, error) {
	objs, err := manifest.DecodeObjects(t.Name, data, limits)
	if err != nil {
		return nil, errors.Join(fmt.Errorf("%s: rendered output is not valid", t.Name), err)
	}
	return objs, nil
}
