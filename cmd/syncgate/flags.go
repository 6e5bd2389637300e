package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/syncgate/syncgate"
	"github.com/syncgate/syncgate/manifest"
	"github.com/syncgate/syncgate/policy"
	"github.com/syncgate/syncgate/render"
	"github.com/syncgate/syncgate/validate"
)

// gateFlags are the flags every command that renders shares.
type gateFlags struct {
	kubernetesVersion string
	loadRestrictor    string
	allowRemote       bool
	repoURL           string
	noEngine          bool
	chartCache        string
	jobs              int
	config            string
	failOn            string
	policies          []string
	root              string
	noRepoExceptions  bool
	inProcess         bool
	renderTimeout     time.Duration
	renderMemory      int64
	// checks holds the flags of the checking stages, on commands that
	// check; commands that only render run no stage.
	checks *checkFlags
}

// checkFlags select and configure the stages that check rendered objects.
type checkFlags struct {
	stages            []string
	crds              []string
	schemaLocations   []string
	missingSchemas    string
	crdCatalog        bool
	namespaces        []string
	allNamespaces     bool
	noDefaultPolicies bool
	policyTimeout     time.Duration
	sopsAgeKey        string
	cacheDir          string
	noCache           bool
}

// registerChecks adds the flags of the checking stages to cmd.
func (f *gateFlags) registerChecks(cmd *cobra.Command) {
	c := &checkFlags{}
	f.checks = c
	fl := cmd.Flags()
	fl.StringSliceVar(&c.stages, "stage", nil, "run only these stages: validate, policy, secrets, or render for none but rendering (repeatable; default all)")
	fl.StringArrayVar(&c.crds, "crds", nil, "file or directory of CustomResourceDefinitions used as schemas (repeatable)")
	fl.StringArrayVar(&c.schemaLocations, "schema-location", nil, "kubeconform schema location: a directory or template (repeatable; http(s) needs --allow-remote)")
	fl.StringVar(&c.missingSchemas, "missing-schemas", string(validate.MissingSchemasWarning), "what an object without a schema is: error, warning or ignore")
	fl.BoolVar(&c.crdCatalog, "crd-catalog", true, "validate Flux, Argo CD, cert-manager, Gateway API and other ecosystem kinds against the bundled CRD catalogue")
	fl.StringArrayVar(&c.namespaces, "policy-namespace", nil, "Rego package of the --policy rules (repeatable; default main)")
	fl.BoolVar(&c.allNamespaces, "all-policy-namespaces", false, "evaluate every Rego package of the --policy directories")
	fl.BoolVar(&c.noDefaultPolicies, "no-default-policies", false, "leave out the bundled best-practice checks")
	fl.DurationVar(&c.policyTimeout, "policy-timeout", policy.DefaultTimeout, "most CPU time the policies may use on one object")
	fl.StringVar(&c.cacheDir, "cache-dir", "", "directory of the result cache, which spares re-checking targets whose inputs did not change (default: syncgate under the user cache directory)")
	fl.BoolVar(&c.noCache, "no-cache", false, "check every target afresh, without reading or writing the result cache")
	fl.StringVar(&c.sopsAgeKey, "sops-age-key", os.Getenv("SOPS_AGE_KEY_FILE"), "age identity file to decrypt SOPS files in memory and verify their MAC (default $SOPS_AGE_KEY_FILE)")
}

// apply sets the stage options from the flags.
func (c *checkFlags) apply(opts *syncgate.Options) error {
	opts.Stages = syncgate.AllStages()
	if len(c.stages) > 0 {
		opts.Stages = nil
	}
	for _, name := range c.stages {
		if name == "render" {
			continue // rendering always runs
		}
		s, err := syncgate.ParseStage(name)
		if err != nil {
			return err
		}
		opts.Stages = append(opts.Stages, s)
	}
	crds, err := validate.ReadCRDs(nil, c.crds, opts.Render.Limits)
	if err != nil {
		return fmt.Errorf("--crds: %w", err)
	}
	opts.Validate.CRDs = crds
	opts.Validate.SchemaLocations = c.schemaLocations
	opts.Validate.MissingSchemas = validate.MissingSchemas(c.missingSchemas)
	opts.Validate.NoCRDCatalog = !c.crdCatalog
	opts.Policy.Namespaces = c.namespaces
	opts.Policy.AllNamespaces = c.allNamespaces
	opts.Policy.Bundled = !c.noDefaultPolicies
	if c.policyTimeout <= 0 {
		return errors.New("--policy-timeout must be positive")
	}
	opts.Policy.Timeout = c.policyTimeout
	if !c.noCache {
		opts.CacheDir = c.cacheDir
		if opts.CacheDir == "" {
			// No user cache directory (no HOME, say): no cache.
			opts.CacheDir, _ = syncgate.DefaultCacheDir()
		}
	}
	if c.sopsAgeKey != "" {
		key, err := os.ReadFile(c.sopsAgeKey)
		if err != nil {
			return fmt.Errorf("--sops-age-key: %w", err)
		}
		opts.Secrets.AgeKeys = string(key)
	}
	return nil
}

func (f *gateFlags) register(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVar(&f.kubernetesVersion, "kubernetes-version", "", "Kubernetes version templates and checks assume (default: the config's, else Helm's)")
	fl.StringVar(&f.loadRestrictor, "load-restrictor", string(render.LoadRootOnly), "files a kustomization may read: rootOnly or none")
	fl.BoolVar(&f.allowRemote, "allow-remote", false, "allow remote kustomize bases")
	fl.StringVar(&f.repoURL, "repo-url", "", "URL Argo CD and Flux clone this repository from: their objects with this source define targets (default: the config's repoURL)")
	fl.BoolVar(&f.noEngine, "no-engine", false, "find targets by directory only, ignoring Argo CD and Flux objects")
	fl.StringVar(&f.chartCache, "chart-cache", "", "Helm repository cache directory (index files, chart archives, repositories.yaml) to render remote charts of HelmReleases and Applications from, offline")
	fl.IntVar(&f.jobs, "jobs", 0, "targets rendered at once (default GOMAXPROCS)")
	fl.StringVar(&f.config, "config", "", "trusted configuration file, used instead of the repository's .syncgate.yaml; it may waive any rule")
	fl.BoolVar(&f.noRepoExceptions, "no-repo-exceptions", false, "apply none of the repository's own exceptions, severity overrides and ignore annotations")
	fl.StringVar(&f.root, "root", "", "repository root: nothing outside it is read (default: the git top-level; outside git, the current directory when PATH is inside it, else PATH)")
	fl.StringVar(&f.failOn, "fail-on", string(manifest.SeverityError), "least severity that fails: error or warning")
	fl.StringArrayVar(&f.policies, "policy", nil, "directory of Rego policies in conftest's conventions (repeatable)")
	limits := syncgate.DefaultIsolation()
	fl.BoolVar(&f.inProcess, "in-process", false, "render and evaluate policies in this process, without worker processes and their limits (trusted input only)")
	fl.DurationVar(&f.renderTimeout, "render-timeout", limits.Wall, "most wall-clock and CPU time one target may take to render and evaluate policies on")
	fl.Int64Var(&f.renderMemory, "render-memory", limits.Memory>>20, "most memory, in MiB, a worker rendering and evaluating policies may use")
}

func (f *gateFlags) gate(ctx context.Context) (*syncgate.Gate, error) {
	opts, err := f.options()
	if err != nil {
		return nil, err
	}
	g, err := syncgate.New(ctx, opts)
	if err != nil {
		return nil, usageError(err)
	}
	return g, nil
}

// options maps the flags to Gate options, reading the files they name.
func (f *gateFlags) options() (syncgate.Options, error) {
	opts := syncgate.DefaultOptions()
	opts.Render.KubernetesVersion = f.kubernetesVersion
	opts.Render.LoadRestrictions = render.LoadRestrictions(f.loadRestrictor)
	opts.Render.AllowRemote = f.allowRemote
	opts.Validate.AllowRemote = f.allowRemote
	opts.Engine.RepoURL = f.repoURL
	opts.Engine.Disabled = f.noEngine
	opts.Engine.ChartCache = f.chartCache
	if f.jobs > 0 {
		opts.Render.Jobs, opts.Validate.Jobs, opts.Policy.Jobs, opts.Secrets.Jobs = f.jobs, f.jobs, f.jobs, f.jobs
	}
	sev, err := manifest.ParseSeverity(f.failOn)
	if err != nil {
		return opts, usageError(err)
	}
	opts.FailOn = sev
	opts.Policy.Dirs = f.policies
	opts.RepositoryExceptions = !f.noRepoExceptions
	opts.Stages = nil
	if f.checks != nil {
		if err := f.checks.apply(&opts); err != nil {
			return opts, usageError(err)
		}
	}
	if !f.inProcess {
		if f.renderTimeout <= 0 || f.renderMemory <= 0 {
			return opts, usageError(errors.New("--render-timeout and --render-memory must be positive"))
		}
		limits := syncgate.DefaultIsolation()
		limits.Wall, limits.CPU = f.renderTimeout, f.renderTimeout
		limits.Memory = f.renderMemory << 20
		opts.Isolation = &limits
	}
	if f.config != "" {
		cfg, err := syncgate.LoadConfig(f.config)
		if err != nil {
			return opts, usageError(err)
		}
		opts.Config = cfg
	}
	return opts, nil
}

// session is a Gate and the repositories it works on.
type session struct {
	gate    *syncgate.Gate
	sources []*syncgate.Source
}

// open builds the Gate and opens the repositories of paths; the caller
// closes the session.
func (f *gateFlags) open(ctx context.Context, paths []string) (*session, error) {
	g, err := f.gate(ctx)
	if err != nil {
		return nil, err
	}
	sources, err := openSources(f.root, paths)
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

// openSources opens the repository of each path, under root when it is
// set; paths in the same repository share one Source.
func openSources(root string, paths []string) ([]*syncgate.Source, error) {
	if len(paths) == 0 {
		paths = []string{"."}
	}
	var sources []*syncgate.Source
	byRoot := map[string]*syncgate.Source{}
	for _, p := range paths {
		r := root
		if r == "" {
			var err error
			if r, err = syncgate.RootOf(p); err != nil {
				closeAll(sources)
				return nil, usageError(err)
			}
		}
		src, err := syncgate.OpenRoot(r, p)
		var outside *syncgate.OutsideRootError
		if errors.As(err, &outside) {
			err = fmt.Errorf("%w; set another root with --root DIR", err)
		}
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
