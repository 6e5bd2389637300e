package server

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// checkResult is what a test compares of a /v1/check decision.
type checkResult struct {
	Allowed  bool
	Objects  int
	Findings []string // rule target object
	Waived   int
}

func decodeDecision(t *testing.T, body string) checkResult {
	t.Helper()
	var d struct {
		Allowed bool `json:"allowed"`
		Summary struct {
			Objects int `json:"objects"`
		} `json:"summary"`
		Findings []struct {
			Rule   string `json:"rule"`
			Target string `json:"target"`
			Object *struct {
				Kind string `json:"kind"`
				Name string `json:"name"`
			} `json:"object"`
		} `json:"findings"`
		Waived []json.RawMessage `json:"waived"`
	}
	if err := json.Unmarshal([]byte(body), &d); err != nil {
		t.Fatalf("decision %q: %v", body, err)
	}
	r := checkResult{Allowed: d.Allowed, Objects: d.Summary.Objects, Waived: len(d.Waived)}
	for _, f := range d.Findings {
		s := f.Rule + " " + f.Target
		if f.Object != nil {
			s += " " + f.Object.Kind + "/" + f.Object.Name
		}
		r.Findings = append(r.Findings, s)
	}
	return r
}

func TestCheck(t *testing.T) {
	ts := startServer(t, nil)
	yamlStream := "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: apps}\ndata: {forbidden: x}\n---\n" +
		"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: b, namespace: apps}\ndata: {fine: x}\n"
	jsonStream := configMap("forbidden") + "\n" +
		`{"apiVersion":"v1","kind":"List","items":[` + configMap("fine") + `]}`
	tests := []struct {
		name, contentType, query, body string
		want                           checkResult
	}{
		{
			name: "YAML stream", contentType: "application/yaml", body: yamlStream,
			want: checkResult{Objects: 2, Findings: []string{"policy/main/deny request ConfigMap/a"}},
		},
		{
			name: "JSON values and a List", contentType: "application/json; charset=utf-8", query: "?target=apps/web", body: jsonStream,
			want: checkResult{Objects: 2, Findings: []string{"policy/main/deny apps/web ConfigMap/cm", "render/duplicate-object apps/web ConfigMap/cm"}},
		},
		{
			name: "named configuration", contentType: "application/yaml", query: "?config=lenient", body: yamlStream,
			want: checkResult{Allowed: true, Objects: 2, Waived: 1},
		},
		{
			name: "empty stream", contentType: "application/yaml", body: "",
			want: checkResult{Allowed: true},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, body := ts.post(t, "/v1/check"+tt.query, tt.contentType, strings.NewReader(tt.body))
			if code != http.StatusOK {
				t.Fatalf("status %d: %s", code, body)
			}
			if diff := cmp.Diff(tt.want, decodeDecision(t, body)); diff != "" {
				t.Errorf("decision (-want +got):\n%s", diff)
			}
		})
	}
}

// nested is a JSON value nested depth lists deep.
func nested(depth int) string {
	return strings.Repeat("[", depth) + strings.Repeat("]", depth)
}

// aliasBomb is a YAML "billion laughs" document.
func aliasBomb() string {
	var b strings.Builder
	b.WriteString("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: bomb}\nx0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n")
	for i := 1; i < 10; i++ {
		fmt.Fprintf(&b, "x%d: &a%d [*a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d]\n", i, i, i-1, i-1, i-1, i-1, i-1, i-1, i-1, i-1, i-1, i-1)
	}
	return b.String()
}

// TestHostile sends what a hostile or broken client would: each gets a
// clear status, and the server keeps answering normal requests.
func TestHostile(t *testing.T) {
	ts := startServer(t, func(o *Options) { o.MaxBody = 1 << 20 })
	big := bytes.Repeat([]byte(" "), 16<<20)
	tests := []struct {
		name, path, contentType string
		body                    io.Reader
		wantCode                int
		wantBody                string // a regular expression
	}{
		{"16 MiB body", "/v1/admission", "application/json", bytes.NewReader(big), 413, "larger than 1048576 bytes"},
		{"16 MiB stream", "/v1/check", "application/yaml", bytes.NewReader(big), 413, "larger than 1048576 bytes"},
		{"not JSON", "/v1/admission", "application/json", strings.NewReader("{"), 400, "AdmissionReview"},
		{"100,000-deep nesting", "/v1/admission", "application/json", strings.NewReader(nested(100000)), 400, "AdmissionReview"},
		{"100,000-deep nesting in a stream", "/v1/check", "application/json", strings.NewReader(nested(100000)), 400, "request"},
		{"duplicate keys in the object", "/v1/admission", "application/json",
			strings.NewReader(reviewJSON("d-1", "CREATE", "apps", `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a","name":"b"}}`)), 400, "duplicate"},
		{"duplicate keys in the review", "/v1/admission", "application/json",
			strings.NewReader(strings.Replace(reviewJSON("d-2", "CREATE", "apps", configMap("fine")), `"uid":"d-2"`, `"uid":"d-2","uid":"d-3"`, 1)), 400, "duplicate"},
		{"duplicate keys in a stream", "/v1/check", "application/json", strings.NewReader(`{"apiVersion":"v1","kind":"ConfigMap","kind":"Secret"}`), 400, "duplicate"},
		{"duplicate keys in the old object", "/v1/admission", "application/json",
			strings.NewReader(strings.Replace(reviewJSON("d-4", "UPDATE", "apps", configMap("fine")), `"object":`, `"oldObject":{"apiVersion":"v1","kind":"ConfigMap","kind":"Secret"},"object":`, 1)), 400, `request.oldObject|duplicate`},
		{"object past the depth limit", "/v1/admission", "application/json",
			strings.NewReader(reviewJSON("n-1", "CREATE", "apps", `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a"},"data":`+nested(200)+`}`)), 400, "request.object: .*nesting deeper than 100"},
		{"old object without kind", "/v1/admission", "application/json",
			strings.NewReader(strings.Replace(reviewJSON("k-2", "UPDATE", "apps", configMap("fine")), `"object":`, `"oldObject":{"apiVersion":"v1"},"object":`, 1)), 400, "request.oldObject has no apiVersion or kind"},
		{"object not a JSON object", "/v1/admission", "application/json", strings.NewReader(reviewJSON("k-3", "CREATE", "apps", `["a"]`)), 400, "AdmissionReview"},
		{"invalid UTF-8 in a review", "/v1/admission", "application/json",
			strings.NewReader(reviewJSON("u-1", "CREATE", "apps", "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"data\":{\"a\":\"\xff\"}}")), 400, "invalid UTF-8"},
		{"YAML alias bomb", "/v1/check", "application/yaml", strings.NewReader(aliasBomb()), 400, "alias"},
		{"wrong review version", "/v1/admission", "application/json",
			strings.NewReader(strings.Replace(reviewJSON("v-1", "CREATE", "apps", configMap("fine")), "admission.k8s.io/v1", "admission.k8s.io/v1beta1", 1)), 400, "want admission.k8s.io/v1"},
		{"no uid", "/v1/admission", "application/json", strings.NewReader(reviewJSON("", "CREATE", "apps", configMap("fine"))), 400, "uid is empty"},
		{"object without kind", "/v1/admission", "application/json", strings.NewReader(reviewJSON("k-1", "CREATE", "apps", `{"apiVersion":"v1"}`)), 400, "no apiVersion or kind"},
		{"unknown content type", "/v1/check", "text/plain", strings.NewReader("a: b"), 400, "want application/yaml or application/json"},
		{"not an object", "/v1/check", "application/yaml", strings.NewReader("- a\n- b\n"), 400, `request:1: document is a list`},
		{"unknown named configuration", "/v1/check?config=nope", "application/yaml", strings.NewReader(""), 400, "unknown config nope"},
		{"invalid UTF-8", "/v1/check", "application/yaml", strings.NewReader("a: \xff\n"), 400, "invalid UTF-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, body := ts.post(t, tt.path, tt.contentType, tt.body)
			if code != tt.wantCode || !regexp.MustCompile(tt.wantBody).MatchString(body) {
				t.Errorf("got %d %q, want %d and a body matching %q", code, truncate(body, 300), tt.wantCode, tt.wantBody)
			}
			code, body = ts.post(t, "/v1/admission", "application/json", strings.NewReader(reviewJSON("after", "CREATE", "apps", configMap("forbidden"))))
			if code != http.StatusOK || decodeResponse(t, body).Allowed {
				t.Errorf("a normal review after it: %d %s", code, body)
			}
		})
	}
	if code, _ := ts.get(t, "/healthz"); code != http.StatusOK {
		t.Errorf("/healthz: %d", code)
	}
}

// metricValue reads one sample of the Prometheus text format, or -1.
func metricValue(t *testing.T, ts *testServer, sample string) float64 {
	t.Helper()
	_, body := ts.get(t, "/metrics")
	for _, line := range strings.Split(body, "\n") {
		if value, ok := strings.CutPrefix(line, sample+" "); ok {
			v, err := strconv.ParseFloat(value, 64)
			if err != nil {
				t.Fatalf("%s: %v", line, err)
			}
			return v
		}
	}
	return -1
}

func TestMetrics(t *testing.T) {
	ts := startServer(t, nil)
	ts.post(t, "/v1/admission", "application/json", strings.NewReader(reviewJSON("m-1", "CREATE", "apps", configMap("forbidden"))))
	ts.post(t, "/v1/admission", "application/json", strings.NewReader(reviewJSON("m-2", "CREATE", "apps", configMap("fine"))))
	ts.post(t, "/v1/admission", "application/json", strings.NewReader(reviewJSON("m-3", "CREATE", "apps", configMap("fine"))))
	ts.post(t, "/v1/admission", "application/json", strings.NewReader("{"))
	ts.post(t, "/v1/check", "application/yaml", strings.NewReader(""))
	want := map[string]float64{
		`syncgate_requests_total{endpoint="admission",kind="ConfigMap",verdict="denied"}`:                  1,
		`syncgate_requests_total{endpoint="admission",kind="ConfigMap",verdict="allowed"}`:                 2,
		`syncgate_requests_total{endpoint="admission",kind="",verdict="rejected"}`:                         1,
		`syncgate_requests_total{endpoint="check",kind="",verdict="allowed"}`:                              1,
		`syncgate_request_duration_seconds_count{endpoint="admission",kind="ConfigMap",verdict="allowed"}`: 2,
		`syncgate_rejections_total{reason="malformed"}`:                                                    1,
		`syncgate_policy_reloads_total{result="success"}`:                                                  1,
		`syncgate_inflight_requests`:                                                                       0,
	}
	got := map[string]float64{}
	for sample := range want {
		got[sample] = metricValue(t, ts, sample)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("metrics (-want +got):\n%s", diff)
	}
}

// TestReload rewrites the policies under a running server: a policy that
// does not compile keeps the previous set, and the server stays ready.
func TestSettle(t *testing.T) {
	a, b, c := [sha256.Size]byte{1}, [sha256.Size]byte{2}, [sha256.Size]byte{3}
	tests := []struct {
		name  string
		polls [][sha256.Size]byte
		want  []bool
	}{
		{"unchanged", [][sha256.Size]byte{a, a, a}, []bool{false, false, false}},
		{"a change taken at its second poll", [][sha256.Size]byte{b, b, b}, []bool{false, true, false}},
		{"a moment mid-write is never taken", [][sha256.Size]byte{c, b, b}, []bool{false, false, true}},
		{"changing at every poll", [][sha256.Size]byte{b, c, b, c}, []bool{false, false, false, false}},
		{"back to the loaded contents", [][sha256.Size]byte{b, a, a}, []bool{false, false, false}},
		{"changed again after a load", [][sha256.Size]byte{b, b, c, c}, []bool{false, true, false, true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := settle{loaded: a, seen: a}
			for i, sum := range tt.polls {
				if got := p.changed(sum); got != tt.want[i] {
					t.Errorf("poll %d: changed = %v, want %v", i, got, tt.want[i])
				}
			}
		})
	}
}

func TestReload(t *testing.T) {
	ts := startServer(t, nil)
	deniedKey := func(key string) bool {
		_, body := ts.post(t, "/v1/admission", "application/json", strings.NewReader(reviewJSON("r", "CREATE", "apps", configMap(key))))
		return !decodeResponse(t, body).Allowed
	}
	if !deniedKey("forbidden") || deniedKey("banned") {
		t.Fatal("the first policy set is not the one in testdata/policy")
	}
	file := filepath.Join(ts.policyDir, "configmap.rego")
	write := func(content string) {
		t.Helper()
		if err := os.WriteFile(file, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("package main\n\ndeny contains msg if {\n\tthis does not compile\n")
	ts.waitFor(t, "a failed reload", func() bool {
		return metricValue(t, ts, `syncgate_policy_reloads_total{result="error"}`) >= 1
	})
	if code, _ := ts.get(t, "/readyz"); code != http.StatusOK {
		t.Errorf("/readyz after a failed reload: %d", code)
	}
	if !deniedKey("forbidden") {
		t.Error("after a failed reload, the previous policies no longer apply")
	}
	write(`package main

deny contains msg if {
	input.data.banned
	msg := "banned"
}
`)
	ts.waitFor(t, "the new policies", func() bool { return deniedKey("banned") })
	if deniedKey("forbidden") {
		t.Error("the replaced policy still applies")
	}
	if got := metricValue(t, ts, `syncgate_policy_reloads_total{result="success"}`); got != 2 {
		t.Errorf("successful reloads: %v, want 2", got)
	}
}
