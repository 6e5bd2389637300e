package server

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	admissionv1 "k8s.io/api/admission/v1"

	"github.com/syncgate/syncgate"
	"github.com/syncgate/syncgate/internal/tlstest"
	"github.com/syncgate/syncgate/manifest"
)

// testServer is a Server listening over TLS on loopback, with its
// policies in a directory the test may rewrite.
type testServer struct {
	srv       *Server
	client    *http.Client
	base      string
	policyDir string
	log       *syncBuffer
	// stop ends Serve and returns its error.
	stop func() error
}

// copyDir copies the files of src into a new temporary directory.
func copyDir(t testing.TB, src string) string {
	t.Helper()
	dst := t.TempDir()
	entries, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dst, e.Name()), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dst
}

// testLoader builds Sets from the Rego in dir, with testdata/lenient.yaml
// as the named configuration "lenient".
func testLoader(dir string) Loader {
	return func(ctx context.Context) (*Set, error) {
		cfg, err := syncgate.LoadConfig("testdata/lenient.yaml")
		if err != nil {
			return nil, err
		}
		opts := syncgate.DefaultOptions()
		opts.Policy.Dirs = []string{dir}
		opts.Policy.Bundled = false
		g, err := syncgate.New(ctx, opts)
		if err != nil {
			return nil, err
		}
		return &Set{Gate: g, FailOn: manifest.SeverityError, Configs: map[string]*syncgate.Config{"lenient": cfg}}, nil
	}
}

// startServer serves over real TLS on loopback until the test ends, and
// waits until it is ready.
func startServer(t testing.TB, adjust func(*Options)) *testServer {
	t.Helper()
	ts := &testServer{policyDir: copyDir(t, "testdata/policy"), log: &syncBuffer{}}
	certFile, keyFile, pool := tlstest.SelfSigned(t, t.TempDir())
	opts := DefaultOptions()
	opts.Load = testLoader(ts.policyDir)
	opts.Watch = []string{ts.policyDir}
	opts.ReloadInterval = 20 * time.Millisecond
	opts.CertFile, opts.KeyFile = certFile, keyFile
	opts.DecisionLog = slog.New(slog.NewJSONHandler(ts.log, nil))
	if adjust != nil {
		adjust(&opts)
	}
	srv, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	ts.srv = srv
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln, nil) }()
	var stopped error
	var once sync.Once
	ts.stop = func() error {
		once.Do(func() {
			cancel()
			stopped = <-done
		})
		return stopped
	}
	t.Cleanup(func() {
		if err := ts.stop(); err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	ts.base = "https://" + ln.Addr().String()
	ts.client = &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}}
	t.Cleanup(ts.client.CloseIdleConnections)
	ts.waitFor(t, "the server to be ready", func() bool {
		code, _ := ts.get(t, "/readyz")
		return code == http.StatusOK
	})
	return ts
}

// waitFor polls cond until it holds; the test's own deadline bounds it.
func (ts *testServer) waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	// A benchmark has no deadline of its own: two minutes bound it.
	deadline, ok := testDeadline(t)
	if !ok {
		deadline = time.Now().Add(2 * time.Minute)
	}
	for !cond() {
		if time.Until(deadline) < 5*time.Second {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// testDeadline is t's deadline; a benchmark has none.
func testDeadline(t testing.TB) (deadline time.Time, ok bool) {
	if d, ok := t.(interface{ Deadline() (time.Time, bool) }); ok {
		return d.Deadline()
	}
	return time.Time{}, false
}

func (ts *testServer) get(t testing.TB, path string) (int, string) {
	t.Helper()
	resp, err := ts.client.Get(ts.base + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(body)
}

func (ts *testServer) post(t *testing.T, path, contentType string, body io.Reader) (int, string) {
	t.Helper()
	resp, err := ts.client.Post(ts.base+path, contentType, body)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(out)
}

// syncBuffer collects the decision log of concurrent requests.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// records decodes the log's JSON lines, without their time.
func (b *syncBuffer) records(t *testing.T) []map[string]any {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []map[string]any
	dec := json.NewDecoder(bytes.NewReader(b.buf.Bytes()))
	for dec.More() {
		var rec map[string]any
		if err := dec.Decode(&rec); err != nil {
			t.Fatal(err)
		}
		delete(rec, "time")
		out = append(out, rec)
	}
	return out
}

// reviewJSON is an AdmissionReview request for obj.
func reviewJSON(uid, operation, namespace string, obj string) string {
	if obj == "" {
		obj = "null"
	}
	return fmt.Sprintf(`{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{
"uid":%q,"kind":{"group":"","version":"v1","kind":"ConfigMap"},
"resource":{"group":"","version":"v1","resource":"configmaps"},
"namespace":%q,"name":"cm","operation":%q,"userInfo":{"username":"alice"},
"object":%s,"dryRun":false}}`, uid, namespace, operation, obj)
}

// withOld adds oldObject, the object as stored, to a review.
func withOld(review, old string) string {
	return strings.Replace(review, `"object":`, `"oldObject":`+old+`,"object":`, 1)
}

// immutableConfigMap is an immutable ConfigMap whose key fine holds value.
func immutableConfigMap(value string) string {
	return fmt.Sprintf(`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cm"},"immutable":true,"data":{"fine":%q}}`, value)
}

func configMap(key string) string {
	return fmt.Sprintf(`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cm"},"data":{%q:"x"}}`, key)
}

func decodeResponse(t *testing.T, body string) *admissionv1.AdmissionResponse {
	t.Helper()
	var ar admissionv1.AdmissionReview
	if err := json.Unmarshal([]byte(body), &ar); err != nil {
		t.Fatalf("response %q: %v", body, err)
	}
	if ar.APIVersion != "admission.k8s.io/v1" || ar.Kind != "AdmissionReview" || ar.Response == nil {
		t.Fatalf("response is no AdmissionReview v1: %s", body)
	}
	return ar.Response
}

// verdict is what a test compares of an admission response.
type verdict struct {
	UID      string
	Allowed  bool
	Code     int32
	Message  string
	Warnings []string
}

func verdictOf(r *admissionv1.AdmissionResponse) verdict {
	v := verdict{UID: string(r.UID), Allowed: r.Allowed, Warnings: r.Warnings}
	if r.Result != nil {
		v.Code, v.Message = r.Result.Code, r.Result.Message
	}
	return v
}

func TestAdmission(t *testing.T) {
	ts := startServer(t, nil)
	tests := []struct {
		name   string
		review string
		want   verdict
	}{
		{
			name:   "allowed",
			review: reviewJSON("u-1", "CREATE", "apps", configMap("fine")),
			want:   verdict{UID: "u-1", Allowed: true},
		},
		{
			name:   "denied",
			review: reviewJSON("u-2", "CREATE", "apps", configMap("forbidden")),
			want: verdict{UID: "u-2", Code: 403, Message: "syncgate denied ConfigMap/apps/cm: 1 blocking finding(s)\n" +
				"- policy/main/deny: ConfigMap cm holds the key forbidden"},
		},
		{
			name:   "warned",
			review: reviewJSON("u-3", "UPDATE", "apps", configMap("deprecated")),
			want:   verdict{UID: "u-3", Allowed: true, Warnings: []string{"policy/main/warn: ConfigMap cm holds the key deprecated"}},
		},
		{
			name:   "delete is allowed",
			review: reviewJSON("u-4", "DELETE", "apps", ""),
			want:   verdict{UID: "u-4", Allowed: true},
		},
		{
			name:   "an update is checked as a change: immutable data edited",
			review: withOld(reviewJSON("u-7", "UPDATE", "apps", immutableConfigMap("y")), immutableConfigMap("x")),
			want: verdict{UID: "u-7", Code: 403, Message: "syncgate denied ConfigMap/apps/cm: 1 blocking finding(s)\n" +
				"- change/immutable-data data: the ConfigMap is immutable: true, so its data cannot change"},
		},
		{
			name:   "an update that keeps immutable data",
			review: withOld(reviewJSON("u-8", "UPDATE", "apps", immutableConfigMap("x")), immutableConfigMap("x")),
			want:   verdict{UID: "u-8", Allowed: true},
		},
		{
			name:   "deleting a ConfigMap loses nothing",
			review: withOld(reviewJSON("u-9", "DELETE", "apps", ""), immutableConfigMap("x")),
			want:   verdict{UID: "u-9", Allowed: true},
		},
		{
			name:   "deleting a PersistentVolumeClaim is a change rule's to refuse",
			review: withOld(reviewJSON("u-10", "DELETE", "apps", ""), `{"apiVersion":"v1","kind":"PersistentVolumeClaim","metadata":{"name":"data"},"spec":{"accessModes":["ReadWriteOnce"],"resources":{"requests":{"storage":"1Gi"}}}}`),
			want: verdict{UID: "u-10", Code: 403, Message: "syncgate denied PersistentVolumeClaim/apps/data: 1 blocking finding(s)\n" +
				"- change/prune-data-loss: the PersistentVolumeClaim is removed: pruning it deletes its volume's data unless the PersistentVolume's reclaim policy is Retain"},
		},
		{
			name:   "kube-system is excluded",
			review: reviewJSON("u-5", "CREATE", "kube-system", configMap("forbidden")),
			want:   verdict{UID: "u-5", Allowed: true},
		},
		{
			name:   "dry run is reviewed as any other",
			review: strings.Replace(reviewJSON("u-6", "CREATE", "apps", configMap("forbidden")), `"dryRun":false`, `"dryRun":true`, 1),
			want: verdict{UID: "u-6", Code: 403, Message: "syncgate denied ConfigMap/apps/cm: 1 blocking finding(s)\n" +
				"- policy/main/deny: ConfigMap cm holds the key forbidden"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, body := ts.post(t, "/v1/admission", "application/json", strings.NewReader(tt.review))
			if code != http.StatusOK {
				t.Fatalf("status %d: %s", code, body)
			}
			if diff := cmp.Diff(tt.want, verdictOf(decodeResponse(t, body))); diff != "" {
				t.Errorf("response (-want +got):\n%s", diff)
			}
		})
	}
	t.Run("decision log", func(t *testing.T) {
		recs := ts.log.records(t)
		var denied map[string]any
		for _, r := range recs {
			if r["uid"] == "u-2" {
				denied = r
			}
		}
		if denied == nil {
			t.Fatalf("no record of u-2 in %v", recs)
		}
		if _, ok := denied["durationMs"].(float64); !ok {
			t.Errorf("record has no durationMs: %v", denied)
		}
		delete(denied, "durationMs")
		want := map[string]any{
			"level": "INFO", "msg": "decision", "endpoint": "admission", "verdict": "denied",
			"uid": "u-2", "kind": "ConfigMap", "namespace": "apps", "name": "cm", "dryRun": false,
			"rules": []any{"policy/main/deny"},
		}
		if diff := cmp.Diff(want, denied); diff != "" {
			t.Errorf("decision record (-want +got):\n%s", diff)
		}
		for _, r := range recs {
			if line, _ := json.Marshal(r); bytes.Contains(line, []byte(`"x"`)) {
				t.Errorf("a decision record holds a value: %s", line)
			}
		}
	})
}

// TestExcludedNamespaces: the Set's excluded namespaces, from the
// configuration, replace Options' (kube-system by default).
func TestExcludedNamespaces(t *testing.T) {
	tests := []struct {
		name     string
		excluded []string // the Set's
		allowed  map[string]bool
	}{
		{"default", nil, map[string]bool{"kube-system": true, "apps": false}},
		{"from the configuration", []string{"apps"}, map[string]bool{"kube-system": false, "apps": true}},
		{"none", []string{}, map[string]bool{"kube-system": false, "apps": false}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := startServer(t, func(o *Options) {
				load := o.Load
				o.Load = func(ctx context.Context) (*Set, error) {
					set, err := load(ctx)
					if set != nil {
						set.ExcludedNamespaces = tt.excluded
					}
					return set, err
				}
			})
			got := map[string]bool{}
			for ns := range tt.allowed {
				_, body := ts.post(t, "/v1/admission", "application/json", strings.NewReader(reviewJSON("x-"+ns, "CREATE", ns, configMap("forbidden"))))
				got[ns] = decodeResponse(t, body).Allowed
			}
			if diff := cmp.Diff(tt.allowed, got); diff != "" {
				t.Errorf("allowed by namespace (-want +got):\n%s", diff)
			}
		})
	}
}
