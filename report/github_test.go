package report

import (
	"bytes"
	"strings"
	"testing"

	"github.com/syncgate/syncgate"
	"github.com/syncgate/syncgate/manifest"
)

func TestGitHubEscaping(t *testing.T) {
	tests := []struct {
		name    string
		finding manifest.Finding
		want    string
	}{
		{name: "plain", finding: manifest.Finding{Rule: "a/b", Severity: manifest.SeverityError, File: "x.yaml", Line: 3, Message: "bad"},
			want: "::error file=x.yaml,line=3,title=a/b::bad\n"},
		{name: "data escapes percent and line breaks, keeps colons and commas",
			finding: manifest.Finding{Rule: "a/b", Severity: manifest.SeverityWarning, Message: "100% bad\r\n::error::injected, a: b"},
			want:    "::warning title=a/b::100%25 bad%0D%0A::error::injected, a: b\n"},
		{name: "properties escape colons and commas too",
			finding: manifest.Finding{Rule: "policy/x:y,z", Severity: manifest.SeverityInfo, File: "dir,1/a:b%.yaml", Message: "m"},
			want:    "::notice file=dir%2C1/a%3Ab%25.yaml,title=policy/x%3Ay%2Cz::m\n"},
		{name: "no line without a file", finding: manifest.Finding{Rule: "a/b", Severity: manifest.SeverityError, Line: 4, Target: "t", Message: "m"},
			want: "::error title=a/b::t: m\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			d := &syncgate.Decision{Findings: []manifest.Finding{tt.finding}}
			if err := Write(&out, d, GitHub, Options{}); err != nil {
				t.Fatal(err)
			}
			got, _, _ := strings.Cut(out.String(), "syncgate blocked")
			if got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}
