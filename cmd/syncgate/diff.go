package main

import (
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/syncgate/syncgate"
	"github.com/syncgate/syncgate/change"
	"github.com/syncgate/syncgate/internal/gitfs"
	"github.com/syncgate/syncgate/report"
)

// revisionFlags name the two sides of a pre-merge check.
type revisionFlags struct {
	base, head   string
	mergeBase    bool
	ignoreFields []string
}

func (f *revisionFlags) register(cmd *cobra.Command, baseHelp string) {
	fl := cmd.Flags()
	fl.StringVar(&f.base, "base", "", baseHelp)
	fl.StringVar(&f.head, "head", "", "revision with the change (default: the working tree)")
	fl.BoolVar(&f.mergeBase, "merge-base", false, "compare with the merge base of --base and the head, as a pull request does")
}

// revisions opens the base and head of the repository that holds paths.
// skipped lists the submodules and LFS pointers met, once the check ran.
func (f *revisionFlags) revisions(root string, paths []string) (rev syncgate.Revisions, skipped func() []string, closeFn func(), err error) {
	sources, err := openSources(root, paths)
	if err != nil {
		return rev, nil, nil, err
	}
	if len(sources) != 1 {
		closeAll(sources)
		return rev, nil, nil, usageError(errors.New("--base compares one repository: give paths of one repository"))
	}
	head := sources[0]
	closeFn = func() { head.Close() }
	fail := func(err error) (syncgate.Revisions, func() []string, func(), error) {
		closeFn()
		return syncgate.Revisions{}, nil, nil, usageError(err)
	}
	repo, err := gitfs.Open(head.Root())
	if err != nil {
		return fail(err)
	}
	bc, err := repo.Commit(f.base)
	if f.mergeBase {
		bc, err = repo.MergeBase(f.base, f.head)
	}
	if err != nil {
		return fail(err)
	}
	baseFS, err := repo.FS(bc)
	if err != nil {
		return fail(err)
	}
	fsyss := []*gitfs.FS{baseFS}
	rev.Base = &syncgate.Source{FS: baseFS, Paths: head.Paths}
	rev.Head = head
	if f.head == "" {
		if rev.HeadIgnored, err = repo.Ignored(); err != nil {
			return fail(err)
		}
	} else {
		hc, err := repo.Commit(f.head)
		if err != nil {
			return fail(err)
		}
		headFS, err := repo.FS(hc)
		if err != nil {
			return fail(err)
		}
		fsyss = append(fsyss, headFS)
		rev.Head = &syncgate.Source{FS: headFS, Paths: head.Paths}
	}
	rev.Change = change.DefaultOptions()
	rev.Change.IgnoredFields = f.ignoreFields
	skipped = func() []string {
		var out []string
		for _, fsys := range fsyss {
			out = append(out, fsys.Skipped()...)
		}
		return out
	}
	return rev, skipped, closeFn, nil
}

func reportSkipped(errOut io.Writer, skipped []string) {
	for _, s := range skipped {
		fmt.Fprintf(errOut, "syncgate: skipped %s\n", s)
	}
}

func newDiffCmd() *cobra.Command {
	var gf gateFlags
	var rf revisionFlags
	var output string
	var exitCode bool
	cmd := &cobra.Command{
		Use:   "diff --base REV [--head REV] [PATH...]",
		Short: "Show what a change does to the cluster, and check it",
		Long: `Render the targets whose inputs differ between two revisions, at both,
and show the objects the change adds, removes and modifies, field by field.
Revisions are read from git objects (no checkout, no git binary); the head
defaults to the working tree. The base revision's .syncgate.yaml, policies
and CRDs decide: a change cannot weaken its own gate. The change/* rules
report updates the API server would refuse and removals that lose data.

Exit code 0: allowed; 1: findings at or above --fail-on, or with
--exit-code any change; 2: the diff could not run. Markdown (-o markdown)
always fits a GitHub comment.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			format, err := report.ParseFormat(output)
			if err != nil {
				return usageError(err)
			}
			if rf.base == "" {
				return usageError(errors.New("--base is required"))
			}
			rev, skipped, closeRev, err := rf.revisions(gf.root, args)
			if err != nil {
				return err
			}
			defer closeRev()
			g, err := gf.gate(cmd.Context())
			if err != nil {
				return err
			}
			defer g.Close()
			d, err := g.Diff(cmd.Context(), rev)
			reportSkipped(cmd.ErrOrStderr(), skipped())
			if err != nil {
				return usageError(err)
			}
			out := cmd.OutOrStdout()
			if err := report.Write(out, d, format, reportOptions(out, false, report.Catalog(g.Rules()))); err != nil {
				return usageError(err)
			}
			if !d.Allowed || (exitCode && len(d.Diff.Objects) > 0) {
				return &codeError{code: exitFindings, err: errBlocked}
			}
			return nil
		},
	}
	gf.register(cmd)
	gf.registerChecks(cmd)
	rf.register(cmd, "revision to compare with: a branch, tag, SHA, HEAD~1 or origin/main (required)")
	fl := cmd.Flags()
	fl.StringArrayVar(&rf.ignoreFields, "ignore-field", nil, "dotted field path left out of the diff, such as spec.replicas (repeatable; helm.sh/chart and app.kubernetes.io/version labels and checksum/* annotations always are)")
	fl.StringVarP(&output, "output", "o", string(report.Text), "output format: "+report.FormatList())
	fl.BoolVar(&exitCode, "exit-code", false, "also exit 1 when anything changes, as git diff --exit-code")
	return cmd
}
