package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/syncgate/syncgate/policy"
)

// newPolicyCmd is the policy command group: root.go adds it beside check.
func newPolicyCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "policy",
		Short: "Work with Rego policies",
	}
	cmd.AddCommand(newPolicyTestCmd())
	return cmd
}

func newPolicyTestCmd() *cobra.Command {
	var noDefault, verbose bool
	var regoVersion string
	cmd := &cobra.Command{
		Use:   "test [DIR...]",
		Short: "Run the Rego unit tests (_test.rego) of the bundled library and of the policies in DIR",
		Long: "Runs every test_* rule of the _test.rego files under each DIR, and of the bundled library\n" +
			"unless --no-default-policies is given, as opa test does, under the restrictions syncgate\n" +
			"evaluates policies with. Exits 1 when a test fails.",
		RunE: func(cmd *cobra.Command, dirs []string) error {
			results, err := policy.RunTests(cmd.Context(), policy.Options{Dirs: dirs, Bundled: !noDefault, RegoVersion: regoVersion})
			if err != nil {
				return err
			}
			if !writeTestResults(cmd.OutOrStdout(), results, verbose) {
				return &codeError{code: exitFindings, err: errBlocked}
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&noDefault, "no-default-policies", false, "leave out the bundled library's tests")
	cmd.Flags().BoolVarP(&verbose, "verbose", "v", false, "list passing tests too")
	cmd.Flags().StringVar(&regoVersion, "rego-version", "v1", "Rego syntax of the policy and test files in DIR: v1 or v0")
	return cmd
}

// writeTestResults reports as opa test does, without timings so that the
// output is the same from run to run: failing tests (every test with
// verbose) grouped by file, their print output, then the counts. It
// tells whether every test passed.
func writeTestResults(w io.Writer, results []policy.TestResult, verbose bool) bool {
	counts := map[policy.TestOutcome]int{}
	file := ""
	for _, r := range results {
		counts[r.Outcome]++
		if r.Outcome == policy.TestPass && !verbose {
			continue
		}
		if r.File != file {
			if file != "" {
				fmt.Fprintln(w)
			}
			file = r.File
			fmt.Fprintf(w, "%s:\n", file)
		}
		fmt.Fprintf(w, "%s: %s\n", r, r.Outcome)
		if r.Err != "" {
			fmt.Fprintf(w, "  %s\n", r.Err)
		}
		if r.Outcome != policy.TestPass && r.Output != "" {
			fmt.Fprintf(w, "\n  %s\n\n", strings.ReplaceAll(strings.TrimRight(r.Output, "\n"), "\n", "\n  "))
		}
	}
	if file != "" {
		fmt.Fprintln(w, strings.Repeat("-", 80))
	}
	for _, o := range []policy.TestOutcome{policy.TestPass, policy.TestFail, policy.TestError, policy.TestSkip} {
		if counts[o] > 0 {
			fmt.Fprintf(w, "%s: %d/%d\n", o, counts[o], len(results))
		}
	}
	if len(results) == 0 {
		fmt.Fprintln(w, "no tests found")
	}
	return counts[policy.TestFail] == 0 && counts[policy.TestError] == 0
}
