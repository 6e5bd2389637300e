package syncgate

import (
	"bytes"
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"maps"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/syncgate/syncgate/internal/golden"
	"github.com/syncgate/syncgate/manifest"
)

// configSchemaFile is the JSON Schema of .syncgate.yaml that editors use to
// complete and check the file. It is generated from the Config types and
// their doc comments, so it cannot drift from what ParseConfig accepts.
const configSchemaFile = "docs/syncgate.schema.json"

func TestConfigSchemaUpToDate(t *testing.T) {
	got := configSchema(t)
	if golden.Update() {
		if err := os.WriteFile(configSchemaFile, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(configSchemaFile)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s is stale: run go test . -run TestConfigSchemaUpToDate -update", configSchemaFile)
	}
}

// configSchema builds the schema from Config by reflection, with each
// field's doc comment, read from this package's source, as its description.
func configSchema(t *testing.T) []byte {
	t.Helper()
	docs := fieldDocs(t)
	var definitions = map[string]any{}
	root := schemaOf(reflect.TypeFor[Config](), docs, definitions)
	root["$schema"] = "https://json-schema.org/draft/2020-12/schema"
	root["$id"] = "https://github.com/syncgate/syncgate/" + configSchemaFile
	root["title"] = ConfigFileName
	root["$defs"] = definitions
	out, err := json.MarshalIndent(root, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return append(out, '\n')
}

func schemaOf(typ reflect.Type, docs map[string]string, defs map[string]any) map[string]any {
	switch typ.Kind() {
	case reflect.String:
		if typ.Name() == "Severity" {
			return map[string]any{"enum": []string{"error", "warning", "info"}}
		}
		return map[string]any{"type": "string"}
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Int, reflect.Int64:
		return map[string]any{"type": "integer"}
	case reflect.Slice:
		return map[string]any{"type": "array", "items": schemaOf(typ.Elem(), docs, defs)}
	case reflect.Map:
		return map[string]any{"type": "object", "additionalProperties": schemaOf(typ.Elem(), docs, defs)}
	case reflect.Pointer:
		return schemaOf(typ.Elem(), docs, defs)
	case reflect.Struct:
		props := map[string]any{}
		var required []string
		for f := range typ.Fields() {
			name, opts, _ := strings.Cut(f.Tag.Get("yaml"), ",")
			if opts == "inline" {
				maps.Copy(props, schemaOf(f.Type, docs, defs)["properties"].(map[string]any))
				continue
			}
			if !f.IsExported() || name == "" || name == "-" {
				continue
			}
			s := schemaOf(f.Type, docs, defs)
			if d := docs[typ.Name()+"."+f.Name]; d != "" {
				s["description"] = d
			}
			props[name] = s
			if slices.Contains(requiredFields[typ.Name()], name) {
				required = append(required, name)
			}
		}
		s := map[string]any{"type": "object", "properties": props, "additionalProperties": false}
		if len(required) > 0 {
			s["required"] = required
		}
		if typ.Name() == "Config" || typ.Name() == "StageConfig" {
			return s
		}
		defs[typ.Name()] = s
		return map[string]any{"$ref": "#/$defs/" + typ.Name()}
	}
	panic(fmt.Sprintf("config schema: no rule for %s", typ))
}

// requiredFields are the keys ParseConfig refuses to go without.
var requiredFields = map[string][]string{
	"TargetConfig": {"path", "type"},
	"Exception":    {"rule", "reason"},
}

// fieldDocs maps "Type.Field" to the field's doc comment, as one line.
func fieldDocs(t *testing.T) map[string]string {
	t.Helper()
	fset := token.NewFileSet()
	docs := map[string]string{}
	for _, file := range []string{"config.go", "exceptions.go", "repoconfig.go"} {
		f, err := parser.ParseFile(fset, file, nil, parser.ParseComments)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			ts, ok := n.(*ast.TypeSpec)
			if !ok {
				return true
			}
			st, ok := ts.Type.(*ast.StructType)
			if !ok {
				return false
			}
			for _, field := range st.Fields.List {
				for _, name := range field.Names {
					if field.Doc != nil {
						docs[ts.Name.Name+"."+name.Name] = strings.Join(strings.Fields(field.Doc.Text()), " ")
					}
				}
			}
			return false
		})
	}
	return docs
}

// The commented sample configuration parses, and the generated schema
// accepts it: the two cannot drift apart.
func TestSampleConfig(t *testing.T) {
	const sample = "examples/syncgate.yaml"
	data, err := os.ReadFile(sample)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ParseConfig(sample, data); err != nil {
		t.Fatal(err)
	}
	docs, err := manifest.Decode(sample, data, manifest.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	var schemaDoc any
	if err := json.Unmarshal(configSchema(t), &schemaDoc); err != nil {
		t.Fatal(err)
	}
	if err := c.AddResource("syncgate.schema.json", schemaDoc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile("syncgate.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	// JSON Schema sees what YAML decodes to as JSON would see it.
	raw, err := json.Marshal(docs[0].Value)
	if err != nil {
		t.Fatal(err)
	}
	var value any
	if err := json.Unmarshal(raw, &value); err != nil {
		t.Fatal(err)
	}
	if err := sch.Validate(value); err != nil {
		t.Errorf("%s does not fit %s: %v", sample, configSchemaFile, err)
	}
	value.(map[string]any)["unknownKey"] = true
	if sch.Validate(value) == nil {
		t.Error("the schema accepts an unknown key")
	}
}
