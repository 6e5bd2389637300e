package secrets

import (
	"fmt"
	"regexp"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// gitleaksRule finds the gitleaks rule a credential finding names.
var gitleaksRule = regexp.MustCompile(`gitleaks rule (\S+)`)

// TestLeaks runs the stage over the planted credentials of
// testdata/secrets/leaks as the gate does, and prints one line per
// credential finding for testdata/compare-gitleaks.sh to count.
func TestLeaks(t *testing.T) {
	want := []string{
		"configmap.yaml:6 data.AWS_ACCESS_KEY_ID aws-access-token",
		"configmap.yaml:7 data.github-token github-pat",
		"deployment.yaml:15 spec.template.spec.containers[0].args[1] stripe-access-token",
		"deployment.yaml:18 spec.template.spec.containers[0].env[0].value slack-bot-token",
		"scripts/deploy.sh:3  npm-access-token",
		"secret.yaml:7 data.GITHUB_TOKEN github-pat",
		"secret.yaml:8 data.GITLAB_TOKEN gitlab-pat",
		"secret.yaml:9 data[tls.key] private-key",
		"secret.yaml:10 data.SLACK_TOKEN_B64 slack-bot-token",
	}
	got := []string{}
	for _, f := range checkRepo(t, newScanner(t, false), fixtures+"/leaks") {
		if f.Rule != RuleCredential {
			continue
		}
		rule := gitleaksRule.FindStringSubmatch(f.Message)
		if rule == nil {
			t.Fatalf("finding names no gitleaks rule: %s", f.Message)
		}
		line := fmt.Sprintf("%s:%d %s %s", f.File, f.Line, f.Field, rule[1])
		got = append(got, line)
		t.Logf("syncgate-credential %s", line)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("credentials (-want +got):\n%s", diff)
	}
}

// TestLeaksWarmCache checks the same repository again with a Scanner that
// has seen every string of it: remembered strings give the same findings.
func TestLeaksWarmCache(t *testing.T) {
	s := newScanner(t, false)
	cold := checkRepo(t, s, fixtures+"/leaks")
	if len(s.cache.leaks) == 0 {
		t.Fatal("the first check left nothing in the cache")
	}
	if diff := cmp.Diff(cold, checkRepo(t, s, fixtures+"/leaks")); diff != "" {
		t.Errorf("findings with a warm cache (-cold +warm):\n%s", diff)
	}
}
