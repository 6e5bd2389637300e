package main

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/syncgate/syncgate"
	"github.com/syncgate/syncgate/manifest"
	"github.com/syncgate/syncgate/report"
)

func newCheckCmd() *cobra.Command {
	var gf gateFlags
	var output string
	var reports []string
	var quiet bool
	var rf revisionFlags
	var newOnly, allTargets bool
	var shard string
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
goes to stderr, only when stderr is a terminal.

With --base REV, a pre-merge check: the base revision's .syncgate.yaml,
policies and exceptions decide (a change cannot waive its own findings),
each finding is marked new or existing, and --new-only blocks on new
findings only. Only the targets the change affects are checked, unless
--all-targets is given.

With --shard i/n, only the i-th of n parts of the targets, split by a
hash of their names (the same on every machine), for a CI matrix; the
first shard also checks the raw files. syncgate merge combines the
shards' -o json decisions into one.`,
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
			var sh syncgate.Shard
			if shard != "" {
				if sh, err = syncgate.ParseShard(shard); err != nil {
					return usageError(err)
				}
			}
			if rf.base != "" {
				if shard != "" {
					return usageError(errors.New("--shard splits a check of one revision; it does not take --base"))
				}
				return checkChange(cmd, &gf, &rf, args, syncgate.Revisions{NewOnly: newOnly, AllTargets: allTargets}, format, files, quiet)
			}
			if newOnly || allTargets || rf.head != "" || rf.mergeBase {
				return usageError(errors.New("--head, --merge-base, --new-only and --all-targets need --base"))
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
				src.Shard = sh
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
			return writeDecision(cmd, report.Catalog(g.Rules()), merged, format, files, quiet)
		},
	}
	gf.register(cmd)
	gf.registerChecks(cmd)
	fl := cmd.Flags()
	fl.StringVarP(&output, "output", "o", string(report.Text), "output format: "+report.FormatList())
	fl.StringArrayVar(&reports, "report", nil, "also write the decision to a file, as FORMAT=FILE (repeatable); FORMAT:new=FILE leaves out the findings --base marks existing")
	fl.BoolVarP(&quiet, "quiet", "q", false, "text output only when the check blocks, without info findings; no progress")
	rf.register(cmd, "pre-merge check against this revision (branch, tag, SHA, HEAD~1, origin/main): its configuration decides, findings are marked new or existing")
	fl.BoolVar(&newOnly, "new-only", false, "with --base, block only on new findings; existing ones are reported as warnings")
	fl.BoolVar(&allTargets, "all-targets", false, "with --base, check every target, not only those the change affects")
	fl.StringVar(&shard, "shard", "", "check only part i of n of the targets, as i/n, for a CI matrix (syncgate merge combines the parts)")
	return cmd
}

// checkChange is check --base.
// opts carries the Revisions fields the flags set.
func checkChange(cmd *cobra.Command, gf *gateFlags, rf *revisionFlags, args []string, opts syncgate.Revisions, format report.Format, files []reportFile, quiet bool) error {
	rev, skipped, closeRev, err := rf.revisions(gf.root, args)
	if err != nil {
		return err
	}
	defer closeRev()
	rev.NewOnly, rev.AllTargets = opts.NewOnly, opts.AllTargets
	g, err := gf.gate(cmd.Context())
	if err != nil {
		return err
	}
	defer g.Close()
	d, err := g.CheckChange(cmd.Context(), rev)
	reportSkipped(cmd.ErrOrStderr(), skipped())
	if err != nil {
		return usageError(err)
	}
	return writeDecision(cmd, report.Catalog(g.Rules()), d, format, files, quiet)
}

// writeDecision writes the report and the --report files, with rules
// describing the findings' rules, and turns a blocking decision into exit
// code 1.
func writeDecision(cmd *cobra.Command, rules report.Rules, d *syncgate.Decision, format report.Format, files []reportFile, quiet bool) error {
	out := cmd.OutOrStdout()
	if err := report.Write(out, d, format, reportOptions(out, quiet, rules)); err != nil {
		return usageError(err)
	}
	for _, rf := range files {
		if err := rf.write(d, quiet, rules); err != nil {
			return usageError(err)
		}
	}
	if !d.Allowed {
		return &codeError{code: exitFindings, err: errBlocked}
	}
	return nil
}

// reportFile is one --report FORMAT[:new]=FILE.
type reportFile struct {
	format report.Format
	path   string
	// newOnly leaves out the findings a pre-merge check marks existing,
	// as code scanning of a pull request wants.
	newOnly bool
}

func parseReports(specs []string) ([]reportFile, error) {
	files := make([]reportFile, 0, len(specs))
	for _, spec := range specs {
		name, path, ok := strings.Cut(spec, "=")
		if !ok || path == "" {
			return nil, fmt.Errorf("--report %q: want FORMAT=FILE or FORMAT:new=FILE", spec)
		}
		name, modifier, newOnly := strings.Cut(name, ":")
		if newOnly && modifier != "new" {
			return nil, fmt.Errorf("--report %q: unknown modifier %q (want FORMAT:new=FILE)", spec, modifier)
		}
		format, err := report.ParseFormat(name)
		if err != nil {
			return nil, fmt.Errorf("--report %q: %w", spec, err)
		}
		files = append(files, reportFile{format: format, path: path, newOnly: newOnly})
	}
	return files, nil
}

// newFindings is d without the findings, waived or not, that a pre-merge
// check marks existing.
func newFindings(d *syncgate.Decision) *syncgate.Decision {
	existing := func(f manifest.Finding) bool { return f.New != nil && !*f.New }
	out := *d
	out.Findings = slices.DeleteFunc(slices.Clone(d.Findings), existing)
	out.Waived = slices.DeleteFunc(slices.Clone(d.Waived), func(w syncgate.Waived) bool { return existing(w.Finding) })
	return &out
}

// write creates or truncates the file; a file gets no colour.
func (rf reportFile) write(d *syncgate.Decision, quiet bool, rules report.Rules) error {
	f, err := os.Create(rf.path)
	if err != nil {
		return fmt.Errorf("--report: %w", err)
	}
	if rf.newOnly {
		d = newFindings(d)
	}
	werr := report.Write(f, d, rf.format, reportOptions(f, quiet, rules))
	if err := errors.Join(werr, f.Close()); err != nil {
		return fmt.Errorf("--report %s: %w", rf.path, err)
	}
	return nil
}
