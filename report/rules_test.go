package report

import (
	"bytes"
	"testing"

	"github.com/syncgate/syncgate/manifest"
)

func TestRuleFallback(t *testing.T) {
	rules := Catalog{{ID: "a/b", Summary: "A B", HelpURI: "https://example.com/a/b", Severity: manifest.SeverityWarning}}
	if got := ruleInfo(rules, "a/b", manifest.SeverityError); got != rules[0] {
		t.Errorf("known rule: %+v", got)
	}
	want := manifest.Rule{ID: "c/d", Severity: manifest.SeverityInfo, Summary: "syncgate rule c/d"}
	for _, r := range []Rules{nil, rules} {
		if got := ruleInfo(r, "c/d", manifest.SeverityInfo); got != want {
			t.Errorf("unknown rule with %v: %+v, want %+v", r, got, want)
		}
	}
}

func TestWriteRules(t *testing.T) {
	rules := Catalog{
		{ID: "secrets/plaintext-secret", Severity: manifest.SeverityError, Summary: "A Secret holds a value in plain text."},
		{ID: "schema/deprecated-api", Severity: manifest.SeverityWarning, Summary: "The apiVersion is deprecated."},
		{ID: "policy/main/x", Severity: manifest.SeverityInfo, Summary: "two\nlines"},
	}
	var out bytes.Buffer
	if err := WriteRules(&out, rules); err != nil {
		t.Fatal(err)
	}
	want := `policy/main/x             info     two lines
schema/deprecated-api     warning  The apiVersion is deprecated.
secrets/plaintext-secret  error    A Secret holds a value in plain text.
`
	if out.String() != want {
		t.Errorf("got:\n%s\nwant:\n%s", out.String(), want)
	}
	if rules[0].ID != "secrets/plaintext-secret" {
		t.Error("WriteRules sorted its argument")
	}
}
