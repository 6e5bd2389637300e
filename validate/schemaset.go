package validate

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// objectMetaDef is the definition every object's metadata is checked
// against, custom objects included.
const objectMetaDef = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"

// builtinURL is where the embedded definitions document sits for the
// compiler; its definitions are reached as builtinURL#/definitions/NAME.
const builtinURL = "mem:///builtin.json"

// noLoader refuses every URL, so that a schema cannot make the compiler
// read a file or the network: everything a schema may refer to is added
// as a resource first.
type noLoader struct{}

func (noLoader) Load(url string) (any, error) {
	return nil, fmt.Errorf("schema refers to %s, which is not loaded (no files or network are read)", url)
}

// definitions is the embedded definitions document, decoded once and
// shared read-only by every compiler.
type definitions struct {
	doc map[string]any // {"definitions": {...}}
}

func decodeDefinitions(raw map[string]json.RawMessage) (*definitions, error) {
	defs := make(map[string]any, len(raw))
	for name, data := range raw {
		v, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
		if err != nil {
			return nil, fmt.Errorf("definition %s: %w", name, err)
		}
		defs[name] = v
	}
	return &definitions{doc: map[string]any{"definitions": defs}}, nil
}

// has reports whether name is a definition.
func (d *definitions) has(name string) bool {
	_, ok := d.doc["definitions"].(map[string]any)[name]
	return ok
}

// compiler returns a fresh compiler that knows the definitions, compiles
// draft 2020-12 by default and reads nothing from outside.
func (d *definitions) compiler() (*jsonschema.Compiler, error) {
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.UseLoader(noLoader{})
	if err := c.AddResource(builtinURL, d.doc); err != nil {
		return nil, err
	}
	return c, nil
}

// schemaCache compiles schemas from one compiler once each. The compiler
// is not safe for concurrent use; the compiled schemas are.
type schemaCache struct {
	mu       sync.Mutex
	compiler *jsonschema.Compiler
	compiled map[string]compiled
}

type compiled struct {
	schema *jsonschema.Schema
	err    error
}

func newSchemaCache(c *jsonschema.Compiler) *schemaCache {
	return &schemaCache{compiler: c, compiled: map[string]compiled{}}
}

// get compiles the schema at url, or returns it from the cache.
func (s *schemaCache) get(url string) (*jsonschema.Schema, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c, ok := s.compiled[url]; ok {
		return c.schema, c.err
	}
	sch, err := s.compile(url)
	s.compiled[url] = compiled{sch, err}
	return sch, err
}

// compile turns a compiler panic on a hostile schema into an error.
func (s *schemaCache) compile(url string) (sch *jsonschema.Schema, err error) {
	defer func() {
		if r := recover(); r != nil {
			sch, err = nil, errors.New("schema compiler failed")
		}
	}()
	return s.compiler.Compile(url)
}

// add adds a document to the compiler under url.
func (s *schemaCache) add(url string, doc any) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.compiler.AddResource(url, doc)
}

func defURL(name string) string { return builtinURL + "#/definitions/" + name }
