package report

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/syncgate/syncgate"
	"github.com/syncgate/syncgate/manifest"
)

// Format names an output format.
type Format string

// The formats.
const (
	Text Format = "text"
	JSON Format = "json"
)

// Formats lists every format Write accepts.
var Formats = []Format{Text, JSON}

// Write writes d to w in format. An unknown format is an error.
func Write(w io.Writer, d *syncgate.Decision, format Format) error {
	switch format {
	case Text:
		return writeText(w, d)
	case JSON:
		return writeJSON(w, d)
	}
	return fmt.Errorf("unknown output format %q (want one of %s)", format, formatList())
}

func formatList() string {
	names := make([]string, len(Formats))
	for i, f := range Formats {
		names[i] = string(f)
	}
	return strings.Join(names, ", ")
}

type jsonDecision struct {
	Allowed  bool                    `json:"allowed"`
	Summary  jsonSummary             `json:"summary"`
	Targets  []syncgate.TargetResult `json:"targets"`
	Findings []manifest.Finding      `json:"findings"`
}

type jsonSummary struct {
	Targets    int   `json:"targets"`
	Objects    int   `json:"objects"`
	Errors     int   `json:"errors"`
	Warnings   int   `json:"warnings"`
	DurationMs int64 `json:"durationMs"`
}

func writeJSON(w io.Writer, d *syncgate.Decision) error {
	errs, warns := count(d.Findings)
	out := jsonDecision{
		Allowed: d.Allowed,
		Summary: jsonSummary{Targets: d.Stats.Targets, Objects: d.Stats.Objects, Errors: errs, Warnings: warns,
			DurationMs: d.Stats.Total.Milliseconds()},
		Targets:  d.Targets,
		Findings: d.Findings,
	}
	if out.Targets == nil {
		out.Targets = []syncgate.TargetResult{}
	}
	if out.Findings == nil {
		out.Findings = []manifest.Finding{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

func count(findings []manifest.Finding) (errs, warns int) {
	for _, f := range findings {
		switch f.Severity {
		case manifest.SeverityError:
			errs++
		case manifest.SeverityWarning:
			warns++
		}
	}
	return errs, warns
}

// writeText groups findings by target, then prints a one-line summary.
func writeText(w io.Writer, d *syncgate.Decision) error {
	ew := &errWriter{w: w}
	byTarget := map[string][]manifest.Finding{}
	for _, f := range d.Findings {
		byTarget[f.Target] = append(byTarget[f.Target], f)
	}
	for _, f := range byTarget[""] {
		ew.printf("%s\n", textLine(f))
	}
	for _, t := range d.Targets {
		findings := byTarget[t.Name]
		if len(findings) == 0 {
			continue
		}
		ew.printf("%s (%s, %d objects)\n", t.Name, t.Kind, t.Objects)
		for _, f := range findings {
			ew.printf("  %s\n", textLine(f))
		}
	}
	errs, warns := count(d.Findings)
	verdict := "allowed"
	if !d.Allowed {
		verdict = "blocked"
	}
	ew.printf("%s: %d targets, %d objects, %d errors, %d warnings\n", verdict, d.Stats.Targets, d.Stats.Objects, errs, warns)
	return ew.err
}

func textLine(f manifest.Finding) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%-7s %s", f.Severity, f.Rule)
	if f.File != "" {
		fmt.Fprintf(&b, " %s", f.File)
		if f.Line > 0 {
			fmt.Fprintf(&b, ":%d", f.Line)
		}
	}
	if f.Object != nil {
		fmt.Fprintf(&b, " %s", f.Object)
	}
	if f.Field != "" {
		fmt.Fprintf(&b, " %s", f.Field)
	}
	fmt.Fprintf(&b, ": %s", f.Message)
	return b.String()
}

// errWriter keeps the first write error so formatting code stays linear.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) printf(format string, args ...any) {
	if e.err == nil {
		_, e.err = fmt.Fprintf(e.w, format, args...)
	}
}
