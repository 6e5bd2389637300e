package main

import (
	"bytes"
	"errors"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

var allPassed = regexp.MustCompile(`(?m)\APASS: (\d+)/(\d+)\n\z`)

func TestPolicyTest(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		wantCode int
		// want are lines of stdout, in order.
		want []string
		// wantAll asks for one summary line, all passed, more than the
		// user's two tests.
		wantAll bool
	}{
		{name: "passing user tests", args: []string{"test", "--no-default-policies", "-v", "../../testdata/policy/tests/pass"}, want: []string{
			"../../testdata/policy/tests/pass/labels_test.rego:",
			"data.main_test.test_unlabelled_denied: PASS",
			"data.main_test.test_labelled_allowed: PASS",
			"PASS: 2/2",
		}},
		{name: "bundled and user tests", args: []string{"test", "../../testdata/policy/tests/pass"}, wantAll: true},
		{name: "failing tests", args: []string{"test", "--no-default-policies", "../../testdata/policy/tests/fail"}, wantCode: exitFindings, want: []string{
			"data.main_test.test_expects_wrong_message: FAIL",
			`  deny: {"web has no team label"}`,
			"data.main_test.test_builtin_error: ERROR",
			"PASS: 1/3", "FAIL: 1/3", "ERROR: 1/3",
		}},
		{name: "unknown Rego version", args: []string{"test", "--rego-version", "v2", "../../testdata/policy/tests/pass"}, wantCode: exitError},
		{name: "compile error", args: []string{"test", "--no-default-policies", "../../policy/testdata/http-send"}, wantCode: exitError},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			cmd := newPolicyCmd()
			cmd.SilenceUsage = true
			cmd.SilenceErrors = true
			cmd.SetOut(&out)
			cmd.SetErr(&errOut)
			cmd.SetArgs(tt.args)
			err := cmd.Execute()
			code := exitAllowed
			var ce *codeError
			switch {
			case errors.As(err, &ce):
				code = ce.code
			case err != nil:
				code = exitError
			}
			if code != tt.wantCode {
				t.Fatalf("exit code %d, want %d (err %v); stdout:\n%s", code, tt.wantCode, err, out.String())
			}
			if tt.wantAll {
				passed, total := 0, -1
				if m := allPassed.FindStringSubmatch(out.String()); m != nil {
					passed, _ = strconv.Atoi(m[1])
					total, _ = strconv.Atoi(m[2])
				}
				if passed != total || passed <= 2 {
					t.Errorf("want every test passed, more than 2:\n%s", out.String())
				}
			}
			rest := out.String()
			for _, line := range tt.want {
				i := strings.Index(rest, line+"\n")
				if i < 0 {
					t.Fatalf("stdout lacks %q after the lines before it:\n%s", line, out.String())
				}
				rest = rest[i+len(line):]
			}
		})
	}
}
