package validate

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/syncgate/syncgate/manifest"
)

// objectMetaDef is the definition every object's metadata is checked
// against, custom objects included.
const objectMetaDef = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"

// defsURL is where the compiler finds each embedded definition, as a
// document of its own: defsURL + NAME + ".json".
const defsURL = "mem:///defs/"

func defURL(name string) string { return defsURL + name + ".json" }

// definitions are the embedded definitions, served to compilers one
// document per definition, decoded on first use with their references
// rewritten to point at each other's documents. A compiler scans each
// document it loads; given the whole set as one document it would spend
// the better part of a second on it, given one definition at a time it
// reads only what a kind reaches.
type definitions struct {
	raw map[string]json.RawMessage

	mu      sync.Mutex
	decoded map[string]any
}

func newDefinitions(raw map[string]json.RawMessage) *definitions {
	return &definitions{raw: raw, decoded: map[string]any{}}
}

// Load implements jsonschema.URLLoader for definition documents; it
// refuses every other URL, so that a schema cannot make the compiler read
// a file or the network.
func (d *definitions) Load(url string) (any, error) {
	name, ok := strings.CutPrefix(url, defsURL)
	name, isJSON := strings.CutSuffix(name, ".json")
	if !ok || !isJSON {
		return nil, fmt.Errorf("schema refers to %s, which is not loaded (no files or network are read)", url)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if v, ok := d.decoded[name]; ok {
		return v, nil
	}
	raw, ok := d.raw[name]
	if !ok {
		return nil, fmt.Errorf("no definition %s", name)
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("definition %s: %w", name, err)
	}
	rewriteRefs(v)
	d.decoded[name] = v
	return v, nil
}

// rewriteRefs points "#/definitions/NAME" references of a freshly decoded
// definition at NAME's own document.
func rewriteRefs(v any) {
	switch v := v.(type) {
	case map[string]any:
		if ref, ok := v["$ref"].(string); ok {
			if name, ok := strings.CutPrefix(ref, "#/definitions/"); ok {
				v["$ref"] = defURL(name)
			}
		}
		for _, child := range v {
			rewriteRefs(child)
		}
	case []any:
		for _, child := range v {
			rewriteRefs(child)
		}
	}
}

// compiler returns a compiler of draft 2020-12 by default that loads the
// embedded definitions and nothing else.
func (d *definitions) compiler() *jsonschema.Compiler {
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.UseLoader(d)
	return c
}

// checker is a compiled schema with its pre-check.
type checker struct {
	schema *jsonschema.Schema
	pre    *precheck
}

// validate runs the schema on content; the library runs only when the
// pre-check is unsure, so that every finding is the library's.
func (c *checker) validate(obj *manifest.Object, content map[string]any) []manifest.Finding {
	if c.pre.valid(content, 0) {
		return nil
	}
	if err := c.schema.Validate(content); err != nil {
		return schemaFindings(obj, content, err)
	}
	return nil
}

// schemaCache compiles schemas from one compiler once each. The compilers
// are not safe for concurrent use; the compiled schemas are.
type schemaCache struct {
	mu       sync.Mutex
	compiler *jsonschema.Compiler
	pre      *precheckCompiler
	compiled map[string]compiled
}

type compiled struct {
	checker *checker
	err     error
}

func newSchemaCache(c *jsonschema.Compiler) *schemaCache {
	return &schemaCache{compiler: c, pre: newPrecheckCompiler(), compiled: map[string]compiled{}}
}

// get returns the schema at url, compiled on first use. doc, when not
// nil, is the document to add at url first; else the compiler loads it.
func (s *schemaCache) get(url string, doc any) (*checker, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c, ok := s.compiled[url]; ok {
		return c.checker, c.err
	}
	var c compiled
	var sch *jsonschema.Schema
	if sch, c.err = s.compile(url, doc); c.err == nil {
		c.checker = &checker{sch, s.pre.compile(sch)}
	}
	s.compiled[url] = c
	return c.checker, c.err
}

// assertFormats makes the compiler check the server-checked formats of
// the schemas added to it later (see assertServerFormats).
func (s *schemaCache) assertFormats(formats []string) {
	if len(formats) == 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	assertServerFormats(s.compiler, formats)
}

// compile turns a compiler panic on a hostile schema into an error.
func (s *schemaCache) compile(url string, doc any) (sch *jsonschema.Schema, err error) {
	defer func() {
		if r := recover(); r != nil {
			sch, err = nil, errors.New("schema compiler failed")
		}
	}()
	if doc != nil {
		if err := s.compiler.AddResource(url, doc); err != nil {
			return nil, err
		}
	}
	return s.compiler.Compile(url)
}
