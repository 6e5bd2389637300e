package validate

import (
	"encoding/json"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/syncgate/syncgate/manifest"
)

// TestPrecheckCases compiles small schemas and checks what the pre-check
// says of values; whenever it says valid, the library must agree.
func TestPrecheckCases(t *testing.T) {
	tests := []struct {
		name   string
		schema string
		draft  *jsonschema.Draft
		value  any
		want   bool
	}{
		{"integer takes a whole float", `{"type":"integer"}`, nil, 3.0, true},
		{"integer refuses a fraction", `{"type":"integer"}`, nil, 3.5, false},
		{"integer takes int64", `{"type":"integer"}`, nil, int64(3), true},
		{"integer takes a json.Number integer", `{"type":"integer"}`, nil, json.Number("12"), true},
		{"integer is unsure of a json.Number fraction", `{"type":"integer"}`, nil, json.Number("1.5"), false},
		{"number refuses NaN", `{"type":"number"}`, nil, math.NaN(), false},
		{"no type still refuses a Go type that is not JSON", `{}`, nil, map[string]string{}, false},
		{"int-or-string takes a string", `{"type":["integer","string","null"]}`, nil, "80%", true},
		{"int-or-string refuses a bool", `{"type":["integer","string","null"]}`, nil, true, false},
		{"enum takes a value", `{"enum":["Always","Never",null]}`, nil, "Never", true},
		{"enum takes null", `{"enum":["Always",null]}`, nil, nil, true},
		{"enum refuses another", `{"enum":["Always","Never"]}`, nil, "Sometimes", false},
		{"enum of numbers is unsure", `{"enum":[1,2]}`, nil, int64(1), false},
		{"closed object refuses an unknown field", `{"properties":{"a":{}},"additionalProperties":false}`, nil, map[string]any{"b": "x"}, false},
		{"closed object takes a known field", `{"properties":{"a":{"type":"string"}},"additionalProperties":false}`, nil, map[string]any{"a": "x"}, true},
		{"property type is checked", `{"properties":{"a":{"type":"string"}}}`, nil, map[string]any{"a": int64(1)}, false},
		{"additional schema is checked", `{"additionalProperties":{"type":"string"}}`, nil, map[string]any{"a": int64(1)}, false},
		{"required is missing", `{"required":["a"]}`, nil, map[string]any{"b": "x"}, false},
		{"required null is present", `{"required":["a"]}`, nil, map[string]any{"a": nil}, true},
		{"items are checked", `{"items":{"type":"string"}}`, nil, []any{"a", int64(1)}, false},
		{"ref and its sibling type", `{"$defs":{"s":{"type":["string","null"]}},"properties":{"a":{"$ref":"#/$defs/s","type":"string"}}}`, nil, map[string]any{"a": nil}, false},
		{"ref is followed", `{"$defs":{"s":{"type":"string"}},"properties":{"a":{"$ref":"#/$defs/s"}}}`, nil, map[string]any{"a": "x"}, true},
		{"recursive schema", `{"$defs":{"n":{"properties":{"n":{"$ref":"#/$defs/n"}},"additionalProperties":false}},"$ref":"#/$defs/n"}`, nil, map[string]any{"n": map[string]any{"n": map[string]any{}}}, true},
		{"ref cycle is unsure", `{"$defs":{"a":{"$ref":"#/$defs/b"},"b":{"$ref":"#/$defs/a"}},"$ref":"#/$defs/a"}`, nil, "x", false},
		{"allOf cycle is unsure", `{"$defs":{"a":{"allOf":[{"$ref":"#/$defs/a"}]}},"$ref":"#/$defs/a"}`, nil, "x", false},
		{"anyOf cycle is unsure", `{"$defs":{"a":{"anyOf":[{"type":"integer"},{"$ref":"#/$defs/b"}]},"b":{"allOf":[{"$ref":"#/$defs/a"}]}},"$ref":"#/$defs/a"}`, nil, "x", false},
		{"anyOf beside a cycle", `{"$defs":{"a":{"anyOf":[{"type":"string"},{"$ref":"#/$defs/a"}]}},"$ref":"#/$defs/a"}`, nil, int64(1), false},
		{"draft 4 ref hides its siblings: unsure", `{"definitions":{"s":{"type":"string"}},"properties":{"a":{"$ref":"#/definitions/s"}}}`, jsonschema.Draft4, map[string]any{"a": "x"}, false},
		{"draft 4 items schema", `{"items":{"type":"string"}}`, jsonschema.Draft4, []any{"a"}, true},
		{"draft 4 items list is unsure", `{"items":[{"type":"string"}]}`, jsonschema.Draft4, []any{"a"}, false},
		{"pattern matches", `{"pattern":"^a+$"}`, nil, "aaa", true},
		{"pattern fails", `{"pattern":"^a+$"}`, nil, "ab", false},
		{"maxLength counts runes", `{"maxLength":2}`, nil, "éé", true},
		{"minItems", `{"minItems":2}`, nil, []any{"a"}, false},
		{"maxProperties", `{"maxProperties":1}`, nil, map[string]any{"a": 1.0, "b": 2.0}, false},
		{"minimum", `{"minimum":1}`, nil, int64(2), true},
		{"below minimum", `{"minimum":1}`, nil, int64(0), false},
		{"fractional minimum", `{"minimum":1.5}`, nil, int64(1), false},
		{"above fractional minimum", `{"minimum":1.5}`, nil, 2.0, true},
		{"exclusive minimum", `{"exclusiveMinimum":1}`, nil, int64(1), false},
		{"maximum", `{"maximum":10}`, nil, int64(10), true},
		{"above maximum", `{"maximum":10}`, nil, 10.5, false},
		{"exclusive maximum", `{"exclusiveMaximum":10}`, nil, int64(10), false},
		{"fractional exclusive maximum", `{"exclusiveMaximum":-0.5}`, nil, int64(-1), true},
		{"bound is unsure of a fraction", `{"minimum":0}`, nil, 0.25, false},
		{"bound is unsure of a huge float", `{"minimum":0}`, nil, 1e300, false},
		{"huge bound is unsure", `{"maximum":1e30}`, nil, int64(1), false},
		{"bounds ignore strings", `{"minimum":5}`, nil, "x", true},
		{"multipleOf is unsure", `{"multipleOf":2}`, nil, int64(4), false},
		{"allOf", `{"allOf":[{"type":"string"},{"maxLength":3}]}`, nil, "abc", true},
		{"allOf fails one", `{"allOf":[{"type":"string"},{"maxLength":3}]}`, nil, "abcd", false},
		{"anyOf", `{"anyOf":[{"type":"integer"},{"type":"string"}]}`, nil, "x", true},
		{"anyOf fails all", `{"anyOf":[{"type":"integer"},{"type":"string"}]}`, nil, true, false},
		{"oneOf is unsure", `{"oneOf":[{"type":"string"}]}`, nil, "x", false},
		{"false schema is unsure", `{"properties":{"a":false}}`, nil, map[string]any{"a": "x"}, false},
		{"true schema", `{"properties":{"a":true}}`, nil, map[string]any{"a": "x"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, err := jsonschema.UnmarshalJSON(strings.NewReader(tt.schema))
			if err != nil {
				t.Fatal(err)
			}
			c := jsonschema.NewCompiler()
			c.DefaultDraft(jsonschema.Draft2020)
			if tt.draft != nil {
				c.DefaultDraft(tt.draft)
			}
			if err := c.AddResource("mem:///s.json", doc); err != nil {
				t.Fatal(err)
			}
			sch, err := c.Compile("mem:///s.json")
			if err != nil {
				t.Fatal(err)
			}
			got := newPrecheckCompiler().compile(sch).valid(tt.value, 0)
			if got != tt.want {
				t.Errorf("precheck valid = %v, want %v", got, tt.want)
			}
			if err := sch.Validate(tt.value); got && err != nil {
				t.Errorf("precheck says valid, the library: %v", err)
			}
		})
	}
}

// TestPrecheckKnowsSchemaFields lists every field of the library's
// compiled schema: one the pre-check has not classified (a new library
// version) could change verdicts unnoticed.
func TestPrecheckKnowsSchemaFields(t *testing.T) {
	known := []string{
		// judged by the pre-check
		"Bool", "Ref", "Types", "Enum", "Format", "Required", "Properties", "AdditionalProperties",
		"Items", "Items2020", "MinLength", "MaxLength", "Pattern", "MinItems", "MaxItems",
		"MinProperties", "MaxProperties", "DraftVersion", "AllOf", "AnyOf",
		"Maximum", "Minimum", "ExclusiveMaximum", "ExclusiveMinimum",
		// unsure (understood refuses them)
		"RecursiveRef", "DynamicRef", "Const", "Not", "OneOf", "If", "Then", "Else",
		"PropertyNames", "PatternProperties", "Dependencies", "DependentRequired", "DependentSchemas",
		"UnevaluatedProperties", "UniqueItems", "Contains", "MinContains", "MaxContains",
		"AdditionalItems", "PrefixItems", "UnevaluatedItems", "ContentEncoding", "ContentMediaType",
		"ContentSchema", "MultipleOf",
		"Extensions",
		// identity and annotations, no verdict
		"Location", "ID", "Anchor", "RecursiveAnchor", "DynamicAnchor", "Title", "Description",
		"Default", "Comment", "ReadOnly", "WriteOnly", "Examples", "Deprecated",
	}
	st := reflect.TypeFor[jsonschema.Schema]()
	for i := range st.NumField() {
		f := st.Field(i)
		if f.IsExported() && !slices.Contains(known, f.Name) {
			t.Errorf("jsonschema.Schema.%s is new: teach the pre-check or refuse it in understood", f.Name)
		}
	}
}

// precheckDirs are the trees whose objects the pre-check is proved on;
// SYNCGATE_PRECHECK_DIRS adds others (the bench corpus, real trees),
// separated by the list separator. testdata/real, the public trees that
// scripts/trees.sh fetches, and hidden directories such as bench/.work
// (generated corpora, fetched trees) are left to it: their 33,000 objects
// take the mutation sweep past the test timeout.
var realTrees = filepath.Join("..", "testdata", "real")

func precheckDirs() []string {
	dirs := []string{filepath.Join("..", "testdata"), filepath.Join("..", "examples"), "testdata", filepath.Join("..", "bench")}
	if extra := os.Getenv("SYNCGATE_PRECHECK_DIRS"); extra != "" {
		dirs = append(dirs, filepath.SplitList(extra)...)
	}
	return dirs
}

// precheckObjects decodes every object of the YAML and JSON files under
// dirs, and the objects of AdmissionReviews.
func precheckObjects(tb testing.TB, dirs []string) []*manifest.Object {
	tb.Helper()
	var objs []*manifest.Object
	eachFixtureDoc(tb, dirs, func(path string, doc manifest.Document) {
		m, ok := doc.Value.(map[string]any)
		if !ok {
			return
		}
		origin := manifest.Origin{File: path, Line: doc.Line}
		if req, ok := m["request"].(map[string]any); ok && m["kind"] == "AdmissionReview" {
			for _, field := range []string{"object", "oldObject"} {
				if o, ok := req[field].(map[string]any); ok {
					objs = append(objs, manifest.NewObject(o, origin))
				}
			}
			return
		}
		objs = append(objs, manifest.NewObject(m, origin))
	})
	return objs
}

// eachFixtureDoc calls fn with every document of the YAML and JSON files
// under dirs. Files that do not decode (templates, hostile inputs) are
// skipped, and so are testdata/real and hidden directories unless dirs
// names them (precheckDirs).
func eachFixtureDoc(tb testing.TB, dirs []string, fn func(path string, doc manifest.Document)) {
	tb.Helper()
	for _, dir := range dirs {
		err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() {
				hidden := strings.HasPrefix(d.Name(), ".") && d.Name() != "." && d.Name() != ".."
				if (path == realTrees || hidden) && !slices.Contains(dirs, path) {
					return fs.SkipDir
				}
				return nil
			}
			switch filepath.Ext(path) {
			case ".yaml", ".yml", ".json":
			default:
				return nil
			}
			data, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			docs, err := manifest.Decode(path, data, manifest.Limits{})
			if err != nil {
				return nil
			}
			for _, doc := range docs {
				fn(path, doc)
			}
			return nil
		})
		if err != nil {
			tb.Fatal(err)
		}
	}
}

// precheckTarget is a schema and the content it judges, as checkSchema
// hands them to checker.validate; builtin says the schema is embedded.
type precheckTarget struct {
	obj     *manifest.Object
	checker *checker
	content map[string]any
	builtin bool
}

// precheckTargets pairs each object with its built-in or CRD schema;
// objects without one are left out.
func precheckTargets(tb testing.TB, v *Validator, objs []*manifest.Object) []precheckTarget {
	tb.Helper()
	rv := v.WithCRDs(objs)
	rv.CRDFindings()
	var out []precheckTarget
	for _, obj := range objs {
		if obj.APIVersion == "" || obj.Kind == "" {
			continue
		}
		k := gvkOf(obj)
		content := withoutSOPS(obj.Content)
		if def := rv.builtins.kinds[k].Definition; def != "" {
			c, err := rv.builtins.schema(def)
			if err != nil {
				tb.Fatalf("%s: %v", def, err)
			}
			out = append(out, precheckTarget{obj, c, content, true})
			continue
		}
		m, err := rv.crdKind(k, obj.Origin.Target)
		if err != nil || m == nil {
			continue
		}
		if c, err := m.set.schema(m.kind); err == nil {
			out = append(out, precheckTarget{obj, c, decodedAsServer(content, m.kind), false})
		}
	}
	return out
}

// TestPrecheckNeverValidWhenLibraryInvalid runs the pre-check and the
// library on every object of the repository's trees: the pre-check may
// be unsure, never valid where the library is not. On built-in schemas,
// whose keywords it all understands, it must also find every object the
// library finds valid, or the fast path would be dead.
func TestPrecheckNeverValidWhenLibraryInvalid(t *testing.T) {
	v, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	objs := precheckObjects(t, precheckDirs())
	var valid, fast, crdValid, crdFast int
	for _, tg := range precheckTargets(t, v, objs) {
		pre := tg.checker.pre.valid(tg.content, 0)
		libErr := tg.checker.schema.Validate(tg.content)
		where := tg.obj.Origin.File + ":" + itoa(tg.obj.Origin.Line) + " " + tg.obj.Ref().String()
		switch {
		case pre && libErr != nil:
			t.Errorf("%s: precheck says valid, the library: %v", where, libErr)
		case libErr != nil:
		case tg.builtin:
			valid++
			if pre {
				fast++
			} else {
				t.Errorf("%s: precheck unsure of a valid object of a built-in kind", where)
			}
		default:
			crdValid++
			if pre {
				crdFast++
			}
		}
	}
	t.Logf("%d objects; built-in kinds: %d valid, %d of them by the precheck; CRD kinds: %d valid, %d by the precheck", len(objs), valid, fast, crdValid, crdFast)
	if valid == 0 {
		t.Fatal("no valid object of a built-in kind found")
	}
}

// step is one step of a path into decoded content: a map key, or a list
// index when index >= 0.
type step struct {
	key   string
	index int
}

// contentPaths lists the paths to every value below the root.
func contentPaths(v any, at []step, out [][]step) [][]step {
	switch v := v.(type) {
	case map[string]any:
		for _, k := range sortedKeys(v) {
			p := append(slices.Clone(at), step{k, -1})
			out = contentPaths(v[k], p, append(out, p))
		}
	case []any:
		for i, item := range v {
			p := append(slices.Clone(at), step{"", i})
			out = contentPaths(item, p, append(out, p))
		}
	}
	return out
}

// copyContent copies decoded JSON values deeply; other values are shared.
func copyContent(v any) any {
	switch v := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, val := range v {
			out[k] = copyContent(val)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, val := range v {
			out[i] = copyContent(val)
		}
		return out
	}
	return v
}

// mutations change the value at one place of an object: another type,
// a number outside bounds, a long string, an unknown field, a missing field, a value outside an enum, a value
// that is not JSON. apply returns false when the change does not apply
// there.
var mutations = []struct {
	name  string
	apply func(parent any, s step) bool
}{
	{"string", replaceWith("x")},
	{"integer", replaceWith(int64(7))},
	{"fraction", replaceWith(1.5)},
	{"negative", replaceWith(int64(-1))},
	{"zero", replaceWith(0.0)},
	{"large", replaceWith(int64(1) << 40)},
	{"long string", replaceWith(strings.Repeat("x", 300))},
	{"bool", replaceWith(true)},
	{"null", replaceWith(nil)},
	{"object", func(parent any, s step) bool { return set(parent, s, map[string]any{"x": "y"}) }},
	{"list", func(parent any, s step) bool { return set(parent, s, []any{"x"}) }},
	{"not JSON", replaceWith(map[string]string{})},
	{"NaN", replaceWith(math.NaN())},
	{"unknown field", func(parent any, s step) bool {
		m, ok := get(parent, s).(map[string]any)
		if ok {
			m["zzUnknownField"] = "v"
		}
		return ok
	}},
	{"missing", func(parent any, s step) bool {
		m, ok := parent.(map[string]any)
		if ok {
			delete(m, s.key)
		}
		return ok
	}},
	{"outside enum", func(parent any, s step) bool {
		str, ok := get(parent, s).(string)
		return ok && set(parent, s, str+"Bogus")
	}},
}

func replaceWith(v any) func(any, step) bool {
	return func(parent any, s step) bool { return set(parent, s, v) }
}

func get(parent any, s step) any {
	if l, ok := parent.([]any); ok {
		return l[s.index]
	}
	return parent.(map[string]any)[s.key]
}

func set(parent any, s step, v any) bool {
	if l, ok := parent.([]any); ok {
		l[s.index] = v
	} else {
		parent.(map[string]any)[s.key] = v
	}
	return true
}

// mutate returns a copy of content with mutation m applied at path, or
// nil when it does not apply there.
func mutate(content map[string]any, path []step, m int) map[string]any {
	out := copyContent(content).(map[string]any)
	var parent any = out
	for _, s := range path[:len(path)-1] {
		parent = get(parent, s)
	}
	if !mutations[m].apply(parent, path[len(path)-1]) {
		return nil
	}
	return out
}

// checkPrecheck fails when the pre-check says valid and the library not.
func checkPrecheck(t *testing.T, tg precheckTarget, content map[string]any, what string) {
	t.Helper()
	if !tg.checker.pre.valid(content, 0) {
		return
	}
	if err := tg.checker.schema.Validate(content); err != nil {
		t.Errorf("%s:%d %s, %s: precheck says valid, the library: %v", tg.obj.Origin.File, tg.obj.Origin.Line, tg.obj.Ref(), what, err)
	}
}

// validTargets are the objects of dirs valid against their schema.
func validTargets(tb testing.TB, dirs []string) []precheckTarget {
	tb.Helper()
	v, err := New(Options{})
	if err != nil {
		tb.Fatal(err)
	}
	var out []precheckTarget
	for _, tg := range precheckTargets(tb, v, precheckObjects(tb, dirs)) {
		if tg.checker.schema.Validate(tg.content) == nil {
			out = append(out, tg)
		}
	}
	if len(out) == 0 {
		tb.Fatal("no valid object")
	}
	return out
}

// maxSweepPaths bounds the places of one object the sweep mutates,
// spread over the object, so that the sweep stays a unit test.
const maxSweepPaths = 400

// TestPrecheckMutations makes every mutation at places of every valid
// object of precheckDirs: the pre-check must never accept what the
// library refuses.
func TestPrecheckMutations(t *testing.T) {
	var n int
	for _, tg := range validTargets(t, precheckDirs()) {
		paths := contentPaths(tg.content, nil, nil)
		limit := maxSweepPaths
		if testing.Short() {
			limit = 20
		}
		stride := max(1, len(paths)/limit)
		for i := 0; i < len(paths); i += stride {
			for m := range mutations {
				if mutated := mutate(tg.content, paths[i], m); mutated != nil {
					n++
					checkPrecheck(t, tg, mutated, mutations[m].name+" at "+fmtPath(paths[i]))
				}
			}
		}
	}
	t.Logf("%d mutated objects", n)
}

func fmtPath(path []step) string {
	var b strings.Builder
	for _, s := range path {
		if s.index >= 0 {
			b.WriteString("[" + itoa(s.index) + "]")
		} else {
			b.WriteString("." + s.key)
		}
	}
	return b.String()
}

// FuzzPrecheck mutates valid objects at places and with changes the
// fuzzer picks, several at once: the pre-check must never accept what
// the library refuses.
func FuzzPrecheck(f *testing.F) {
	targets := validTargets(f, []string{corpusDir, filepath.Join("..", "bench", "serve")})
	for i := range targets {
		f.Add(uint16(i), []byte{byte(i), byte(i % len(mutations))})
	}
	f.Fuzz(func(t *testing.T, which uint16, ops []byte) {
		tg := targets[int(which)%len(targets)]
		content := tg.content
		for i := 0; i+1 < len(ops) && i < 32; i += 2 {
			paths := contentPaths(content, nil, nil)
			if len(paths) == 0 {
				break
			}
			if mutated := mutate(content, paths[int(ops[i])%len(paths)], int(ops[i+1])%len(mutations)); mutated != nil {
				content = mutated
			}
		}
		checkPrecheck(t, tg, content, "fuzzed")
	})
}
