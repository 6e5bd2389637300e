package main

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"text/template"
)

//go:embed dump.go.tmpl
var dumpSource string

var dumpTemplate = template.Must(template.New("dump").Parse(dumpSource))

// apiModules are the modules whose types make a schema set; all are
// released in lockstep as v0.MINOR.PATCH.
var apiModules = []string{"k8s.io/api", "k8s.io/apimachinery", "k8s.io/apiextensions-apiserver", "k8s.io/kube-aggregator"}

// sourceRoots are the directories, per module, searched for packages to feed
// openapi-gen (tagged +k8s:openapi-gen=true) and, among them, the versioned
// API packages registered in the scheme (they have a register.go).
var sourceRoots = []struct {
	module, dir string
	register    bool
}{
	{"k8s.io/api", ".", true},
	{"k8s.io/apimachinery", "pkg", false},
	{"k8s.io/apiextensions-apiserver", "pkg/apis", true},
	{"k8s.io/kube-aggregator", "pkg/apis", true},
}

const dumpModule = "schemadump"

// generate writes out/MINOR.json.gz for one minor and returns its size and
// the source it was made from. With a dumps directory, the dump program's
// output is kept there and reused by the next run.
func generate(ctx context.Context, out, dumps, minor, openapi string) (int, string, error) {
	d, err := loadDump(dumps, minor)
	if err != nil {
		return 0, "", err
	}
	if d == nil {
		if d, err = runDump(ctx, minor, openapi); err != nil {
			return 0, "", err
		}
		if err := saveDump(dumps, minor, d); err != nil {
			return 0, "", err
		}
	}
	set, err := convertSet(minor, d.Source, d.Output)
	if err != nil {
		return 0, "", err
	}
	data, err := encodeSet(set)
	if err != nil {
		return 0, "", err
	}
	if err := os.WriteFile(filepath.Join(out, minor+".json.gz"), data, 0o644); err != nil {
		return 0, "", err
	}
	return len(data), d.Source, nil
}

// dump is the dump program's output for one minor and the version of the
// modules it ran on.
type dump struct {
	Source string          `json:"source"`
	Output json.RawMessage `json:"output"`
}

// runDump resolves the minor's newest patch, builds the temporary module,
// runs openapi-gen and the dump program in it, and removes it.
func runDump(ctx context.Context, minor, openapi string) (*dump, error) {
	dir, err := os.MkdirTemp("", "schemagen-"+minor+"-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	m := &tempModule{ctx: ctx, dir: dir}

	if _, err := m.goCmd("mod", "init", dumpModule); err != nil {
		return nil, err
	}
	version, err := m.newestPatch(minor)
	if err != nil {
		return nil, err
	}
	source := "k8s.io/api " + version
	get := []string{"get"}
	for _, mod := range apiModules {
		get = append(get, mod+"@"+version)
	}
	if _, err := m.goCmd(append(get, openapi)...); err != nil {
		return nil, err
	}
	inputs, groups, err := m.findPackages()
	if err != nil {
		return nil, err
	}
	if err := m.openapiGen(openapi, inputs); err != nil {
		return nil, err
	}
	raw, err := m.dump(source, groups)
	if err != nil {
		return nil, err
	}
	return &dump{Source: source, Output: raw}, nil
}

func dumpPath(dumps, minor string) string {
	return filepath.Join(dumps, minor+".dump.json")
}

// loadDump returns the kept dump of a minor, or nil when there is none.
func loadDump(dumps, minor string) (*dump, error) {
	if dumps == "" {
		return nil, nil
	}
	b, err := os.ReadFile(dumpPath(dumps, minor))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var d dump
	if err := json.Unmarshal(b, &d); err != nil {
		return nil, fmt.Errorf("%s: %w", dumpPath(dumps, minor), err)
	}
	return &d, nil
}

func saveDump(dumps, minor string, d *dump) error {
	if dumps == "" {
		return nil
	}
	if err := os.MkdirAll(dumps, 0o755); err != nil {
		return err
	}
	b, err := json.Marshal(d)
	if err != nil {
		return err
	}
	return os.WriteFile(dumpPath(dumps, minor), b, 0o644)
}

type tempModule struct {
	ctx context.Context
	dir string
}

// goCmd runs the go command in the temporary module and returns its stdout.
// -mod=mod lets it record the checksums of the modules it loads.
func (m *tempModule) goCmd(args ...string) ([]byte, error) {
	cmd := exec.CommandContext(m.ctx, "go", args...)
	cmd.Dir = m.dir
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOWORK=off")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("go %s: %w\n%s", strings.Join(args, " "), err, tail(stderr.String(), 4000))
	}
	return stdout.Bytes(), nil
}

var releaseVersion = regexp.MustCompile(`^v0\.(\d+)\.(\d+)$`)

// newestPatch asks the module proxy for the newest released k8s.io/api
// v0.MINOR.y of Kubernetes 1.MINOR.
func (m *tempModule) newestPatch(minor string) (string, error) {
	want, ok := strings.CutPrefix(minor, "1.")
	if !ok {
		return "", fmt.Errorf("minor %q: want 1.NN", minor)
	}
	out, err := m.goCmd("list", "-m", "-versions", "k8s.io/api")
	if err != nil {
		return "", err
	}
	fields := strings.Fields(string(out))
	if len(fields) < 2 {
		return "", fmt.Errorf("the module proxy lists no versions of k8s.io/api")
	}
	best, bestPatch := "", -1
	for _, v := range fields[1:] {
		sub := releaseVersion.FindStringSubmatch(v)
		if sub == nil || sub[1] != want {
			continue
		}
		if patch, _ := strconv.Atoi(sub[2]); patch > bestPatch {
			best, bestPatch = v, patch
		}
	}
	if best == "" {
		return "", fmt.Errorf("no released k8s.io/api v0.%s.y on the module proxy", want)
	}
	return best, nil
}

type group struct{ Alias, Path string }

// findPackages walks the source roots of the required modules: every package
// tagged for openapi-gen is an input, every versioned one with a register.go
// is a group to register in the scheme.
func (m *tempModule) findPackages() (inputs []string, groups []group, err error) {
	for _, root := range sourceRoots {
		out, err := m.goCmd("list", "-m", "-f", "{{.Dir}}", root.module)
		if err != nil {
			return nil, nil, err
		}
		modDir := strings.TrimSpace(string(out))
		err = filepath.WalkDir(filepath.Join(modDir, root.dir), func(path string, d fs.DirEntry, err error) error {
			if err != nil || !d.IsDir() {
				return err
			}
			if d.Name() == "testdata" {
				return filepath.SkipDir
			}
			rel, err := filepath.Rel(modDir, path)
			if err != nil {
				return err
			}
			pkg := root.module
			if rel != "." {
				pkg += "/" + filepath.ToSlash(rel)
			}
			tagged, err := openapiTagged(path)
			if err != nil || !tagged {
				return err
			}
			inputs = append(inputs, pkg)
			if _, err := os.Stat(filepath.Join(path, "register.go")); err == nil && root.register && versionDir.MatchString(d.Name()) {
				groups = append(groups, group{Path: pkg})
			}
			return nil
		})
		if err != nil {
			return nil, nil, err
		}
	}
	sort.Strings(inputs)
	sort.Slice(groups, func(i, j int) bool { return groups[i].Path < groups[j].Path })
	for i := range groups {
		groups[i].Alias = fmt.Sprintf("group%02d", i)
	}
	if len(groups) == 0 {
		return nil, nil, fmt.Errorf("no API packages with register.go found")
	}
	return inputs, groups, nil
}

var versionDir = regexp.MustCompile(`^v\d+((alpha|beta)\d+)?$`)

// openapiTagged reports whether a non-test Go file in dir carries the
// +k8s:openapi-gen=true tag, as Kubernetes' own codegen scripts select
// openapi-gen inputs.
func openapiTagged(dir string) (bool, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		return false, err
	}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			return false, err
		}
		if bytes.Contains(b, []byte("+k8s:openapi-gen=true")) {
			return true, nil
		}
	}
	return false, nil
}

// openapiGen runs kube-openapi's openapi-gen over the input packages into
// the temporary module's openapi package. API rule violations go to a report
// file: they are the upstream types' business, not a reason to fail.
func (m *tempModule) openapiGen(openapi string, inputs []string) error {
	header := filepath.Join(m.dir, "boilerplate.go.txt")
	if err := os.WriteFile(header, nil, 0o644); err != nil {
		return err
	}
	args := []string{"run", strings.Replace(openapi, "@", "/cmd/openapi-gen@", 1),
		"--output-dir", filepath.Join(m.dir, "openapi"),
		"--output-pkg", dumpModule + "/openapi",
		"--output-file", "zz_generated.openapi.go",
		"--go-header-file", header,
		"--report-filename", filepath.Join(m.dir, "violations.txt"),
	}
	_, err := m.goCmd(append(args, inputs...)...)
	return err
}

// dump writes the dump program into the temporary module, runs it and
// returns its JSON output.
func (m *tempModule) dump(source string, groups []group) ([]byte, error) {
	var src bytes.Buffer
	err := dumpTemplate.Execute(&src, map[string]any{
		"Source":         source,
		"OpenAPIPackage": dumpModule + "/openapi",
		"Groups":         groups,
	})
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(m.dir, "main.go"), src.Bytes(), 0o644); err != nil {
		return nil, err
	}
	if _, err := m.goCmd("mod", "tidy"); err != nil {
		return nil, err
	}
	return m.goCmd("run", ".")
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}
