package validate

import (
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/yannh/kubeconform/pkg/loader"
	"github.com/yannh/kubeconform/pkg/registry"
	"k8s.io/kube-openapi/pkg/validation/strfmt"
)

// locations are kubeconform schema locations, consulted in order for kinds
// no embedded schema or CRD covers. Each location's schemas are compiled
// as kubeconform compiles them (draft 4 unless the schema says otherwise,
// Go durations accepted as "duration"), once per kind.
type locations struct {
	regs    []registry.Registry
	names   []string
	version string // kubeconform's Kubernetes version, such as "1.37.0"
	remote  bool
	repo    fs.FS // where repository locations are read; nil: none

	mu       sync.Mutex
	compiled map[gvk]locationSchema
}

type locationSchema struct {
	checker *checker // nil: no location has one
	err     error
}

func newLocations(opts Options, version string) (*locations, error) {
	l := &locations{version: version, remote: opts.AllowRemote, repo: opts.RepositoryFS, compiled: map[gvk]locationSchema{}}
	add := func(loc string, inRepo bool) error {
		remote := strings.HasPrefix(loc, "http://") || strings.HasPrefix(loc, "https://")
		if remote && !opts.AllowRemote {
			return fmt.Errorf("schema location %s: remote schema locations need --allow-remote", loc)
		}
		var reg registry.Registry
		var err error
		if inRepo && !remote {
			reg, err = newRepoRegistry(opts.RepositoryFS, loc)
		} else {
			reg, err = registry.New(loc, "", true, false, false)
		}
		if err != nil {
			return fmt.Errorf("schema location %s: %w", loc, err)
		}
		l.regs = append(l.regs, reg)
		l.names = append(l.names, loc)
		return nil
	}
	for _, loc := range opts.SchemaLocations {
		if err := add(loc, false); err != nil {
			return nil, err
		}
	}
	for _, loc := range opts.RepositorySchemaLocations {
		if err := add(loc, true); err != nil {
			return nil, err
		}
	}
	return l, nil
}

// kubeconformVersion turns "1.37" into the "1.37.0" kubeconform's layout
// names its directories by (v1.37.0-standalone-strict).
func kubeconformVersion(v string) string {
	if strings.Count(v, ".") == 1 {
		return v + ".0"
	}
	return v
}

// schema returns the schema of a kind from the first location that has
// it, or nil.
func (l *locations) schema(k gvk) (*checker, error) {
	if len(l.regs) == 0 {
		return nil, nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if s, ok := l.compiled[k]; ok {
		return s.checker, s.err
	}
	sch, err := l.find(k)
	// The kind's strings may be cut from a server's request body: the
	// cache keeps copies, not the body.
	k = gvk{strings.Clone(k.group), strings.Clone(k.version), strings.Clone(k.kind)}
	l.compiled[k] = locationSchema{sch, err}
	return sch, err
}

func (l *locations) find(k gvk) (*checker, error) {
	for i, reg := range l.regs {
		url, doc, err := reg.DownloadSchema(k.kind, k.apiVersion(), l.version)
		var notFound *loader.NotFoundError
		switch {
		case errors.As(err, &notFound):
			continue
		case err != nil:
			return nil, fmt.Errorf("schema location %s: %w", l.names[i], err)
		case doc == nil:
			continue
		}
		c := jsonschema.NewCompiler()
		c.DefaultDraft(jsonschema.Draft4)
		c.RegisterFormat(&jsonschema.Format{Name: "duration", Validate: validateDuration})
		c.UseLoader(l.loader())
		if err := c.AddResource(url, doc); err != nil {
			return nil, fmt.Errorf("schema %s: %w", url, err)
		}
		sch, err := c.Compile(url)
		if err != nil {
			return nil, fmt.Errorf("schema %s: %w", url, err)
		}
		return &checker{sch, newPrecheckCompiler().compile(sch)}, nil
	}
	return nil, nil
}

// loader resolves $refs between schema files: local files always, http(s)
// only when remote locations are allowed.
func (l *locations) loader() jsonschema.URLLoader {
	sl := jsonschema.SchemeURLLoader{"file": jsonschema.FileLoader{}}
	if l.repo != nil {
		sl[repoScheme] = repoLoader{l.repo}
	}
	if l.remote {
		if hl, err := loader.NewHTTPURLLoader(false, nil); err == nil {
			sl["http"], sl["https"] = hl, hl
		}
	}
	return sl
}

// validateDuration accepts what the API server's "duration" format does,
// Go durations such as 1h30m (k8s.io/kube-openapi strfmt), and the ISO
// 8601 durations the JSON-schema format names, as kubeconform does.
func validateDuration(v any) error {
	s, ok := v.(string)
	if !ok {
		return nil
	}
	if _, err := strfmt.ParseDuration(s); err == nil {
		return nil
	}
	if len(s) > 1 && s[0] == 'P' && strings.Trim(s[1:], "0123456789.YMWDTHS") == "" {
		return nil
	}
	return errors.New("not a Go or ISO 8601 duration")
}
