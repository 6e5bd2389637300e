package main

import (
	"cmp"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/syncgate/syncgate"
	"github.com/syncgate/syncgate/manifest"
	"github.com/syncgate/syncgate/render"
	"github.com/syncgate/syncgate/report"
)

// listedTargets is how many targets an error that lists them names; the
// rest are counted, and syncgate targets lists them all.
const listedTargets = 10

func newRenderCmd() *cobra.Command {
	var gf gateFlags
	var all, check, argoCMP bool
	var name string
	var valuesFiles, set []string
	var releaseName, namespace string
	cmd := &cobra.Command{
		Use:   "render [PATH]",
		Short: "Print the rendered YAML stream of one target, or of all with --all",
		Long: `Print what the operator would apply for the target rooted at PATH
(default "."): the same bytes as "kustomize build PATH" for a
kustomization, or as "helm template release-name PATH --include-crds" for
a chart (-f, --set, --release-name and -n/--namespace as for helm), or the
manifests of a directory of plain manifests. A directory with none of these
of its own, such as a folder of apps or an app's folder holding base/ and
overlays/, is not a target: render fails with exit code 2 and lists the
targets under it. --target NAME renders the target of that name discovered
under PATH (as syncgate targets lists them), --all every one.

With --check, the rendered objects are also checked as syncgate check
checks them, and the manifests are printed only when the check allows;
otherwise the findings go to stderr and the exit code is 1, so an Argo CD
Config Management Plugin running it refuses to sync a blocked revision.
The check flags (--stage, --policy, --crds, ...) apply only with --check.

--argocd-cmp runs render --check as an Argo CD Config Management Plugin's
generate command, in the application's directory: the repository root is
that directory less ARGOCD_APP_SOURCE_PATH, the Helm release is named
ARGOCD_APP_NAME in ARGOCD_APP_NAMESPACE, the repository URL is
ARGOCD_APP_SOURCE_REPO_URL, and the application's plugin environment may
set ARGOCD_ENV_SYNCGATE_FAIL_ON and ARGOCD_ENV_SYNCGATE_KUBERNETES_VERSION.
Flags given win over the environment.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if all && name != "" {
				return usageError(errors.New("--all and --target exclude each other"))
			}
			if argoCMP {
				check = true
				if err := fromArgoCMP(cmd, &gf, &releaseName, &namespace); err != nil {
					return usageError(err)
				}
			}
			if !check {
				gf.checks = nil // rendering alone runs no stage
			}
			sess, err := gf.open(cmd.Context(), args)
			if err != nil {
				return err
			}
			defer sess.Close()
			g := sess.gate
			src := sess.sources[0]
			dir := "."
			if len(args) > 0 {
				dir = args[0]
			}
			var targets []render.Target
			switch {
			case all:
				if targets, err = g.Targets(cmd.Context(), src); err != nil {
					return usageError(err)
				}
			case name != "":
				found, err := g.Targets(cmd.Context(), src)
				if err != nil {
					return usageError(err)
				}
				i := slices.IndexFunc(found, func(t render.Target) bool { return t.Name == name })
				if i < 0 {
					return usageError(fmt.Errorf("no target named %s under %s%s", name, dir, targetList(found)))
				}
				if found[i].Skipped != "" {
					return usageError(fmt.Errorf("target %s is not rendered: %s", name, found[i].Skipped))
				}
				targets = []render.Target{found[i]}
			default:
				t, err := render.TargetAt(src.FS, src.Paths[0])
				if err != nil {
					return usageError(err)
				}
				targets = []render.Target{t}
			}
			if !all {
				// The flags of helm template apply to the one target; they
				// replace what the configuration says only when given.
				t := &targets[0]
				t.ReleaseName = cmp.Or(releaseName, t.ReleaseName)
				t.Namespace = cmp.Or(namespace, t.Namespace)
				t.Set = append(t.Set, set...)
				for _, f := range valuesFiles {
					rel, err := relativeTo(src, f)
					if err != nil {
						return usageError(err)
					}
					t.ValuesFiles = append(t.ValuesFiles, rel)
				}
			}
			results, err := g.Render(cmd.Context(), src, targets)
			if err != nil {
				return usageError(err)
			}
			if !all && name == "" && notATarget(results[0]) {
				found, err := g.Targets(cmd.Context(), src)
				if err != nil {
					return usageError(err)
				}
				return usageError(fmt.Errorf("%s is not a target: it has no kustomization, Chart.yaml or manifests of its own%s", dir, targetList(found)))
			}
			if check {
				if err := checkRendered(cmd, g, src, results); err != nil {
					return err
				}
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
	gf.registerChecks(cmd)
	fl := cmd.Flags()
	fl.BoolVar(&all, "all", false, "render every target discovered under PATH")
	fl.BoolVar(&argoCMP, "argocd-cmp", false, "run as an Argo CD Config Management Plugin: --check, with the root, release, namespace and repository URL from the plugin's environment")
	fl.BoolVar(&check, "check", false, "check the rendered objects and print them only when the check allows; otherwise print the findings to stderr and exit 1")
	fl.StringVar(&name, "target", "", "render the target called `NAME` among those discovered under PATH (see syncgate targets)")
	fl.StringArrayVarP(&valuesFiles, "values", "f", nil, "Helm values file layered on the chart's values.yaml (repeatable)")
	fl.StringArrayVar(&set, "set", nil, "Helm value in --set syntax (repeatable)")
	fl.StringVar(&releaseName, "release-name", "", `Helm release name (default "release-name")`)
	fl.StringVarP(&namespace, "namespace", "n", "", `Helm release namespace (default "default")`)
	return cmd
}

// fromArgoCMP sets the flags not given from the environment the Argo CD
// CMP server gives a plugin's generate command.
func fromArgoCMP(cmd *cobra.Command, gf *gateFlags, releaseName, namespace *string) error {
	fl := cmd.Flags()
	if !fl.Changed("root") {
		wd, err := os.Getwd()
		if err != nil {
			return err
		}
		root := filepath.Clean(wd)
		if rel := filepath.Clean(filepath.FromSlash(os.Getenv("ARGOCD_APP_SOURCE_PATH"))); rel != "." {
			trimmed, ok := strings.CutSuffix(root, string(filepath.Separator)+rel)
			if !ok {
				return fmt.Errorf("ARGOCD_APP_SOURCE_PATH %q is not the end of the working directory %s", rel, root)
			}
			root = trimmed
		}
		gf.root = root
	}
	if !fl.Changed("release-name") {
		*releaseName = os.Getenv("ARGOCD_APP_NAME")
	}
	if !fl.Changed("namespace") {
		*namespace = os.Getenv("ARGOCD_APP_NAMESPACE")
	}
	for flag, env := range map[string]string{
		"repo-url":           "ARGOCD_APP_SOURCE_REPO_URL",
		"fail-on":            "ARGOCD_ENV_SYNCGATE_FAIL_ON",
		"kubernetes-version": "ARGOCD_ENV_SYNCGATE_KUBERNETES_VERSION",
	} {
		if v := os.Getenv(env); v != "" && !fl.Changed(flag) {
			if _, err := manifest.ParseSeverity(v); flag == "fail-on" && err != nil {
				return fmt.Errorf("%s: %w", env, err)
			}
			if err := fl.Set(flag, v); err != nil {
				return fmt.Errorf("%s: %w", env, err)
			}
		}
	}
	return nil
}

// checkRendered checks rendered results with the repository's
// configuration; when the check blocks, it writes the decision to stderr
// and returns the findings exit code.
func checkRendered(cmd *cobra.Command, g *syncgate.Gate, src *syncgate.Source, results []*render.Result) error {
	cfg, err := src.RepositoryConfig()
	if err != nil {
		return usageError(err)
	}
	d, err := g.CheckObjects(cmd.Context(), syncgate.Objects{Targets: results, Repository: cfg, FS: src.FS})
	if err != nil {
		return usageError(err)
	}
	if d.Allowed {
		return nil
	}
	errOut := cmd.ErrOrStderr()
	if err := report.Write(errOut, d, report.Text, reportOptions(errOut, true, report.Catalog(g.Rules()))); err != nil {
		return usageError(err)
	}
	return &codeError{code: exitFindings, err: errBlocked}
}

// notATarget reports whether a target taken at a directory turned out to
// be none: a directory without a kustomization or chart is rendered as
// plain manifests, and one with no manifest of its own renders nothing,
// where kustomize build would fail.
func notATarget(res *render.Result) bool {
	return res.Err == nil && res.Target.Kind == render.KindManifests && len(res.YAML) == 0
}

// targetList lists targets for an error message: up to listedTargets of
// them, the count of the rest, and how to render them.
func targetList(targets []render.Target) string {
	if len(targets) == 0 {
		return "; there are no targets under it"
	}
	var b strings.Builder
	b.WriteString("; targets under it:")
	for _, t := range targets[:min(len(targets), listedTargets)] {
		b.WriteString("\n  " + targetLine(t))
	}
	if more := len(targets) - listedTargets; more > 0 {
		fmt.Fprintf(&b, "\n  and %d more (syncgate targets lists them all)", more)
	}
	b.WriteString("\nrender one with --target NAME, or every one with --all")
	return b.String()
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
