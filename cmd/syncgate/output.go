package main

import (
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"time"

	"golang.org/x/term"

	"github.com/syncgate/syncgate"
	"github.com/syncgate/syncgate/report"
)

// isTerminal reports whether w is a terminal. Only an *os.File can be one,
// so tests, which write to buffers, never see colour or progress. The
// terminal ioctl, not the file mode, decides: /dev/null is a character
// device too.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// reportOptions sets the report options that depend on where the output
// goes: colour only on a terminal and only without NO_COLOR
// (https://no-color.org: set and not empty).
func reportOptions(out io.Writer, quiet bool, rules report.Rules) report.Options {
	return report.Options{
		Color:       isTerminal(out) && os.Getenv("NO_COLOR") == "",
		Quiet:       quiet,
		Rules:       rules,
		ToolVersion: toolVersion(),
	}
}

// toolVersion is the module version this binary was built from, or "" for
// a development build, which SARIF then leaves out.
func toolVersion() string {
	info, ok := debug.ReadBuildInfo()
	if !ok || info.Main.Version == "(devel)" {
		return ""
	}
	return info.Main.Version
}

// progress tells a person at a terminal how a long check goes; it writes
// nothing when errOut is not a terminal (CI logs, pipes, tests) or with
// --quiet.
type progress struct {
	w io.Writer // nil: silent
}

func newProgress(errOut io.Writer, quiet bool) progress {
	if quiet || !isTerminal(errOut) {
		return progress{}
	}
	return progress{w: errOut}
}

func (p progress) checked(root string, d *syncgate.Decision) {
	if p.w == nil {
		return
	}
	fmt.Fprintf(p.w, "syncgate: checked %s: %d targets (%d from the cache), %d objects, %d findings in %s\n",
		root, d.Stats.Targets, d.Stats.Cached, d.Stats.Objects, len(d.Findings), d.Stats.Total.Round(time.Millisecond))
}
