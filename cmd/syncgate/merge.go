package main

import (
	"fmt"
	"os"
	"reflect"
	"slices"

	"github.com/spf13/cobra"

	"github.com/syncgate/syncgate"
	"github.com/syncgate/syncgate/manifest"
	"github.com/syncgate/syncgate/report"
	"github.com/syncgate/syncgate/secrets"
)

func newMergeCmd() *cobra.Command {
	var output string
	var reports []string
	var quiet bool
	cmd := &cobra.Command{
		Use:   "merge FILE...",
		Short: "Combine the JSON decisions of check --shard runs into one",
		Long: `Read the decisions that syncgate check -o json wrote, such as the shards
of a CI matrix (check --shard i/n), and write them as one decision in any
format. The merge allows only when every decision does; a finding every
shard reports (about the run as a whole) appears once. Exit code 0:
allowed; 1: blocked; 2: a file could not be read.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			format, err := report.ParseFormat(output)
			if err != nil {
				return usageError(err)
			}
			files, err := parseReports(reports)
			if err != nil {
				return usageError(err)
			}
			d, err := mergeFiles(args)
			if err != nil {
				return usageError(err)
			}
			return writeDecision(cmd, report.Catalog(syncgate.Rules()), d, format, files, quiet)
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&output, "output", "o", string(report.Text), "output format: "+report.FormatList())
	fl.StringArrayVar(&reports, "report", nil, "also write the decision to a file, as FORMAT=FILE (repeatable)")
	fl.BoolVarP(&quiet, "quiet", "q", false, "text output only when the decision blocks, without info findings")
	return cmd
}

// mergeFiles reads and merges the decisions of the files names, at least one. A
// target in two of them means they are not shards of one check (or one
// is given twice).
func mergeFiles(names []string) (*syncgate.Decision, error) {
	var merged *syncgate.Decision
	seen := map[string]string{}
	for _, name := range names {
		f, err := os.Open(name)
		if err != nil {
			return nil, err
		}
		d, err := report.ReadJSON(f, name)
		f.Close()
		if err != nil {
			return nil, err
		}
		for _, t := range d.Targets {
			if other, ok := seen[t.Name]; ok {
				return nil, fmt.Errorf("%s: target %s is in %s too: merge takes the shards of one check, each once", name, t.Name, other)
			}
			seen[t.Name] = name
		}
		if merged == nil {
			merged = d
			continue
		}
		merged.Merge(d)
	}
	merged.Findings = slices.CompactFunc(merged.Findings, func(a, b manifest.Finding) bool { return reflect.DeepEqual(a, b) })
	// The first shard scanned the raw files without the other shards'
	// objects: drop what a target's object reports too, as one check does.
	var files, objects []manifest.Finding
	for _, f := range merged.Findings {
		if f.Target == "" {
			files = append(files, f)
		} else {
			objects = append(objects, f)
		}
	}
	// One mistake seen by targets of several shards is one finding, as
	// in one check.
	merged.Findings = manifest.GroupFindings(secrets.Merge(files, objects))
	merged.Waived = slices.CompactFunc(merged.Waived, func(a, b syncgate.Waived) bool { return reflect.DeepEqual(a, b) })
	// Each shard counts what an override changed in its own targets.
	var overrides []syncgate.Override
	for _, o := range merged.Overrides {
		if n := len(overrides); n > 0 && overrides[n-1].Rule == o.Rule && overrides[n-1].By == o.By && overrides[n-1].Severity == o.Severity {
			overrides[n-1].Findings += o.Findings
			continue
		}
		overrides = append(overrides, o)
	}
	merged.Overrides = overrides
	return merged, nil
}
