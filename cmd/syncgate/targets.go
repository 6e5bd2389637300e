package main

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/syncgate/syncgate/render"
)

func newTargetsCmd() *cobra.Command {
	var gf gateFlags
	var output string
	cmd := &cobra.Command{
		Use:   "targets [PATH]",
		Short: "List the targets discovered under PATH and how each renders",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			sess, err := gf.open(cmd.Context(), args)
			if err != nil {
				return err
			}
			defer sess.Close()
			g := sess.gate
			src := sess.sources[0]
			targets, err := g.Targets(cmd.Context(), src)
			if err != nil {
				return usageError(err)
			}
			out := cmd.OutOrStdout()
			switch output {
			case "json":
				if targets == nil {
					targets = []render.Target{}
				}
				enc := json.NewEncoder(out)
				enc.SetIndent("", "  ")
				return enc.Encode(struct {
					Root    string          `json:"root"`
					Targets []render.Target `json:"targets"`
				}{src.Root(), targets})
			case "text":
				for _, t := range targets {
					fmt.Fprintln(out, targetLine(t))
				}
				return nil
			}
			return usageError(fmt.Errorf("unknown output format %q (want text or json)", output))
		},
	}
	gf.register(cmd)
	cmd.Flags().StringVarP(&output, "output", "o", "text", "output format: text or json")
	return cmd
}

// targetLine is one target as syncgate targets prints it: kind, name,
// values files, the engine object that defines it and why it is skipped.
func targetLine(t render.Target) string {
	line := fmt.Sprintf("%-10s %s", t.Kind, t.Name)
	if len(t.ValuesFiles) > 0 {
		line += "  values: " + strings.Join(t.ValuesFiles, ", ")
	}
	if t.Engine != "" {
		line += "  " + t.Engine + ": " + t.DefinedBy
	}
	if t.Skipped != "" {
		line += "  skipped: " + t.Skipped
	}
	return line
}
