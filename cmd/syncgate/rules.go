package main

import (
	"encoding/json"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/syncgate/syncgate/report"
)

func newRulesCmd() *cobra.Command {
	var gf gateFlags
	var output string
	cmd := &cobra.Command{
		Use:   "rules",
		Short: "List every rule ID with its severity and what it checks",
		Long: `List the rules syncgate can report: rendering, configuration, schema
validation, the bundled policies, secrets, and the annotated rules of
--policy directories. -o json gives each rule's description and remediation
too.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if output != "text" && output != "json" {
				return usageError(fmt.Errorf("unknown output format %q (want text or json)", output))
			}
			gf.inProcess = true // nothing is rendered
			g, err := gf.gate(cmd.Context())
			if err != nil {
				return err
			}
			defer g.Close()
			rules := g.Rules()
			if output == "json" {
				enc := json.NewEncoder(cmd.OutOrStdout())
				enc.SetIndent("", "  ")
				return enc.Encode(rules)
			}
			return report.WriteRules(cmd.OutOrStdout(), rules)
		},
	}
	gf.register(cmd)
	gf.registerChecks(cmd)
	cmd.Flags().StringVarP(&output, "output", "o", "text", "output format: text or json")
	return cmd
}
