package validate

import (
	"fmt"
	"strings"
	"testing"

	"github.com/syncgate/syncgate/internal/golden"
	"github.com/syncgate/syncgate/manifest"
)

// assertFindingsGolden compares findings, one line each, with a golden
// file (rewritten with -update).
func assertFindingsGolden(t *testing.T, path string, findings []manifest.Finding) {
	t.Helper()
	var b strings.Builder
	for _, f := range findings {
		fmt.Fprintf(&b, "%s:%d: %s %s %s [%s] %s\n", f.File, f.Line, f.Target, f.Severity, f.Rule, f.Field, f.Message)
	}
	golden.Assert(t, path, []byte(b.String()))
}
