package main

import (
	"github.com/spf13/cobra"

	"github.com/syncgate/syncgate"
	"github.com/syncgate/syncgate/manifest"
	"github.com/syncgate/syncgate/report"
)

func newCheckCmd() *cobra.Command {
	var gf gateFlags
	var output string
	cmd := &cobra.Command{
		Use:   "check [PATH...]",
		Short: "Render every target and check every object",
		Long: `Discover and render every target under PATH (default "."), as Argo CD or
Flux would, and check every rendered object. Exit code 0: allowed;
1: findings at or above --fail-on; 2: the check could not run.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			sess, err := gf.open(args)
			if err != nil {
				return err
			}
			defer sess.Close()
			g := sess.gate
			var merged *syncgate.Decision
			for _, src := range sess.sources {
				d, err := g.Check(cmd.Context(), src)
				if err != nil {
					return usageError(err)
				}
				merged = merge(merged, d)
			}
			if err := report.Write(cmd.OutOrStdout(), merged, report.Format(output)); err != nil {
				return usageError(err)
			}
			if !merged.Allowed {
				return &codeError{code: exitFindings, err: errBlocked}
			}
			return nil
		},
	}
	gf.register(cmd)
	cmd.Flags().StringVarP(&output, "output", "o", string(report.Text), "output format: text or json")
	return cmd
}

// merge combines the decisions of several repositories into one.
func merge(a, b *syncgate.Decision) *syncgate.Decision {
	if a == nil {
		return b
	}
	a.Allowed = a.Allowed && b.Allowed
	a.Findings = append(a.Findings, b.Findings...)
	manifest.SortFindings(a.Findings)
	a.Targets = append(a.Targets, b.Targets...)
	a.Stats.Targets += b.Stats.Targets
	a.Stats.Objects += b.Stats.Objects
	a.Stats.Render += b.Stats.Render
	a.Stats.Total += b.Stats.Total
	return a
}
