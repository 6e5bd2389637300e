package main

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/syncgate/syncgate"
	"github.com/syncgate/syncgate/report"
)

func newCheckCmd() *cobra.Command {
	var gf gateFlags
	var output string
	var reports []string
	var quiet bool
	cmd := &cobra.Command{
		Use:   "check [PATH...]",
		Short: "Render every target and check every object",
		Long: `Discover and render every target under PATH (default "."), as Argo CD or
Flux would, and check every rendered object. Exit code 0: allowed;
1: findings at or above --fail-on; 2: the check could not run.

Output formats (-o): text for people; json (a stable contract), sarif
(code scanning), junit (CI test reports), github (workflow annotations)
and markdown (a pull-request summary) for machines. --report FORMAT=FILE
also writes the same decision to FILE, so one run feeds several consumers.
Text is coloured only on a terminal and never with NO_COLOR set. --quiet
prints nothing when the check allows, and only warnings, errors and the
summary when it blocks; it does not change the other formats. Progress
goes to stderr, only when stderr is a terminal.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			// Refuse bad formats before the check, which may take minutes.
			format, err := report.ParseFormat(output)
			if err != nil {
				return usageError(err)
			}
			files, err := parseReports(reports)
			if err != nil {
				return usageError(err)
			}
			sess, err := gf.open(cmd.Context(), args)
			if err != nil {
				return err
			}
			defer sess.Close()
			g := sess.gate
			prog := newProgress(cmd.ErrOrStderr(), quiet)
			var merged *syncgate.Decision
			for _, src := range sess.sources {
				d, err := g.Check(cmd.Context(), src)
				if err != nil {
					return usageError(err)
				}
				prog.checked(src.Root(), d)
				if merged == nil {
					merged = d
				} else {
					merged.Merge(d)
				}
			}
			out := cmd.OutOrStdout()
			rules := report.Catalog(g.Rules())
			if err := report.Write(out, merged, format, reportOptions(out, quiet, rules)); err != nil {
				return usageError(err)
			}
			for _, rf := range files {
				if err := rf.write(merged, quiet, rules); err != nil {
					return usageError(err)
				}
			}
			if !merged.Allowed {
				return &codeError{code: exitFindings, err: errBlocked}
			}
			return nil
		},
	}
	gf.register(cmd)
	gf.registerChecks(cmd)
	fl := cmd.Flags()
	fl.StringVarP(&output, "output", "o", string(report.Text), "output format: "+report.FormatList())
	fl.StringArrayVar(&reports, "report", nil, "also write the decision to a file, as FORMAT=FILE (repeatable)")
	fl.BoolVarP(&quiet, "quiet", "q", false, "text output only when the check blocks, without info findings; no progress")
	return cmd
}

// reportFile is one --report FORMAT=FILE.
type reportFile struct {
	format report.Format
	path   string
}

func parseReports(specs []string) ([]reportFile, error) {
	files := make([]reportFile, 0, len(specs))
	for _, spec := range specs {
		name, path, ok := strings.Cut(spec, "=")
		if !ok || path == "" {
			return nil, fmt.Errorf("--report %q: want FORMAT=FILE", spec)
		}
		format, err := report.ParseFormat(name)
		if err != nil {
			return nil, fmt.Errorf("--report %q: %w", spec, err)
		}
		files = append(files, reportFile{format: format, path: path})
	}
	return files, nil
}

// write creates or truncates the file; a file gets no colour.
func (rf reportFile) write(d *syncgate.Decision, quiet bool, rules report.Rules) error {
	f, err := os.Create(rf.path)
	if err != nil {
		return fmt.Errorf("--report: %w", err)
	}
	werr := report.Write(f, d, rf.format, reportOptions(f, quiet, rules))
	if err := errors.Join(werr, f.Close()); err != nil {
		return fmt.Errorf("--report %s: %w", rf.path, err)
	}
	return nil
}
