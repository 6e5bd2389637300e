package syncgate

import (
	"context"
	"fmt"
	"io/fs"
	"net/url"
	"path/filepath"
	"slices"
	"strings"

	"github.com/syncgate/syncgate/manifest"
	"github.com/syncgate/syncgate/policy"
	"github.com/syncgate/syncgate/secrets"
	"github.com/syncgate/syncgate/validate"
)

// StageConfig holds the settings of the checking stages that a
// repository's .syncgate.yaml may add to the Gate's options. Paths are
// relative to the repository root and may not leave it.
type StageConfig struct {
	// Policies are directories of Rego policies and Gatekeeper templates,
	// evaluated besides the Gate's own.
	Policies []string `yaml:"policies"`
	// CRDs are files or directories of CustomResourceDefinitions whose
	// schemas validate custom objects.
	CRDs []string `yaml:"crds"`
	// SchemaLocations are kubeconform schema locations: directories of the
	// repository, or templates under them; http(s) ones need AllowRemote.
	SchemaLocations []string `yaml:"schemaLocations"`
	// MissingSchemas is what an object no schema covers is: error,
	// warning or ignore; empty keeps the Gate's setting.
	MissingSchemas string `yaml:"missingSchemas"`
	// CRDCatalog, when false, turns off the bundled CRD catalogue of the
	// ecosystem's kinds (Flux, Argo CD, cert-manager, ...): objects of
	// those kinds are then checked only against the repository's CRDs.
	CRDCatalog *bool `yaml:"crdCatalog"`
	// Secrets configures the secrets stage.
	Secrets SecretsConfig `yaml:"secrets"`
}

// SecretsConfig configures the secrets stage for one repository. Keys are
// never read from a repository: they are the Gate's (SOPSAgeKeys).
type SecretsConfig struct {
	// DisabledCredentialRules are gitleaks rule IDs not to run, such as
	// generic-api-key in a repository full of test fixtures.
	DisabledCredentialRules []string `yaml:"disabledCredentialRules"`
}

// check refuses paths that leave the repository and unknown values.
func (c *StageConfig) check() error {
	for _, list := range []struct {
		key   string
		paths []string
	}{{"policies", c.Policies}, {"crds", c.CRDs}} {
		for _, p := range list.paths {
			if !filepath.IsLocal(p) {
				return fmt.Errorf("%s: %q is not a path inside the repository", list.key, p)
			}
		}
	}
	for _, loc := range c.SchemaLocations {
		if u, err := url.Parse(loc); err == nil && u.Scheme != "" {
			continue // http(s): validate refuses it unless remote access is allowed
		}
		// The directory part before any template must stay in the root.
		dir, _, _ := strings.Cut(loc, "{{")
		if dir = strings.TrimSuffix(dir, "/"); dir != "" && !filepath.IsLocal(dir) {
			return fmt.Errorf("schemaLocations: %q is not a path inside the repository", loc)
		}
	}
	switch validate.MissingSchemas(c.MissingSchemas) {
	case "", validate.MissingSchemasError, validate.MissingSchemasWarning, validate.MissingSchemasIgnore:
		return nil
	}
	return fmt.Errorf("missingSchemas: %q: want error, warning or ignore", c.MissingSchemas)
}

// repoStages are the stage settings of one check's repository.
type repoStages struct {
	fsys            fs.FS
	policies        []*policy.Engine
	policyOpts      *policy.Options  // how policies were compiled; nil: none
	scanner         *secrets.Scanner // nil: the Gate's
	crds            []*manifest.Object
	schemaLocations []string
	missingSchemas  validate.MissingSchemas
	noCRDCatalog    bool
}

// repoStages builds what cfg adds to the Gate's stages, reading every
// path it names from fsys; nil when it adds nothing. Policies are
// compiled for each check, since a repository's files change from one
// revision to the next.
func (g *Gate) repoStages(ctx context.Context, cfg *Config, fsys fs.FS) (*repoStages, error) {
	if cfg == nil {
		return nil, nil
	}
	sc := cfg.StageConfig
	if len(sc.Policies)+len(sc.CRDs)+len(sc.SchemaLocations)+len(sc.Secrets.DisabledCredentialRules) == 0 && sc.MissingSchemas == "" && sc.CRDCatalog == nil {
		return nil, nil
	}
	if fsys == nil && len(sc.Policies)+len(sc.CRDs)+len(sc.SchemaLocations) > 0 {
		return nil, fmt.Errorf("%s: policies, crds and schemaLocations name files, and this check has no repository to read them from", cfg.name())
	}
	repo := &repoStages{fsys: fsys, missingSchemas: validate.MissingSchemas(sc.MissingSchemas), schemaLocations: sc.SchemaLocations}
	repo.noCRDCatalog = sc.CRDCatalog != nil && !*sc.CRDCatalog
	if g.stages.policyOn && len(sc.Policies) > 0 {
		opts := g.opts.Policy
		opts.Bundled = false
		opts.FS = fsys
		opts.Dirs = sc.Policies
		e, err := policy.Load(ctx, opts)
		if err != nil {
			return nil, fmt.Errorf("%s: policies: %w", cfg.name(), err)
		}
		repo.policies = append(repo.policies, e)
		repo.policyOpts = &opts
	}
	if g.stages.validateOn && len(sc.CRDs) > 0 {
		var err error
		if repo.crds, err = validate.ReadCRDs(fsys, sc.CRDs, g.opts.Render.Limits); err != nil {
			return nil, fmt.Errorf("%s: crds: %w", cfg.name(), err)
		}
	}
	if g.stages.secrets != nil && len(sc.Secrets.DisabledCredentialRules) > 0 {
		opts := g.opts.Secrets
		opts.DisabledCredentialRules = append(slices.Clone(opts.DisabledCredentialRules), sc.Secrets.DisabledCredentialRules...)
		var err error
		if repo.scanner, err = secrets.New(opts); err != nil {
			return nil, fmt.Errorf("%s: secrets: %w", cfg.name(), err)
		}
	}
	return repo, nil
}
