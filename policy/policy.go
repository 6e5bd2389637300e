// Package policy evaluates Rego policies against rendered objects in
// conftest's conventions: in each policy package (main by default), the
// rules deny, violation and warn, and any rule named deny_*, violation_* or
// warn_*, are sets of messages (strings, or objects with a msg) about the
// object given as input.
//
// Policies may come from the repository under review, so evaluation is
// hardened: no builtin that reaches the network or the environment or
// depends on the time or chance compiles; a builtin error inside a rule
// fails the check instead of leaving the rule undefined; every evaluation
// has a deadline.
package policy

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"

	"github.com/syncgate/syncgate/internal/redact"
	"github.com/syncgate/syncgate/manifest"
)

// Options configure an Engine.
type Options struct {
	// Namespaces are the policy packages evaluated; empty means main, as
	// in conftest.
	Namespaces []string
	// Timeout bounds the evaluation of one object; zero means 5 seconds.
	Timeout time.Duration
	// MaxFileBytes bounds one policy file; zero means 1 MiB.
	MaxFileBytes int64
}

// refused are the builtins a check may not use: they reach the network
// or the environment, or give a different answer from run to run.
var refused = []string{
	"http.send", "net.lookup_ip_addr", "opa.runtime",
	"time.now_ns", "rand.intn", "uuid.rfc4122", "trace",
}

// Engine holds compiled policies. It is safe for concurrent use.
type Engine struct {
	queries []namespaceQuery // sorted by namespace
	opts    Options
}

type namespaceQuery struct {
	namespace string
	query     rego.PreparedEvalQuery
}

// Load compiles every .rego file (but _test.rego files) under dirs.
// Errors name the file and line.
func Load(ctx context.Context, dirs []string, opts Options) (*Engine, error) {
	if len(opts.Namespaces) == 0 {
		opts.Namespaces = []string{"main"}
	}
	opts.Timeout = cmp.Or(opts.Timeout, 5*time.Second)
	if opts.MaxFileBytes <= 0 {
		opts.MaxFileBytes = 1 << 20
	}
	modules := map[string]*ast.Module{}
	for _, dir := range dirs {
		if err := loadDir(dir, opts.MaxFileBytes, modules); err != nil {
			return nil, err
		}
	}
	caps := ast.CapabilitiesForThisVersion()
	caps.Builtins = slices.DeleteFunc(slices.Clone(caps.Builtins), func(b *ast.Builtin) bool {
		return slices.Contains(refused, b.Name)
	})
	compiler := ast.NewCompiler().WithCapabilities(caps).WithStrict(true)
	if compiler.Compile(modules); compiler.Failed() {
		return nil, compileError(compiler.Errors)
	}
	e := &Engine{opts: opts}
	for _, ns := range slices.Sorted(slices.Values(opts.Namespaces)) {
		q, err := rego.New(
			rego.Query("data."+ns),
			rego.Compiler(compiler),
			rego.StrictBuiltinErrors(true),
		).PrepareForEval(ctx)
		if err != nil {
			return nil, fmt.Errorf("policy namespace %q: %w", ns, err)
		}
		e.queries = append(e.queries, namespaceQuery{ns, q})
	}
	return e, nil
}

func loadDir(dir string, maxBytes int64, modules map[string]*ast.Module) error {
	return filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || !strings.HasSuffix(p, ".rego") || strings.HasSuffix(p, "_test.rego") {
			return nil
		}
		// A policy directory may sit in the repository under review: a
		// link could show another file's content in a parse error.
		if !d.Type().IsRegular() {
			return &manifest.SourceError{File: p, Err: errors.New("not a regular file: policies are read only from regular files")}
		}
		data, err := readBounded(p, maxBytes)
		if err != nil {
			return err
		}
		m, err := ast.ParseModuleWithOpts(p, string(data), ast.ParserOptions{RegoVersion: ast.RegoV1})
		if err != nil {
			return compileError(err)
		}
		modules[p] = m
		return nil
	})
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

// Evaluate runs every namespace's rules against each object and returns
// their findings, and a policy/eval-error finding wherever evaluation
// failed: a failing check blocks, it never passes silently.
func (e *Engine) Evaluate(ctx context.Context, objects []*manifest.Object) []manifest.Finding {
	var findings []manifest.Finding
	for _, obj := range objects {
		for _, q := range e.queries {
			findings = append(findings, e.evaluate(ctx, q, obj)...)
		}
	}
	return findings
}

func (e *Engine) evaluate(ctx context.Context, q namespaceQuery, obj *manifest.Object) []manifest.Finding {
	ns := q.namespace
	ctx, cancel := context.WithTimeout(ctx, e.opts.Timeout)
	defer cancel()
	rs, err := q.query.Eval(ctx, rego.EvalInput(obj.Content))
	if err != nil {
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			err = fmt.Errorf("evaluation went over its %s deadline", e.opts.Timeout)
		}
		return []manifest.Finding{finding(obj, "policy/eval-error", manifest.SeverityError, secretsOf(obj).Redact(fmt.Sprintf("policy package %s: %v", ns, err)))}
	}
	if len(rs) == 0 || len(rs[0].Expressions) == 0 {
		return nil
	}
	doc, _ := rs[0].Expressions[0].Value.(map[string]any)
	var findings []manifest.Finding
	for _, rule := range slices.Sorted(maps.Keys(doc)) {
		severity, ok := ruleSeverity(rule)
		if !ok {
			continue
		}
		results, ok := doc[rule].([]any)
		if !ok {
			findings = append(findings, finding(obj, "policy/eval-error", manifest.SeverityError, fmt.Sprintf("policy package %s: rule %s is not a set of messages", ns, rule)))
			continue
		}
		for _, r := range results {
			findings = append(findings, finding(obj, "policy/"+ns+"/"+rule, severity, message(r)))
		}
	}
	return findings
}

// ruleSeverity tells conftest's rule names apart: deny and violation
// block, warn warns, anything else is a helper.
func ruleSeverity(rule string) (manifest.Severity, bool) {
	prefix, _, _ := strings.Cut(rule, "_")
	switch prefix {
	case "deny", "violation":
		return manifest.SeverityError, true
	case "warn":
		return manifest.SeverityWarning, true
	}
	return "", false
}

// message is a rule result: a string, or an object whose msg is one.
func message(r any) string {
	switch v := r.(type) {
	case string:
		return v
	case map[string]any:
		if msg, ok := v["msg"].(string); ok {
			return msg
		}
	}
	return fmt.Sprint(r)
}

func finding(obj *manifest.Object, rule string, sev manifest.Severity, msg string) manifest.Finding {
	ref := obj.Ref()
	return manifest.Finding{Rule: rule, Severity: sev, Message: msg, Target: obj.Origin.Target,
		Object: &ref, File: obj.Origin.File, Line: obj.Origin.Line}
}

// secretsOf collects the values of obj an error message must not show:
// a Secret's data, and values under secret-sounding keys of any object.
func secretsOf(obj *manifest.Object) *redact.Set {
	var s redact.Set
	s.AddSensitive(obj.Content)
	if obj.Kind == "Secret" {
		for _, field := range []string{"data", "stringData"} {
			if m, ok := obj.Content[field].(map[string]any); ok {
				for _, v := range m {
					if str, ok := v.(string); ok {
						s.Add(str)
					}
				}
			}
		}
	}
	return &s
}

func readBounded(file string, maxBytes int64) ([]byte, error) {
	info, err := os.Stat(file)
	if err != nil {
		return nil, err
	}
	if info.Size() > maxBytes {
		return nil, &manifest.SourceError{File: file, Err: fmt.Errorf("%w: policy file is %d bytes, the limit is %d", manifest.ErrLimit, info.Size(), maxBytes)}
	}
	return os.ReadFile(file)
}
