package engine

import (
	"strings"
	"testing"
)

// TestRender checks both template languages of ApplicationSets on one
// string: fasttemplate leaves unknown and non-string tags as written and
// refuses an unclosed tag only where a {{...}} pair exists on a line.
func TestRender(t *testing.T) {
	params := map[string]any{"name": "api", "path.basename": "api", "n": 3}
	tests := []struct {
		name    string
		goTmpl  bool
		in      string
		want    string
		wantErr string
	}{
		{name: "fast", in: "app-{{name}}-{{ path.basename }}", want: "app-api-api"},
		{name: "fast unknown kept", in: "{{ other }}/{{n}}", want: "{{ other }}/{{n}}"},
		{name: "fast no pair", in: "a }} b {{ c", want: "a }} b {{ c"},
		{name: "fast unclosed", in: "{{name}} {{x", wantErr: "no }} after {{"},
		{name: "go sprig", goTmpl: true, in: `{{ .name | upper }}-{{ normalize "A_B" }}`, want: "API-a-b"},
		{name: "go no env", goTmpl: true, in: `{{ env "HOME" }}`, wantErr: `function "env" not defined`},
		{name: "go missing key", goTmpl: true, in: `{{ .nothere }}`, want: "<no value>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &appSet{goTemplate: tt.goTmpl}
			got, err := s.render(tt.in, params)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("render(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestReleaseName(t *testing.T) {
	long := strings.Repeat("a", 30) + "-" + strings.Repeat("b", 30)
	tests := []struct{ in, want string }{
		{"apps-hello", "apps-hello"},
		{long, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-bbbbbbbbb-0d5805a5e727"}, // 40 characters, "-", sha256 prefix
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got := releaseName(tt.in)
			if got != tt.want || len(got) > maxReleaseName {
				t.Errorf("releaseName(%q) = %q (%d), want %q", tt.in, got, len(got), tt.want)
			}
		})
	}
}

func TestEscapeCommas(t *testing.T) {
	tests := []struct{ in, want string }{
		{"a,b", `a\,b`},
		{`a\,b`, `a\,b`},
		{"{a,b}", "{a,b}"},
	}
	for _, tt := range tests {
		if got := escapeCommas(tt.in); got != tt.want {
			t.Errorf("escapeCommas(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
