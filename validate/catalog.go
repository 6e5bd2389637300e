package validate

import (
	"encoding/json"
	"fmt"
	"sync"

	"github.com/syncgate/syncgate/manifest"
	"github.com/syncgate/syncgate/validate/internal/catalog"
)

// CatalogProject is one project of the bundled CRD catalogue.
type CatalogProject struct {
	// Name is the project, such as "cert-manager" or
	// "flux-helm-controller".
	Name string
	// Module and Version name the Go module its CRDs were generated from.
	Module, Version string
	// Kinds are the served kinds, as "group/version Kind", sorted.
	Kinds []string
}

// CRDCatalog lists the bundled CRD catalogue: the projects whose objects
// are validated against their CRDs without --crds (unless
// Options.NoCRDCatalog), with the module version each comes from. It
// decompresses nothing.
func CRDCatalog() []CatalogProject {
	entries := catalog.Entries()
	out := make([]CatalogProject, len(entries))
	for i, e := range entries {
		p := CatalogProject{Name: e.Name, Module: e.Module, Version: e.Version}
		for _, k := range e.Kinds {
			p.Kinds = append(p.Kinds, k.Group+"/"+k.Version+" "+k.Kind)
		}
		out[i] = p
	}
	return out
}

// crdCatalog serves the catalogue's kinds to one Validator. Building it
// reads only the generated index; a project's data is decompressed, and a
// CRD loaded and its CEL rules compiled, the first time an object of one
// of its kinds is checked, so a run without such objects pays nothing.
type crdCatalog struct {
	defs  *definitions
	kinds map[gvk]*catalogCRD
}

// catalogProject is one project's data, decompressed once.
type catalogProject struct {
	name string
	once sync.Once
	crds map[string]json.RawMessage
	err  error
}

// catalogCRD is one catalogue CRD, loaded once.
type catalogCRD struct {
	project *catalogProject
	name    string
	once    sync.Once
	set     *crdSet
	err     error
}

func newCRDCatalog(defs *definitions) *crdCatalog {
	c := &crdCatalog{defs: defs, kinds: map[gvk]*catalogCRD{}}
	for _, e := range catalog.Entries() {
		p := &catalogProject{name: e.Name}
		byName := map[string]*catalogCRD{}
		for _, k := range e.Kinds {
			crd := byName[k.CRD]
			if crd == nil {
				crd = &catalogCRD{project: p, name: k.CRD}
				byName[k.CRD] = crd
			}
			c.kinds[gvk{k.Group, k.Version, k.Kind}] = crd
		}
	}
	return c
}

// lookup returns the catalogue's CRD kind of k, nil when the catalogue has
// none. An error means an entry did not load: catalogen checks every entry
// and the tests load them all, so it is a bug, reported as a finding.
func (c *crdCatalog) lookup(k gvk) (*crdMatch, error) {
	if c == nil {
		return nil, nil
	}
	crd, ok := c.kinds[k]
	if !ok {
		return nil, nil
	}
	crd.once.Do(func() { crd.set, crd.err = crd.load(c.defs) })
	if crd.err != nil {
		return nil, crd.err
	}
	ck, ok := crd.set.kinds[k]
	if !ok {
		return nil, fmt.Errorf("CRD catalogue: %s does not serve %s %s", crd.name, k.apiVersion(), k.kind)
	}
	return &crdMatch{crd.set, ck}, nil
}

// load reads one CRD of the catalogue through the path of the user's
// CRDs, less the CRD validation catalogen did. It runs without the
// caller's context: a load cut short by one check's deadline must not stay
// failed for the next.
func (crd *catalogCRD) load(defs *definitions) (*crdSet, error) {
	p := crd.project
	p.once.Do(func() { p.crds, p.err = catalog.Load(p.name) })
	if p.err != nil {
		return nil, p.err
	}
	raw, ok := p.crds[crd.name]
	if !ok {
		return nil, fmt.Errorf("CRD catalogue %s: no CRD %s", p.name, crd.name)
	}
	var content map[string]any
	if err := json.Unmarshal(raw, &content); err != nil {
		return nil, fmt.Errorf("CRD catalogue %s: %s: %w", p.name, crd.name, err)
	}
	obj := manifest.NewObject(content, manifest.Origin{File: "crd-catalog/" + p.name})
	set, findings := loadCheckedCRD(defs, obj)
	if len(findings) > 0 {
		return nil, fmt.Errorf("CRD catalogue %s: %s: %s: %s", p.name, crd.name, findings[0].Field, findings[0].Message)
	}
	return set, nil
}
