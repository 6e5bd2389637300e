package main

import (
	"errors"
	"time"

	"github.com/spf13/cobra"

	"github.com/syncgate/syncgate"
	"github.com/syncgate/syncgate/manifest"
	"github.com/syncgate/syncgate/render"
)

// gateFlags are the flags every command that renders shares.
type gateFlags struct {
	kubernetesVersion string
	loadRestrictor    string
	allowRemote       bool
	jobs              int
	config            string
	failOn            string
	policies          []string
	inProcess         bool
	renderTimeout     time.Duration
	renderMemory      int64
}

func (f *gateFlags) register(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVar(&f.kubernetesVersion, "kubernetes-version", "", "Kubernetes version templates and checks assume (default: the config's, else Helm's)")
	fl.StringVar(&f.loadRestrictor, "load-restrictor", string(render.LoadRootOnly), "files a kustomization may read: rootOnly or none")
	fl.BoolVar(&f.allowRemote, "allow-remote", false, "allow remote kustomize bases")
	fl.IntVar(&f.jobs, "jobs", 0, "targets rendered at once (default GOMAXPROCS)")
	fl.StringVar(&f.config, "config", "", "configuration file (default .syncgate.yaml at the repository root)")
	fl.StringVar(&f.failOn, "fail-on", string(manifest.SeverityError), "least severity that fails: error or warning")
	fl.StringArrayVar(&f.policies, "policy", nil, "directory of Rego policies in conftest's conventions (repeatable)")
	limits := syncgate.DefaultIsolation()
	fl.BoolVar(&f.inProcess, "in-process", false, "render in this process, without worker processes and their limits (trusted input only)")
	fl.DurationVar(&f.renderTimeout, "render-timeout", limits.Wall, "most wall-clock and CPU time one target may take to render")
	fl.Int64Var(&f.renderMemory, "render-memory", limits.Memory>>20, "most memory, in MiB, a render worker may use")
}

func (f *gateFlags) gate() (*syncgate.Gate, error) {
	opts := syncgate.DefaultOptions()
	opts.KubernetesVersion = f.kubernetesVersion
	opts.LoadRestrictions = render.LoadRestrictions(f.loadRestrictor)
	opts.AllowRemote = f.allowRemote
	if f.jobs > 0 {
		opts.Jobs = f.jobs
	}
	sev, err := manifest.ParseSeverity(f.failOn)
	if err != nil {
		return nil, usageError(err)
	}
	opts.FailOn = sev
	opts.Policies = f.policies
	if !f.inProcess {
		if f.renderTimeout <= 0 || f.renderMemory <= 0 {
			return nil, usageError(errors.New("--render-timeout and --render-memory must be positive"))
		}
		limits := syncgate.DefaultIsolation()
		limits.Wall, limits.CPU = f.renderTimeout, f.renderTimeout
		limits.Memory = f.renderMemory << 20
		opts.Isolation = &limits
	}
	if f.config != "" {
		cfg, err := syncgate.LoadConfig(f.config)
		if err != nil {
			return nil, usageError(err)
		}
		opts.Config = cfg
	}
	g, err := syncgate.New(opts)
	if err != nil {
		return nil, usageError(err)
	}
	return g, nil
}

// session is a Gate and the repositories it works on.
type session struct {
	gate    *syncgate.Gate
	sources []*syncgate.Source
}

// open builds the Gate and opens the repositories of paths; the caller
// closes the session.
func (f *gateFlags) open(paths []string) (*session, error) {
	g, err := f.gate()
	if err != nil {
		return nil, err
	}
	sources, err := openSources(paths)
	if err != nil {
		g.Close()
		return nil, err
	}
	return &session{gate: g, sources: sources}, nil
}

func (s *session) Close() {
	closeAll(s.sources)
	s.gate.Close()
}

func usageError(err error) error { return &codeError{code: exitError, err: err} }

// openSources opens the repository of each path; paths in the same
// repository share one Source.
func openSources(paths []string) ([]*syncgate.Source, error) {
	if len(paths) == 0 {
		paths = []string{"."}
	}
	var sources []*syncgate.Source
	byRoot := map[string]*syncgate.Source{}
	for _, p := range paths {
		src, err := syncgate.OpenDir(p)
		if err != nil {
			closeAll(sources)
			return nil, usageError(err)
		}
		if prev, ok := byRoot[src.Root()]; ok {
			prev.Paths = append(prev.Paths, src.Paths...)
			src.Close()
			continue
		}
		byRoot[src.Root()] = src
		sources = append(sources, src)
	}
	return sources, nil
}

func closeAll(sources []*syncgate.Source) {
	for _, s := range sources {
		s.Close()
	}
}
