package syncgate

import (
	"context"
	"fmt"
	"io/fs"
	"net/url"
	"path"
	"path/filepath"
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

// repoStages are the stage settings of one Check's repository.
type repoStages struct {
	policies        []*policy.Engine
	scanner         *secrets.Scanner // nil: the Gate's
	crds            []*manifest.Object
	schemaLocations []string
	missingSchemas  validate.MissingSchemas
}

// repoStages builds what cfg adds to the Gate's stages for src; nil when
// it adds nothing. Policies are compiled for each Check, since the
// repository's files change from one revision to the next.
func (g *Gate) repoStages(ctx context.Context, cfg *Config, src *Source) (*repoStages, error) {
	if cfg == nil {
		return nil, nil
	}
	sc := cfg.StageConfig
	if len(sc.Policies)+len(sc.CRDs)+len(sc.SchemaLocations)+len(sc.Secrets.DisabledCredentialRules) == 0 && sc.MissingSchemas == "" {
		return nil, nil
	}
	repo := &repoStages{missingSchemas: validate.MissingSchemas(sc.MissingSchemas)}
	root := ""
	if src != nil {
		root = src.Root()
	}
	needsRoot := len(sc.Policies) > 0 || len(sc.SchemaLocations) > 0
	if needsRoot && root == "" {
		return nil, fmt.Errorf("%s: policies and schemaLocations need a repository opened with OpenDir", cfg.name())
	}
	for _, loc := range sc.SchemaLocations {
		if u, err := url.Parse(loc); err == nil && u.Scheme != "" {
			repo.schemaLocations = append(repo.schemaLocations, loc)
			continue
		}
		repo.schemaLocations = append(repo.schemaLocations, filepath.Join(root, filepath.FromSlash(loc)))
	}
	if g.stages.policyOn && len(sc.Policies) > 0 {
		dirs := make([]string, len(sc.Policies))
		for i, p := range sc.Policies {
			dirs[i] = filepath.Join(root, filepath.FromSlash(p))
			if err := insideRoot(root, dirs[i]); err != nil {
				return nil, fmt.Errorf("%s: policies: %w", cfg.name(), err)
			}
		}
		opts := g.stages.policyOpts
		opts.Bundled = false
		e, err := policy.Load(ctx, dirs, opts)
		if err != nil {
			return nil, fmt.Errorf("%s: policies: %w", cfg.name(), err)
		}
		repo.policies = append(repo.policies, e)
	}
	if g.stages.validateOn && src != nil {
		for _, p := range sc.CRDs {
			objs, err := readCRDs(src.FS, path.Clean(filepath.ToSlash(p)), g.opts.Limits)
			if err != nil {
				return nil, fmt.Errorf("%s: crds: %w", cfg.name(), err)
			}
			repo.crds = append(repo.crds, objs...)
		}
	}
	if g.stages.secrets != nil && len(sc.Secrets.DisabledCredentialRules) > 0 {
		opts := g.stages.secretsOpts
		opts.DisabledCredentialRules = append(append([]string(nil), opts.DisabledCredentialRules...), sc.Secrets.DisabledCredentialRules...)
		var err error
		if repo.scanner, err = secrets.New(opts); err != nil {
			return nil, fmt.Errorf("%s: secrets: %w", cfg.name(), err)
		}
	}
	return repo, nil
}

// insideRoot refuses a directory that, through symbolic links, leaves root.
func insideRoot(root, dir string) error {
	realRoot, err := filepath.EvalSymlinks(root)
	if err != nil {
		return err
	}
	real, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return err
	}
	if rel, err := filepath.Rel(realRoot, real); err != nil || !filepath.IsLocal(rel) && rel != "." {
		return fmt.Errorf("%s leaves the repository root", dir)
	}
	return nil
}

// readCRDs decodes the CRD files of p in fsys: a file, or a directory's
// .yaml, .yml and .json files, recursively.
func readCRDs(fsys fs.FS, p string, limits manifest.Limits) ([]*manifest.Object, error) {
	var objects []*manifest.Object
	err := fs.WalkDir(fsys, p, func(file string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		ext := strings.ToLower(path.Ext(file))
		if d.IsDir() || (file != p && ext != ".yaml" && ext != ".yml" && ext != ".json") {
			return nil
		}
		data, err := fs.ReadFile(fsys, file)
		if err != nil {
			return err
		}
		objs, err := manifest.DecodeObjects(file, data, limits)
		if err != nil {
			return err
		}
		objects = append(objects, objs...)
		return nil
	})
	return objects, err
}
