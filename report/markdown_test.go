package report

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/syncgate/syncgate"
	"github.com/syncgate/syncgate/manifest"
)

func TestMarkdownEscape(t *testing.T) {
	tests := []struct{ in, want string }{
		{"a | b", `a \| b`},
		{"line\nnext\r\nlast", "line<br>next<br>last"},
		{"<img src=x onerror=alert(1)> & `code`", "&lt;img src=x onerror=alert(1)&gt; &amp; \\`code\\`"},
		{`back\slash *bold* [link](x) _em_`, `back\\slash \*bold\* \[link\](x) \_em\_`},
	}
	for _, tt := range tests {
		if got := markdownEscape(tt.in); got != tt.want {
			t.Errorf("markdownEscape(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestMarkdownCap checks that a long report keeps to markdownRows table
// rows, errors first, and as many failed targets, says how many it left
// out, and fits in a pull-request comment.
func TestMarkdownCap(t *testing.T) {
	d := &syncgate.Decision{}
	for i := range markdownRows + 7 {
		d.Findings = append(d.Findings, manifest.Finding{Rule: "a/warn", Severity: manifest.SeverityWarning, Message: fmt.Sprint("w", i)})
	}
	d.Findings = append(d.Findings, manifest.Finding{Rule: "a/err", Severity: manifest.SeverityError, Message: strings.Repeat("x", 1000)})
	for i := range markdownRows + 3 {
		d.Targets = append(d.Targets, syncgate.TargetResult{Name: fmt.Sprint("t", i), Error: strings.Repeat("e", 1000)})
	}
	var out bytes.Buffer
	if err := Write(&out, d, Markdown, Options{}); err != nil {
		t.Fatal(err)
	}
	s, _, _ := strings.Cut(out.String(), "#### Findings by rule") // the findings table only
	if rows := strings.Count(s, "\n| "); rows != markdownRows+1 { // +1: the header row
		t.Errorf("%d table rows, want %d", rows-1, markdownRows)
	}
	if !strings.Contains(s, "| error | a/err |") {
		t.Error("the error is not in the capped table")
	}
	if !strings.Contains(s, "and 8 more findings") {
		t.Errorf("no count of the findings left out:\n%s", s)
	}
	if strings.Contains(s, strings.Repeat("x", markdownCell)) || strings.Contains(s, strings.Repeat("e", markdownCell)) {
		t.Error("a long message is not truncated")
	}
	if items := strings.Count(s, "\n- t"); items != markdownRows {
		t.Errorf("%d failed targets listed, want %d", items, markdownRows)
	}
	if !strings.Contains(s, "- …and 3 more") {
		t.Errorf("no count of the failed targets left out:\n%s", s)
	}
	if out.Len() > 65536 {
		t.Errorf("%d bytes: more than a GitHub comment holds", out.Len())
	}
}
