package policy

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/resolver"
	"github.com/open-policy-agent/opa/v1/topdown/print"

	"github.com/syncgate/syncgate/internal/parallel"
	"github.com/syncgate/syncgate/internal/redact"
	"github.com/syncgate/syncgate/manifest"
)

// syncgateRef is where policies find every object of the target.
var syncgateRef = ast.MustParseRef("data.syncgate.objects")

// Evaluate runs every namespace's rules against each object and returns
// their findings, and a policy/eval-error finding wherever evaluation
// failed: a failing check blocks, it never passes silently. objects are
// one render target's: rules see all of them at data.syncgate.objects.
// Objects are evaluated in parallel; the findings come in object order.
func (e *Engine) Evaluate(ctx context.Context, objects []*manifest.Object) []manifest.Finding {
	return e.EvaluateWithSecrets(ctx, objects, nil)
}

// EvaluateWithSecrets is Evaluate for objects that hold secret values no
// object shows as such, as variables substituted from a Secret: neither
// findings nor print output show them.
func (e *Engine) EvaluateWithSecrets(ctx context.Context, objects []*manifest.Object, secrets []string) []manifest.Finding {
	contents := make([]any, len(objects))
	for i, obj := range objects {
		contents[i] = obj.Content
	}
	all, err := ast.InterfaceToValue(contents)
	if err != nil {
		// Decoded YAML always converts; an object that does not is a bug
		// worth blocking on rather than a silent pass.
		f := make([]manifest.Finding, 0, len(objects))
		for _, obj := range objects {
			f = append(f, finding(obj, RuleEvalError, manifest.SeverityError, "objects of the target: "+err.Error()))
		}
		return f
	}
	t := &targetEval{
		everything: rego.EvalResolver(syncgateRef, constant{all}),
		secrets:    &targetSecrets{objects: objects, extra: secrets},
		gk:         e.gk.forTarget(ctx, objects),
	}
	results := make([][]manifest.Finding, len(objects))
	parallel.Do(len(objects), e.opts.Jobs, func(i int) {
		input := all.(*ast.Array).Elem(i).Value
		results[i] = append(e.evaluateObject(ctx, objects[i], input, t), t.gk.evaluate(ctx, e, objects[i], t.secrets)...)
	})
	findings := slices.Concat(append(results, t.gk.errs)...)
	// A rule may quote any object of the target in its message, a
	// Secret's data included: no message leaves with a secret value.
	for i := range findings {
		findings[i].Message = t.secrets.Redact(findings[i].Message)
	}
	return findings
}

// targetEval is what every evaluation of one target's objects shares.
type targetEval struct {
	everything rego.EvalOption // data.syncgate.objects
	secrets    *targetSecrets  // secret values of every object
	gk         *gatekeeperRun
}

// evaluateObject runs every namespace's rules against one object; input
// is obj.Content as converted for data.syncgate.objects, converted once.
func (e *Engine) evaluateObject(ctx context.Context, obj *manifest.Object, input ast.Value, t *targetEval) []manifest.Finding {
	var findings []manifest.Finding
	for _, q := range e.queries {
		findings = append(findings, e.evaluate(ctx, q, obj, input, t)...)
	}
	return findings
}

func (e *Engine) evaluate(ctx context.Context, q namespaceQuery, obj *manifest.Object, input ast.Value, t *targetEval) []manifest.Finding {
	rs, err := e.eval(ctx, q.query, rego.EvalParsedInput(input), t.everything,
		rego.EvalPrintHook(printer{e.opts.Logger, obj, t.secrets}))
	if err != nil {
		return []manifest.Finding{finding(obj, RuleEvalError, manifest.SeverityError, fmt.Sprintf("policy package %s: %v", q.namespace, err))}
	}
	return e.resultFindings(q, rs, obj)
}

// resultFindings turns the result of evaluating q into findings on obj:
// one package's rules, or with q.nested those of every package below it.
func (e *Engine) resultFindings(q namespaceQuery, rs rego.ResultSet, obj *manifest.Object) []manifest.Finding {
	if len(rs) == 0 || len(rs[0].Expressions) == 0 {
		return nil
	}
	doc, _ := rs[0].Expressions[0].Value.(map[string]any)
	if !q.nested {
		return e.packageFindings(q.namespace, doc, obj)
	}
	var findings []manifest.Finding
	for _, pkg := range slices.Sorted(maps.Keys(doc)) {
		sub, _ := doc[pkg].(map[string]any)
		findings = append(findings, e.packageFindings(q.namespace+"."+pkg, sub, obj)...)
	}
	return findings
}

// eval runs query within the Engine's bound: Timeout of CPU time. An
// evaluation stopped by it fails with an error that names the bound, so
// that the object is blocked, never passed.
func (e *Engine) eval(ctx context.Context, query rego.PreparedEvalQuery, opts ...rego.EvalOption) (rego.ResultSet, error) {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	defer afterCPU(ctx, e.opts.Timeout, func() { cancel(errOverCPU) }).Stop()
	rs, err := query.Eval(ctx, opts...)
	if err != nil && errors.Is(context.Cause(ctx), errOverCPU) {
		err = fmt.Errorf("evaluation went over its %s of CPU time", e.opts.Timeout)
	}
	return rs, err
}

// errOverCPU is the cause of an evaluation stopped by its bound.
var errOverCPU = errors.New("over its CPU time")

// afterCPU calls stop once the process has used budget of CPU time from
// now, unless ctx is done first. A rule cannot wait on anything (the
// builtins that would are refused), so what it costs is CPU time; counting
// that rather than wall time spares a rule the time it waited for a CPU on
// a busy machine, where a wall-time deadline stopped rules that had done
// nothing wrong. Until budget has passed on the wall clock, which is never
// less than the CPU time the evaluation had, nothing is read.
func afterCPU(ctx context.Context, budget time.Duration, stop func()) *time.Timer {
	start, slack := recentCPU()
	return time.AfterFunc(budget, func() {
		for {
			used := processCPU() - start - slack
			if used >= budget {
				stop()
				return
			}
			select {
			case <-ctx.Done():
				return
			case <-time.After(budget - used):
			}
		}
	})
}

// cpuReadingAge is how old a reading of the process's CPU time may be
// when an evaluation starts from it: a reading is a system call, which
// every evaluation of a busy server paid (1.3% of its CPU).
const cpuReadingAge = 10 * time.Millisecond

type cpuReading struct{ wall, cpu time.Duration }

var lastCPU atomic.Pointer[cpuReading]

// recentCPU returns a reading of the process's CPU time at most
// cpuReadingAge old, and slack: the most CPU time the process can have
// used since the reading. A count from the reading, less slack, is never
// more than the count from now, so a bound counted so never stops early.
func recentCPU() (cpu, slack time.Duration) {
	now := wallSinceStart()
	if r := lastCPU.Load(); r != nil && now-r.wall < cpuReadingAge {
		return r.cpu, (now - r.wall) * time.Duration(runtime.NumCPU())
	}
	r := &cpuReading{wall: now, cpu: processCPU()}
	lastCPU.Store(r)
	return r.cpu, 0
}

// wallSinceStart is the wall time since the package was loaded.
func wallSinceStart() time.Duration { return time.Since(loaded) }

var loaded = time.Now()

// packageFindings turns the rules of one evaluated package into findings.
func (e *Engine) packageFindings(ns string, doc map[string]any, obj *manifest.Object) []manifest.Finding {
	var findings []manifest.Finding
	waived := exceptions(doc)
	for _, rule := range slices.Sorted(maps.Keys(doc)) {
		severity, ok := ruleSeverity(rule)
		if !ok || waived[ruleName(rule)] {
			continue
		}
		id := "policy/" + ns + "/" + rule
		if m, ok := e.meta(ns, rule); ok {
			id = cmp.Or(m.ID, id)
			severity = cmp.Or(m.Severity, severity)
		}
		results, ok := doc[rule].([]any)
		if !ok {
			findings = append(findings, finding(obj, RuleEvalError, manifest.SeverityError, fmt.Sprintf("policy package %s: rule %s is not a set of messages", ns, rule)))
			continue
		}
		for _, r := range results {
			f := finding(obj, id, severity, message(r))
			f.Field = field(r)
			findings = append(findings, f)
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

// exceptions are the rule names a package's exception rule waives for
// this input, as in conftest: exception contains ["run_as_root"] waives
// deny_run_as_root (and warn_run_as_root); [""] waives deny itself.
func exceptions(doc map[string]any) map[string]bool {
	waived := map[string]bool{}
	sets, _ := doc["exception"].([]any)
	for _, set := range sets {
		names, _ := set.([]any)
		for _, n := range names {
			if name, ok := n.(string); ok {
				waived[name] = true
			}
		}
	}
	return waived
}

// ruleName is a rule's name without its deny_, violation_ or warn_
// prefix: the name exceptions use.
func ruleName(rule string) string {
	_, name, _ := strings.Cut(rule, "_")
	return name
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

// field is the dotted path of the field a rule result is about: an
// object's "field", a syncgate extension that places the finding on the
// line that writes it; "" otherwise.
func field(r any) string {
	m, _ := r.(map[string]any)
	f, _ := m["field"].(string)
	return f
}

func finding(obj *manifest.Object, rule string, sev manifest.Severity, msg string) manifest.Finding {
	ref := obj.Ref()
	return manifest.Finding{Rule: rule, Severity: sev, Message: msg, Target: obj.Origin.Target,
		Object: &ref, File: obj.Origin.File, Line: obj.Origin.Line}
}

// constant resolves a data path to one value for one evaluation.
type constant struct{ value ast.Value }

func (c constant) Eval(context.Context, resolver.Input) (resolver.Result, error) {
	return resolver.Result{Value: c.value}, nil
}

// printer sends print() output to the logger, with the object it was
// printed for; a policy's output never reaches stdout.
type printer struct {
	logger  *slog.Logger
	obj     *manifest.Object
	secrets *targetSecrets
}

func (p printer) Print(pc print.Context, msg string) error {
	// Redacting costs a walk of every object: only for a message kept.
	if !p.logger.Enabled(context.Background(), slog.LevelDebug) {
		return nil
	}
	loc := ""
	if pc.Location != nil {
		loc = fmt.Sprintf("%s:%d", pc.Location.File, pc.Location.Row)
	}
	p.logger.Debug("policy print", "policy", loc, "object", p.obj.Ref().String(), "message", p.secrets.Redact(msg))
	return nil
}

// targetSecrets are the secret values of a target's objects, collected
// on the first message to redact: walking every object costs as much as
// decoding it, and most objects pass without a message.
type targetSecrets struct {
	objects []*manifest.Object
	extra   []string // secret values beside the objects' own
	once    sync.Once
	set     *redact.Set
}

// Redact replaces every secret value of the objects in text.
func (s *targetSecrets) Redact(text string) string {
	s.once.Do(func() {
		s.set = secretsOf(s.objects)
		for _, v := range s.extra {
			s.set.Add(v)
		}
	})
	return s.set.Redact(text)
}

// secretsOf collects the values of objects a message must not show: a
// Secret's data, and values under secret-sounding keys of any object.
func secretsOf(objects []*manifest.Object) *redact.Set {
	var s redact.Set
	for _, obj := range objects {
		addSecrets(&s, obj)
	}
	return &s
}

func addSecrets(s *redact.Set, obj *manifest.Object) {
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
}
