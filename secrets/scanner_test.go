package secrets

import (
	"context"
	"strings"
	"testing"
)

// The credential rules compile on first use, except that New checks the
// names of disabled rules at once; a disabled rule finds nothing.
func TestNewDisabledRules(t *testing.T) {
	const text = "aws_access_key_id = AKIAZ7VRSQ5TUMLY4KXP\n"
	tests := []struct {
		name     string
		disabled []string
		wantErr  string
		found    bool
	}{
		{name: "every rule", found: true},
		{name: "the rule disabled", disabled: []string{"aws-access-token"}},
		{name: "an unknown rule", disabled: []string{"no-such-rule"}, wantErr: `disabled credential rule "no-such-rule"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := DefaultOptions()
			opts.DisabledCredentialRules = tt.disabled
			s, err := New(opts)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("New: %v, want an error with %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			leaks, err := s.leaks(context.Background(), "creds.txt", text)
			if err != nil {
				t.Fatal(err)
			}
			if got := len(leaks) > 0; got != tt.found {
				t.Errorf("leaks %v, want found %v", leaks, tt.found)
			}
		})
	}
}
