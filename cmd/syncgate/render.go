package main

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/syncgate/syncgate"
	"github.com/syncgate/syncgate/render"
)

func newRenderCmd() *cobra.Command {
	var gf gateFlags
	var all bool
	var valuesFiles, set []string
	var releaseName, namespace string
	cmd := &cobra.Command{
		Use:   "render PATH",
		Short: "Print the rendered YAML stream of one target, or of all with --all",
		Long: `Print what the operator would apply for the target rooted at PATH: the
same bytes as "kustomize build PATH" for a kustomization, or as
"helm template release-name PATH --include-crds" for a chart (-f, --set,
--release-name and --namespace as for helm). With --all, render every
target discovered under PATH.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			sess, err := gf.open(cmd.Context(), args)
			if err != nil {
				return err
			}
			defer sess.Close()
			g := sess.gate
			src := sess.sources[0]
			var targets []render.Target
			if all {
				targets, err = g.Targets(cmd.Context(), src)
			} else {
				var t render.Target
				t, err = render.TargetAt(src.FS, src.Paths[0])
				t.ReleaseName, t.Namespace, t.Set = releaseName, namespace, set
				for _, f := range valuesFiles {
					rel, relErr := relativeTo(src, f)
					if relErr != nil {
						return usageError(relErr)
					}
					t.ValuesFiles = append(t.ValuesFiles, rel)
				}
				targets = []render.Target{t}
			}
			if err != nil {
				return usageError(err)
			}
			results, err := g.Render(cmd.Context(), src, targets)
			if err != nil {
				return usageError(err)
			}
			failed := 0
			out := cmd.OutOrStdout()
			for i, res := range results {
				if res.Err != nil {
					failed++
					fmt.Fprintf(cmd.ErrOrStderr(), "syncgate: %s: %v\n", res.Target.Name, res.Err)
					continue
				}
				if all && i > 0 && len(res.YAML) > 0 {
					fmt.Fprintln(out, "---")
				}
				if _, err := out.Write(res.YAML); err != nil {
					return usageError(err)
				}
			}
			if failed > 0 {
				return &codeError{code: exitFindings, err: errBlocked}
			}
			return nil
		},
	}
	gf.register(cmd)
	fl := cmd.Flags()
	fl.BoolVar(&all, "all", false, "render every target discovered under PATH")
	fl.StringArrayVarP(&valuesFiles, "values", "f", nil, "Helm values file layered on the chart's values.yaml (repeatable)")
	fl.StringArrayVar(&set, "set", nil, "Helm value in --set syntax (repeatable)")
	fl.StringVar(&releaseName, "release-name", "", `Helm release name (default "release-name")`)
	fl.StringVar(&namespace, "namespace", "", `Helm release namespace (default "default")`)
	return cmd
}

// relativeTo turns a path given on the command line into a path in src.
func relativeTo(src *syncgate.Source, p string) (string, error) {
	abs, err := filepath.Abs(p)
	if err != nil {
		return "", err
	}
	rel, err := filepath.Rel(src.Root(), abs)
	if err != nil || rel == ".." || strings.HasPrefix(rel, "../") {
		return "", fmt.Errorf("%s is outside the repository %s", p, src.Root())
	}
	return filepath.ToSlash(rel), nil
}
