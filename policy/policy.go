// Package policy evaluates Rego policies against rendered objects in
// conftest's conventions: in each policy package (main by default), the
// rules deny, violation and warn, and any rule named deny_*, violation_* or
// warn_*, are sets of messages (strings, or objects with a msg) about the
// object given as input.
//
// Gatekeeper ConstraintTemplates and Constraints, in the policy
// directories or among the rendered objects, are evaluated offline as the
// admission webhook would (see gatekeeper.go); their findings carry the
// rule ID policy/gatekeeper/<constraint kind>/<constraint name>.
//
// Cross-object rules see every object of the render target being checked
// at data.syncgate.objects: a list of the objects as decoded, in render
// order. A Service rule can so ask whether any pod template matches its
// selector.
//
// Change policies, in package change (and the bundled library's under
// syncgate.changes), follow the same conventions but are given one
// object's change: input.operation, input.old, input.new and
// input.target (see ChangePackage and Engine.EvaluateChanges).
//
// A # METADATA block on a rule (or its package) names the rule: title,
// description, custom.id (the rule ID findings carry instead of
// policy/<package>/<rule>), custom.severity (error, warning or info,
// instead of the severity the rule's name implies) and custom.remediation.
//
// The bundled library (package rego of this module) is compiled with the
// user's policies when Options.Bundled is set; its checks live in packages
// under syncgate.checks and are evaluated whatever Options.Namespaces say.
//
// Policies may come from the repository under review, so evaluation is
// hardened: no builtin that reaches the network or the environment or
// depends on the time or chance compiles; a builtin error inside a rule
// fails the check instead of leaving the rule undefined; every evaluation
// has a deadline; print output goes to Options.Logger, never to stdout.
//
// OPA has no bound on the memory one evaluation takes, and Go cannot tell
// which goroutine holds which memory, so this package bounds none: a caller
// that evaluates untrusted policies runs them in a process of their own
// with a memory limit, as syncgate's render workers do.
package policy

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"maps"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"

	"github.com/syncgate/syncgate/manifest"
	bundled "github.com/syncgate/syncgate/rego"
)

// Options configure an Engine.
type Options struct {
	// Dirs are directories of policies (.rego files, and Gatekeeper
	// templates and constraints in .yaml files), read from FS.
	Dirs []string
	// FS is the file system Dirs name paths in, such as a repository's;
	// nil means the local disk.
	FS fs.FS
	// Namespaces are the policy packages evaluated; empty means main, as
	// in conftest.
	Namespaces []string
	// AllNamespaces evaluates every package of the policy directories
	// instead of Namespaces, as conftest's --all-namespaces does.
	AllNamespaces bool
	// RegoVersion is the syntax of the policy files, as conftest's
	// --rego-version: "v1" (the default) or "v0". The bundled library is
	// v1 whatever it says.
	RegoVersion string
	// Bundled adds syncgate's bundled library of checks.
	Bundled bool
	// Timeout bounds the evaluation of one object; zero means
	// DefaultTimeout.
	Timeout time.Duration
	// MaxFileBytes bounds one policy file; zero means 1 MiB.
	MaxFileBytes int64
	// Jobs is how many objects are evaluated at once; zero means GOMAXPROCS.
	Jobs int
	// Logger receives the output of print() calls in policies, at debug
	// level; nil discards it.
	Logger *slog.Logger
}

// DefaultTimeout bounds one object's evaluation when Options leave it zero.
const DefaultTimeout = 5 * time.Second

// DefaultOptions evaluate package main and the bundled library.
func DefaultOptions() Options {
	return Options{Bundled: true}
}

// bundledDir prefixes the names of the bundled library's files.
const bundledDir = "rego/"

// bundledPrefix is the package under which the bundled checks live.
const bundledPrefix = "syncgate.checks"

// refused are the builtins a check may not use: they reach the network
// or the environment, or give a different answer from run to run.
var refused = []string{
	"http.send", "net.lookup_ip_addr", "opa.runtime",
	"time.now_ns", "rand.intn", "uuid.rfc4122", "trace",
}

// Engine holds compiled policies. It is safe for concurrent use.
type Engine struct {
	queries []namespaceQuery // sorted by namespace; the bundled one last
	changes []namespaceQuery // the change package, then the bundled change policies
	rules   map[string]Rule  // by annotated path, see ruleMeta
	gk      *gatekeeper
	opts    Options
	ids     []string // every rule ID the engine can report, sorted
}

// namespaceQuery evaluates one package, or with nested set the deny rules
// of every package below it (the bundled library) in one evaluation.
type namespaceQuery struct {
	namespace string
	nested    bool
	query     rego.PreparedEvalQuery
}

// Load compiles every .rego file (but _test.rego files) under opts.Dirs,
// and the bundled library when opts.Bundled is set. Errors name the file
// and line.
func Load(ctx context.Context, opts Options) (*Engine, error) {
	if len(opts.Namespaces) == 0 {
		opts.Namespaces = []string{"main"}
	}
	opts.Timeout = cmp.Or(opts.Timeout, DefaultTimeout)
	if opts.MaxFileBytes <= 0 {
		opts.MaxFileBytes = 1 << 20
	}
	if opts.Jobs <= 0 {
		opts.Jobs = runtime.GOMAXPROCS(0)
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if err := checkRegoVersion(opts.RegoVersion); err != nil {
		return nil, err
	}
	modules, err := loadModules(opts, false)
	if err != nil {
		return nil, err
	}
	compiler := newCompiler()
	if compiler.Compile(modules); compiler.Failed() {
		return nil, compileError(compiler.Errors)
	}
	e := &Engine{opts: opts}
	if e.rules, err = ruleMeta(compiler); err != nil {
		return nil, err
	}
	if e.gk, err = loadGatekeeper(ctx, opts); err != nil {
		return nil, err
	}
	namespaces := slices.Sorted(slices.Values(opts.Namespaces))
	if opts.AllNamespaces {
		namespaces = userPackages(modules)
	}
	// The change package is given changes, not objects.
	namespaces = slices.DeleteFunc(slices.Compact(namespaces), func(ns string) bool { return ns == ChangePackage })
	for _, ns := range namespaces {
		if err := e.prepare(ctx, compiler, ns, false); err != nil {
			return nil, err
		}
	}
	if err := e.prepareChanges(ctx, compiler, modules); err != nil {
		return nil, err
	}
	e.ids = e.ruleIDs(modules, append(slices.Clone(namespaces), ChangePackage))
	if opts.Bundled {
		if err := e.prepare(ctx, compiler, bundledPrefix, true); err != nil {
			return nil, err
		}
	}
	return e, nil
}

func (e *Engine) prepare(ctx context.Context, compiler *ast.Compiler, ns string, nested bool) error {
	q, err := prepareQuery(ctx, compiler, ns, nested)
	if err != nil {
		return err
	}
	e.queries = append(e.queries, q)
	return nil
}

// prepareQuery prepares the evaluation of package ns, or with nested set
// of the deny rules of every package below it.
func prepareQuery(ctx context.Context, compiler *ast.Compiler, ns string, nested bool) (namespaceQuery, error) {
	// Only the rules findings come from: evaluating whole packages would
	// compute, and convert to Go, every helper rule too. The bundled
	// checks report their deny rules (severity comes from METADATA).
	var query string
	if nested {
		query = "{pkg: {\"deny\": d} | some pkg; d := data." + ns + "[pkg].deny}"
	} else {
		query = "{name: v | name := " + reportedRules(compiler, ns) + "[_]; v := data." + ns + "[name]}"
	}
	q, err := rego.New(
		rego.Query(query),
		rego.Compiler(compiler),
		rego.StrictBuiltinErrors(true),
		rego.EnablePrintStatements(true),
	).PrepareForEval(ctx)
	if err != nil {
		return namespaceQuery{}, fmt.Errorf("policy namespace %q: %w", ns, err)
	}
	return namespaceQuery{ns, nested, q}, nil
}

// reportedRules is a Rego array of the names of package ns's rules that
// findings come from (deny, warn, violation, their _name forms) and its
// exceptions.
func reportedRules(compiler *ast.Compiler, ns string) string {
	names := map[string]bool{}
	for _, m := range compiler.Modules {
		if m.Package.Path.String() != "data."+ns {
			continue
		}
		for _, r := range m.Rules {
			name := ruleHeadName(r)
			if _, ok := ruleSeverity(name); ok || name == "exception" {
				names[name] = true
			}
		}
	}
	terms := make([]*ast.Term, 0, len(names))
	for _, name := range slices.Sorted(maps.Keys(names)) {
		terms = append(terms, ast.StringTerm(name))
	}
	return ast.ArrayTerm(terms...).String()
}

// ruleHeadName is the name a rule defines: the first part of a ref head
// (deny contains msg), or the plain name.
func ruleHeadName(r *ast.Rule) string {
	if len(r.Head.Reference) > 0 {
		return r.Head.Reference[0].String()
	}
	return r.Head.Name.String()
}

func checkRegoVersion(v string) error {
	switch v {
	case "", "v1", "v0":
		return nil
	}
	return fmt.Errorf("policy: unknown Rego version %q: want v0 or v1", v)
}

// newCompiler returns a compiler without the refused builtins, strict,
// that keeps print() calls and rule annotations.
func newCompiler() *ast.Compiler {
	return ast.NewCompiler().
		WithCapabilities(capabilities()).
		WithStrict(true).
		WithEnablePrintStatements(true)
}

func capabilities() *ast.Capabilities {
	caps := ast.CapabilitiesForThisVersion()
	caps.Builtins = slices.DeleteFunc(slices.Clone(caps.Builtins), func(b *ast.Builtin) bool {
		return slices.Contains(refused, b.Name)
	})
	return caps
}

// loadModules parses the policy files under opts.Dirs, and the bundled
// library when opts.Bundled is set; with tests set it parses _test.rego
// files too.
func loadModules(opts Options, tests bool) (map[string]*ast.Module, error) {
	modules := map[string]*ast.Module{}
	if opts.Bundled {
		if err := loadBundled(tests, modules); err != nil {
			return nil, err
		}
	}
	version := ast.RegoV1
	if opts.RegoVersion == "v0" {
		version = ast.RegoV0
	}
	err := walkPolicies(opts, func(file string, data []byte) error {
		if !wanted(file, tests) {
			return nil
		}
		return parse(file, data, version, modules)
	})
	return modules, err
}

// userPackages are the packages of the policy files, sorted, but the
// bundled library's.
func userPackages(modules map[string]*ast.Module) []string {
	var pkgs []string
	for file, m := range modules {
		if !strings.HasPrefix(file, bundledDir) {
			pkgs = append(pkgs, strings.TrimPrefix(m.Package.Path.String(), "data."))
		}
	}
	slices.Sort(pkgs)
	return pkgs
}

// wanted tells policy files (and, with tests set, test files) apart from
// everything else in a policy directory.
func wanted(name string, tests bool) bool {
	return strings.HasSuffix(name, ".rego") && (tests || !strings.HasSuffix(name, "_test.rego"))
}

// loadBundled parses the embedded library. Its files are named rego/...,
// as in this repository, so that errors and test results point at them.
func loadBundled(tests bool, modules map[string]*ast.Module) error {
	return fs.WalkDir(bundled.FS, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !wanted(p, tests) {
			return err
		}
		data, err := fs.ReadFile(bundled.FS, p)
		if err != nil {
			return err
		}
		return parse(bundledDir+p, data, ast.RegoV1, modules)
	})
}

// walkPolicies calls fn with the name and content of every regular .rego,
// .yaml and .yml file under opts.Dirs, each read within opts.MaxFileBytes.
func walkPolicies(opts Options, fn func(file string, data []byte) error) error {
	for _, dir := range opts.Dirs {
		fsys, join := os.DirFS(dir), filepath.Join
		if opts.FS != nil {
			sub, err := fs.Sub(opts.FS, path.Clean(dir))
			if err != nil {
				return fmt.Errorf("%s: %w", dir, err)
			}
			fsys, join = sub, path.Join
		}
		err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
			file := join(dir, p)
			if err != nil {
				return fmt.Errorf("%s: %w", file, err)
			}
			if d.IsDir() || !policyFile(p) {
				return nil
			}
			// A policy directory may sit in the repository under review: a
			// link could show another file's content in a parse error.
			if !d.Type().IsRegular() {
				return &manifest.SourceError{File: file, Err: errors.New("not a regular file: policies are read only from regular files")}
			}
			data, err := readBounded(fsys, p, file, opts.MaxFileBytes)
			if err != nil {
				return err
			}
			return fn(file, data)
		})
		if err != nil {
			return err
		}
	}
	return nil
}

func policyFile(name string) bool {
	switch path.Ext(name) {
	case ".rego", ".yaml", ".yml":
		return true
	}
	return false
}

func parse(file string, data []byte, version ast.RegoVersion, modules map[string]*ast.Module) error {
	m, err := ast.ParseModuleWithOpts(file, string(data), ast.ParserOptions{RegoVersion: version, ProcessAnnotation: true})
	if err != nil {
		return compileError(err)
	}
	modules[file] = m
	return nil
}

// compileError turns OPA's errors into SourceErrors with file and line.
func compileError(err error) error {
	var astErrs ast.Errors
	if !errors.As(err, &astErrs) {
		return err
	}
	errs := make([]error, 0, len(astErrs))
	for _, e := range astErrs {
		se := &manifest.SourceError{Err: errors.New(e.Message)}
		if e.Location != nil {
			se.File, se.Line = e.Location.File, e.Location.Row
		}
		errs = append(errs, se)
	}
	return errors.Join(errs...)
}

// readBounded reads name of fsys, refusing a file over maxBytes; file is
// how errors name it.
func readBounded(fsys fs.FS, name, file string, maxBytes int64) ([]byte, error) {
	info, err := fs.Stat(fsys, name)
	if err != nil {
		return nil, err
	}
	if info.Size() > maxBytes {
		return nil, &manifest.SourceError{File: file, Err: fmt.Errorf("%w: policy file is %d bytes, the limit is %d", manifest.ErrLimit, info.Size(), maxBytes)}
	}
	return fs.ReadFile(fsys, name)
}
