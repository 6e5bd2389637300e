package main

import (
	"fmt"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// engines are the libraries whose versions decide what syncgate renders.
var engines = []string{"sigs.k8s.io/kustomize/api", "helm.sh/helm/v4"}

func newVersionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the syncgate version and the versions of its rendering engines",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			out := cmd.OutOrStdout()
			info, ok := debug.ReadBuildInfo()
			if !ok {
				fmt.Fprintln(out, "syncgate (unknown build)")
				return nil
			}
			fmt.Fprintf(out, "syncgate %s\n", info.Main.Version)
			for _, dep := range info.Deps {
				for _, e := range engines {
					if dep.Path == e {
						fmt.Fprintf(out, "  %s %s\n", dep.Path, dep.Version)
					}
				}
			}
			return nil
		},
	}
}
