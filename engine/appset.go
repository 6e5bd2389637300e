package engine

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"text/template"

	"dario.cat/mergo"
	jsonpatch "github.com/evanphx/json-patch/v5"
	"github.com/gobwas/glob"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/yaml"

	"github.com/syncgate/syncgate/manifest"
	"github.com/syncgate/syncgate/render"
)

const (
	// maxGeneratorDepth bounds the nesting of matrix and merge generators.
	maxGeneratorDepth = 3
	// maxGenerated bounds the parameter sets of one generator, and so the
	// Applications of one ApplicationSet.
	maxGenerated = 1000
)

// skipError is a generator that syncgate does not run offline; the
// ApplicationSet is listed as a skipped target with this reason.
type skipError string

func (e skipError) Error() string { return string(e) }

// unsupported are the generators that need a cluster's or a hosting
// service's API.
var unsupported = []string{"scmProvider", "pullRequest", "clusterDecisionResource", "plugin"}

// appSet is one ApplicationSet being expanded.
type appSet struct {
	repo       *repository
	goTemplate bool
	options    []string // goTemplateOptions
}

// appSetTargets expands an ApplicationSet as the ApplicationSet controller
// does: each generator's parameter sets applied to the template (merged
// with the generator's own), then templatePatch, each resulting
// Application turned into its targets, defined by the ApplicationSet. A
// generator that fails, or is unknown, gives one invalid target for the
// ApplicationSet; one that needs an API gives a skipped one.
func (repo *repository) appSetTargets(o object) []render.Target {
	spec := o.spec()
	s := &appSet{repo: repo, goTemplate: spec["goTemplate"] == true, options: manifest.StringList(spec["goTemplateOptions"])}
	self := render.Target{Name: "argocd/applicationset/" + qualified(o.namespace(), o.name()), Engine: render.EngineArgoCD, DefinedBy: o.definedBy()}
	fail := func(format string, args ...any) []render.Target {
		self.Invalid = fmt.Sprintf(format, args...)
		return []render.Target{self}
	}
	for _, opt := range s.options {
		// text/template panics on any other option.
		if !slices.Contains([]string{"missingkey=default", "missingkey=invalid", "missingkey=zero", "missingkey=error"}, opt) {
			return fail("goTemplateOptions: unknown option %q", opt)
		}
	}
	generators := listOf(spec["generators"])
	if len(generators) == 0 {
		return fail("the ApplicationSet has no generators")
	}
	var targets []render.Target
	names := map[string]bool{}
	for i, g := range generators {
		gen := mapOf(g)
		params, err := s.generate(gen, nil, 0)
		var skip skipError
		if errors.As(err, &skip) {
			t := self
			t.Name += "[" + strconv.Itoa(i) + "]"
			t.Skipped = fmt.Sprintf("generators[%d]: %s", i, skip)
			targets = append(targets, t)
			continue
		}
		if err != nil {
			return fail("generators[%d]: %v", i, err)
		}
		tmpl := mapOf(spec["template"])
		if own := mapOf(gen["template"]); own != nil {
			merged := deepCopy(own).(map[string]any)
			if err := mergo.Merge(&merged, deepCopy(tmpl)); err != nil {
				return fail("generators[%d].template: %v", i, err)
			}
			tmpl = merged
		}
		for _, p := range params {
			app, err := s.application(tmpl, str(spec["templatePatch"]), p)
			if err != nil {
				return fail("generators[%d]: %v", i, err)
			}
			name := str(mapOf(app["metadata"])["name"])
			if name == "" {
				return fail("generators[%d]: the template gives an Application without a name", i)
			}
			if names[name] {
				return fail("generators[%d]: two Applications are named %s", i, name)
			}
			names[name] = true
			targets = append(targets, repo.argoTargets(application{name: name, namespace: o.namespace(), spec: mapOf(app["spec"]), definedBy: o.definedBy()})...)
		}
	}
	return targets
}

// application renders the template with one parameter set, then the
// templatePatch (always a Go template) as a merge patch over it. The
// Application's project cannot be patched.
func (s *appSet) application(tmpl map[string]any, patch string, params map[string]any) (map[string]any, error) {
	rendered, err := s.replace(tmpl, params)
	if err != nil {
		return nil, err
	}
	app := rendered.(map[string]any)
	if app == nil {
		app = map[string]any{}
	}
	if patch == "" {
		return app, nil
	}
	patched, err := (&appSet{goTemplate: true, options: s.options}).render(patch, params)
	if err != nil {
		return nil, fmt.Errorf("templatePatch: %w", err)
	}
	if strings.TrimSpace(patched) == "" {
		return app, nil // a patch made conditional on the parameters
	}
	patchJSON, err := yaml.YAMLToJSON([]byte(patched))
	if err != nil {
		return nil, fmt.Errorf("templatePatch: %w", err)
	}
	appJSON, err := json.Marshal(app)
	if err != nil {
		return nil, err
	}
	out, err := jsonpatch.MergePatch(appJSON, patchJSON)
	if err != nil {
		return nil, fmt.Errorf("templatePatch: %w", err)
	}
	var result map[string]any
	if err := json.Unmarshal(out, &result); err != nil {
		return nil, fmt.Errorf("templatePatch: %w", err)
	}
	if spec := mapOf(result["spec"]); spec != nil {
		if project, ok := mapOf(app["spec"])["project"]; ok {
			spec["project"] = project
		}
	}
	return result, nil
}

// generate runs one generator; parent, in a matrix, are the parameters of
// the first generator, interpolated into the second's fields.
func (s *appSet) generate(gen, parent map[string]any, depth int) ([]map[string]any, error) {
	if depth > maxGeneratorDepth {
		return nil, fmt.Errorf("matrix and merge generators nest deeper than %d", maxGeneratorDepth)
	}
	if len(parent) > 0 {
		interpolated, err := s.replace(gen, parent)
		if err != nil {
			return nil, err
		}
		gen = interpolated.(map[string]any)
	}
	var params []map[string]any
	var err error
	switch {
	case gen["list"] != nil:
		params, err = s.list(mapOf(gen["list"]))
	case gen["clusters"] != nil:
		params, err = s.clusters(mapOf(gen["clusters"]))
	case gen["git"] != nil:
		params, err = s.git(mapOf(gen["git"]))
	case gen["matrix"] != nil:
		params, err = s.matrix(mapOf(gen["matrix"]), depth)
	case gen["merge"] != nil:
		params, err = s.merge(mapOf(gen["merge"]), depth)
	default:
		for _, name := range unsupported {
			if gen[name] != nil {
				return nil, skipError(fmt.Sprintf("the %s generator needs an API and is not run offline", name))
			}
		}
		keys := slices.Sorted(maps.Keys(gen))
		return nil, fmt.Errorf("unknown generator %s", strings.Join(keys, ", "))
	}
	if err != nil {
		return nil, err
	}
	if len(params) > maxGenerated {
		return nil, fmt.Errorf("%w: the generator gives %d parameter sets, more than %d", manifest.ErrLimit, len(params), maxGenerated)
	}
	if sel := mapOf(gen["selector"]); sel != nil {
		return s.selectParams(sel, params)
	}
	return params, nil
}

// list is the list generator: each element a parameter set. Without
// goTemplate every value must be a string, and the "values" map is
// flattened to values.KEY.
func (s *appSet) list(g map[string]any) ([]map[string]any, error) {
	elements := listOf(g["elements"])
	if y := str(g["elementsYaml"]); y != "" {
		docs, err := manifest.Decode("elementsYaml", []byte(y), s.repo.opts.Limits)
		if err != nil {
			return nil, err
		}
		if len(docs) > 0 {
			elements = append(elements, listOf(docs[0].Value)...)
		}
	}
	var out []map[string]any
	for i, e := range elements {
		element, ok := e.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("list element %d is not a mapping", i)
		}
		if s.goTemplate {
			out = append(out, element)
			continue
		}
		params := map[string]any{}
		for k, v := range element {
			if k == "values" {
				for vk, vv := range mapOf(v) {
					sv, ok := vv.(string)
					if !ok {
						return nil, fmt.Errorf("list element %d: values.%s is not a string (set goTemplate: true for other types)", i, vk)
					}
					params["values."+vk] = sv
				}
				continue
			}
			sv, ok := v.(string)
			if !ok {
				return nil, fmt.Errorf("list element %d: %s is not a string (set goTemplate: true for other types)", i, k)
			}
			params[k] = sv
		}
		out = append(out, params)
	}
	return out, nil
}

// matrix is the matrix generator: the product of two generators, the
// second run once for each parameter set of the first, with those
// parameters interpolated into it.
func (s *appSet) matrix(g map[string]any, depth int) ([]map[string]any, error) {
	children := listOf(g["generators"])
	if len(children) != 2 {
		return nil, fmt.Errorf("a matrix generator needs exactly 2 generators, not %d", len(children))
	}
	first, err := s.generate(mapOf(children[0]), nil, depth+1)
	if err != nil {
		return nil, fmt.Errorf("matrix generators[0]: %w", err)
	}
	var out []map[string]any
	for _, a := range first {
		second, err := s.generate(mapOf(children[1]), a, depth+1)
		if err != nil {
			return nil, fmt.Errorf("matrix generators[1]: %w", err)
		}
		for _, b := range second {
			combined, err := s.combine(a, b)
			if err != nil {
				return nil, err
			}
			out = append(out, combined)
			if len(out) > maxGenerated {
				return nil, fmt.Errorf("%w: the matrix gives more than %d parameter sets", manifest.ErrLimit, maxGenerated)
			}
		}
	}
	return out, nil
}

// combine joins two parameter sets of a matrix: with goTemplate a deep
// merge where the first wins; without, a union that refuses a key with
// two values.
func (s *appSet) combine(a, b map[string]any) (map[string]any, error) {
	out := map[string]any{}
	if s.goTemplate {
		if err := mergo.Merge(&out, deepCopy(b), mergo.WithOverride); err != nil {
			return nil, err
		}
		if err := mergo.Merge(&out, deepCopy(a), mergo.WithOverride); err != nil {
			return nil, err
		}
		return out, nil
	}
	maps.Copy(out, a)
	for k, v := range b {
		if cur, ok := out[k]; ok && fmt.Sprint(cur) != fmt.Sprint(v) {
			return nil, fmt.Errorf("matrix: parameter %s has two values, %v and %v", k, cur, v)
		}
		out[k] = v
	}
	return out, nil
}

// merge is the merge generator: the parameter sets of the first
// generator, each overlaid with the set of every later generator that has
// the same values of mergeKeys. Sorted by those values.
func (s *appSet) merge(g map[string]any, depth int) ([]map[string]any, error) {
	children := listOf(g["generators"])
	keys := manifest.StringList(g["mergeKeys"])
	if len(children) < 2 {
		return nil, fmt.Errorf("a merge generator needs at least 2 generators, not %d", len(children))
	}
	if len(keys) == 0 {
		return nil, errors.New("a merge generator needs mergeKeys")
	}
	var base map[string]map[string]any
	for i, c := range children {
		params, err := s.generate(mapOf(c), nil, depth+1)
		if err != nil {
			return nil, fmt.Errorf("merge generators[%d]: %w", i, err)
		}
		byKey := map[string]map[string]any{}
		for _, p := range params {
			k := map[string]any{}
			for _, key := range keys {
				k[key] = p[key]
			}
			data, err := json.Marshal(k)
			if err != nil {
				return nil, err
			}
			if _, dup := byKey[string(data)]; dup {
				return nil, fmt.Errorf("merge generators[%d]: two parameter sets have the merge key %s", i, data)
			}
			byKey[string(data)] = p
		}
		if i == 0 {
			base = byKey
			continue
		}
		for k, p := range base {
			over, ok := byKey[k]
			if !ok {
				continue
			}
			if s.goTemplate {
				if err := mergo.Merge(&p, deepCopy(over), mergo.WithOverride); err != nil {
					return nil, err
				}
			} else {
				maps.Copy(p, over)
			}
			base[k] = p
		}
	}
	var out []map[string]any
	for _, k := range slices.Sorted(maps.Keys(base)) {
		out = append(out, base[k])
	}
	return out, nil
}

// selectParams keeps the parameter sets a generator's selector matches,
// on their flattened form.
func (s *appSet) selectParams(sel map[string]any, params []map[string]any) ([]map[string]any, error) {
	data, err := json.Marshal(sel)
	if err != nil {
		return nil, err
	}
	var ls metav1.LabelSelector
	if err := json.Unmarshal(data, &ls); err != nil {
		return nil, fmt.Errorf("selector: %w", err)
	}
	selector, err := metav1.LabelSelectorAsSelector(&ls)
	if err != nil {
		return nil, fmt.Errorf("selector: %w", err)
	}
	var out []map[string]any
	for _, p := range params {
		flat := map[string]string{}
		flatten("", p, flat)
		if selector.Matches(labels.Set(flat)) {
			out = append(out, p)
		}
	}
	return out, nil
}

// replace renders every string of v, keys included, with params.
func (s *appSet) replace(v any, params map[string]any) (any, error) {
	switch v := v.(type) {
	case string:
		return s.render(v, params)
	case map[string]any:
		out := make(map[string]any, len(v))
		for _, k := range slices.Sorted(maps.Keys(v)) {
			value, err := s.replace(v[k], params)
			if err != nil {
				return nil, err
			}
			key, err := s.render(k, params)
			if err != nil {
				return nil, err
			}
			out[key] = value
		}
		return out, nil
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			value, err := s.replace(e, params)
			if err != nil {
				return nil, err
			}
			out[i] = value
		}
		return out, nil
	}
	return v, nil
}

// templated is what a string must match for fasttemplate rendering to
// look at it, as the ApplicationSet controller checks.
var templated = regexp.MustCompile(`.*{{.*}}.*`)

// render renders one string: as a Go template with Sprig's functions and
// Argo CD's own when goTemplate is set; otherwise as fasttemplate does,
// each {{ name }} replaced by the string parameter of that name and left
// as written when there is none.
func (s *appSet) render(tmpl string, params map[string]any) (string, error) {
	if s.goTemplate {
		t, err := template.New("").Funcs(templateFuncs()).Parse(tmpl)
		if err != nil {
			return "", fmt.Errorf("failed to parse template %s: %w", tmpl, err)
		}
		t.Option(s.options...)
		var b bytes.Buffer
		if err := t.Execute(&b, params); err != nil {
			return "", fmt.Errorf("failed to execute go template %s: %w", tmpl, err)
		}
		return b.String(), nil
	}
	if !templated.MatchString(tmpl) {
		return tmpl, nil
	}
	var b strings.Builder
	rest := tmpl
	for {
		start := strings.Index(rest, "{{")
		if start < 0 {
			b.WriteString(rest)
			return b.String(), nil
		}
		b.WriteString(rest[:start])
		rest = rest[start+2:]
		end := strings.Index(rest, "}}")
		if end < 0 {
			return "", fmt.Errorf("invalid template %q: no }} after {{", tmpl)
		}
		tag := rest[:end]
		rest = rest[end+2:]
		value, ok := params[strings.TrimSpace(tag)].(string)
		if strings.TrimSpace(tag) == "" || !ok {
			value = "{{" + tag + "}}"
		}
		b.WriteString(value)
	}
}

// flatten writes the leaves of v under dotted keys, lists by index, as
// the ApplicationSet controller flattens parameters.
func flatten(prefix string, v any, out map[string]string) {
	join := func(k string) string {
		if prefix == "" {
			return k
		}
		return prefix + "." + k
	}
	switch v := v.(type) {
	case map[string]any:
		for k, e := range v {
			flatten(join(k), e, out)
		}
	case map[string]string:
		for k, e := range v {
			out[join(k)] = e
		}
	case []any:
		for i, e := range v {
			flatten(join(strconv.Itoa(i)), e, out)
		}
	default:
		out[prefix] = fmt.Sprint(v)
	}
}

// deepCopy copies decoded YAML, so that merges never change a template or
// parameter set shared with other Applications.
func deepCopy(v any) any {
	switch v := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			out[k] = deepCopy(e)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = deepCopy(e)
		}
		return out
	}
	return v
}

// sanitizeName makes a DNS name of s as Argo CD's normalize does.
func sanitizeName(s string) string {
	s = invalidDNS.ReplaceAllString(strings.ToLower(s), "-")
	if len(s) > 253 {
		s = s[:253]
	}
	return strings.Trim(s, "-.")
}

var invalidDNS = regexp.MustCompile(`[^-a-z0-9.]`)

// pathParams are the parameters of a repository path, for the git
// generators, under prefix: path, path.basename and the like.
func (s *appSet) pathParams(params map[string]any, prefix, dir, file string) {
	name := "path"
	if s.goTemplate {
		p := map[string]any{"path": dir, "basename": path.Base(dir), "basenameNormalized": sanitizeName(path.Base(dir)), "segments": toAny(strings.Split(dir, "/"))}
		if file != "" {
			p["filename"], p["filenameNormalized"] = path.Base(file), sanitizeName(path.Base(file))
		}
		if prefix != "" {
			params[prefix] = map[string]any{"path": p}
		} else {
			params["path"] = p
		}
		return
	}
	if prefix != "" {
		name = prefix + ".path"
	}
	params[name] = dir
	params[name+".basename"] = path.Base(dir)
	params[name+".basenameNormalized"] = sanitizeName(path.Base(dir))
	if file != "" {
		params[name+".filename"] = path.Base(file)
		params[name+".filenameNormalized"] = sanitizeName(path.Base(file))
	}
	for i, seg := range strings.Split(dir, "/") {
		if seg != "" {
			params[name+"["+strconv.Itoa(i)+"]"] = seg
		}
	}
}

// values adds a generator's values, each rendered with the parameters so
// far, as values.KEY (a values map with goTemplate).
func (s *appSet) values(values map[string]string, params map[string]any) error {
	rendered := map[string]string{}
	for _, k := range slices.Sorted(maps.Keys(values)) {
		v, err := s.render(values[k], params)
		if err != nil {
			return fmt.Errorf("values.%s: %w", k, err)
		}
		rendered[k] = v
	}
	if len(rendered) == 0 {
		return nil
	}
	if s.goTemplate {
		params["values"] = rendered
		return nil
	}
	for k, v := range rendered {
		params["values."+k] = v
	}
	return nil
}

// git is the git generator over this repository's tree: directories
// matching the patterns (path.Match, an exclude pattern wins), or the
// YAML/JSON files matching them (git's glob: "*" crosses "/"), each file
// giving one parameter set per object it holds. The revision is the one
// checked.
func (s *appSet) git(g map[string]any) ([]map[string]any, error) {
	url := str(g["repoURL"])
	if !s.repo.ours(url) {
		return nil, skipError(fmt.Sprintf("git generator repository %s is not this repository", url))
	}
	tr, err := s.repo.files()
	if err != nil {
		return nil, err
	}
	prefix := str(g["pathParamPrefix"])
	values := stringMap(g["values"])
	var out []map[string]any
	if dirs := listOf(g["directories"]); len(dirs) > 0 {
		for _, dir := range tr.dirs {
			include, exclude := false, false
			for _, d := range dirs {
				m := mapOf(d)
				ok, err := path.Match(str(m["path"]), dir)
				if err != nil {
					return nil, fmt.Errorf("directories: pattern %q: %w", str(m["path"]), err)
				}
				if ok && m["exclude"] == true {
					exclude = true
				} else if ok {
					include = true
				}
			}
			if !include || exclude {
				continue
			}
			params := map[string]any{}
			s.pathParams(params, prefix, dir, "")
			if err := s.values(values, params); err != nil {
				return nil, err
			}
			out = append(out, params)
		}
		return out, nil
	}
	var include, exclude []*glob.Pattern
	for _, f := range listOf(g["files"]) {
		m := mapOf(f)
		pattern, err := glob.Compile(str(m["path"]))
		if err != nil {
			return nil, fmt.Errorf("files: pattern %q: %w", str(m["path"]), err)
		}
		if m["exclude"] == true {
			exclude = append(exclude, pattern)
		} else {
			include = append(include, pattern)
		}
	}
	if len(include) == 0 {
		return nil, errors.New("a git generator needs directories or files")
	}
	matches := func(gs []*glob.Pattern, f string) bool {
		return slices.ContainsFunc(gs, func(g *glob.Pattern) bool { return g.Match(f) })
	}
	for _, file := range tr.files {
		if !matches(include, file) || matches(exclude, file) {
			continue
		}
		objects, err := s.repo.paramFile(file)
		if err != nil {
			return nil, err
		}
		for _, obj := range objects {
			params := map[string]any{}
			if s.goTemplate {
				maps.Copy(params, obj)
			} else {
				flat := map[string]string{}
				flatten("", obj, flat)
				for k, v := range flat {
					params[k] = v
				}
			}
			s.pathParams(params, prefix, path.Dir(file), file)
			if err := s.values(values, params); err != nil {
				return nil, err
			}
			out = append(out, params)
		}
	}
	return out, nil
}

func toAny(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}
