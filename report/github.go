package report

import (
	"io"
	"strconv"
	"strings"

	"github.com/syncgate/syncgate"
	"github.com/syncgate/syncgate/manifest"
)

// githubCommands maps severities to GitHub Actions workflow commands.
var githubCommands = map[manifest.Severity]string{
	manifest.SeverityError:   "error",
	manifest.SeverityWarning: "warning",
	manifest.SeverityInfo:    "notice",
}

// writeGitHub writes one workflow command per finding, which GitHub Actions
// turns into an annotation on the file and line of a pull request, then
// the summary line as plain log text.
func writeGitHub(w io.Writer, d *syncgate.Decision, _ Options) error {
	ew := &errWriter{w: w}
	for _, f := range d.Findings {
		command, ok := githubCommands[f.Severity]
		if !ok {
			command = "error"
		}
		props := githubLocation(f)
		props = append(props, "title="+githubProperty(newMark(f)+f.Rule))
		ew.printf("::%s %s::%s\n", command, strings.Join(props, ","), githubData(standalone(f)))
	}
	for _, wv := range d.Waived {
		props := githubLocation(wv.Finding)
		props = append(props, "title="+githubProperty("waived "+wv.Rule))
		ew.printf("::notice %s::%s\n", strings.Join(props, ","), githubData(waivedText(wv)))
	}
	for _, o := range d.Overrides {
		ew.printf("::notice title=%s::%s\n", githubProperty("severity override "+o.Rule), githubData(overrideText(o)))
	}
	if d.Diff != nil {
		ew.printf("syncgate diff: %s\n", diffSummary(d.Diff))
	}
	ew.printf("syncgate %s: %s\n", verdict(d), summary(d))
	return ew.err
}

// githubLocation is the file and line properties of a finding's command.
func githubLocation(f manifest.Finding) []string {
	var props []string
	if f.File != "" {
		props = append(props, "file="+githubProperty(f.File))
		if f.Line > 0 {
			props = append(props, "line="+strconv.Itoa(f.Line))
		}
	}
	return props
}

// githubData escapes a command's message as the runner decodes it, which
// also keeps a message from starting a command of its own on a new line.
var githubData = strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace

// githubProperty escapes a command's property value: as data, and also
// the separators of the property list.
var githubProperty = strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace
