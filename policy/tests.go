package policy

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/open-policy-agent/opa/v1/tester"
)

// TestOutcome is how one Rego unit test ended.
type TestOutcome string

// The outcomes, as opa test names them.
const (
	TestPass  TestOutcome = "PASS"
	TestFail  TestOutcome = "FAIL"
	TestError TestOutcome = "ERROR"
	TestSkip  TestOutcome = "SKIPPED"
)

// TestResult is one Rego unit test: a rule named test_* in a _test.rego
// file (todo_test_* rules are skipped).
type TestResult struct {
	// Package is the test's package, such as data.main_test.
	Package string
	// Name is the rule's name.
	Name string
	// File and Line locate the rule.
	File string
	Line int
	// Outcome is PASS, FAIL, ERROR or SKIPPED.
	Outcome TestOutcome
	// Err says why an ERROR test could not run.
	Err string
	// Output is what the test printed with print().
	Output string
	// Duration is how long it ran.
	Duration time.Duration
}

// RunTests runs the Rego unit tests under opts.Dirs, and those of the bundled
// library when opts.Bundled is set, with the policies beside them, under
// the restrictions Load applies (refused builtins, strict compilation,
// builtin errors raised, opts.Timeout per test). print() output is
// captured into each result. A compile error is returned as an error
// naming the file and line; failing tests are results, sorted by file,
// line and name.
func RunTests(ctx context.Context, opts Options) ([]TestResult, error) {
	opts.Timeout = cmp.Or(opts.Timeout, DefaultTimeout)
	if opts.MaxFileBytes <= 0 {
		opts.MaxFileBytes = 1 << 20
	}
	if err := checkRegoVersion(opts.RegoVersion); err != nil {
		return nil, err
	}
	modules, err := loadModules(opts, true)
	if err != nil {
		return nil, err
	}
	runner := tester.NewRunner().
		SetCompiler(newCompiler()).
		SetTimeout(opts.Timeout).
		RaiseBuiltinErrors(true).
		CapturePrintOutput(true)
	ch, err := runner.Run(ctx, modules)
	if err != nil {
		return nil, compileError(err)
	}
	var results []TestResult
	for r := range ch {
		tr := TestResult{
			Package:  r.Package,
			Name:     r.Name,
			Output:   string(r.Output),
			Duration: r.Duration,
		}
		if r.Location != nil {
			tr.File, tr.Line = r.Location.File, r.Location.Row
		}
		switch {
		case r.Skip:
			tr.Outcome = TestSkip
		case r.Error != nil:
			tr.Outcome, tr.Err = TestError, r.Error.Error()
		case r.Fail:
			tr.Outcome = TestFail
		default:
			tr.Outcome = TestPass
		}
		results = append(results, tr)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	slices.SortFunc(results, func(a, b TestResult) int {
		return cmp.Or(strings.Compare(a.File, b.File), cmp.Compare(a.Line, b.Line), strings.Compare(a.Name, b.Name))
	})
	return results, nil
}

// String formats the test as opa test does: data.pkg.test_name.
func (r TestResult) String() string {
	return fmt.Sprintf("%s.%s", r.Package, r.Name)
}
