package server

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/syncgate/syncgate/internal/tlstest"
)

// fill takes every slot, as MaxInflight requests being checked would,
// until the test ends.
func fill(t *testing.T, s *Server) {
	t.Helper()
	for range cap(s.slots) {
		s.slots <- struct{}{}
	}
	t.Cleanup(func() {
		for range cap(s.slots) {
			s.free()
		}
	})
}

func TestOverload(t *testing.T) {
	tests := []struct {
		name     string
		failOpen bool
		want     verdict
	}{
		{"fail closed", false, verdict{UID: "o-1", Code: 503, Message: "syncgate: overloaded, denied without a check; retry"}},
		{"fail open", true, verdict{UID: "o-1", Allowed: true, Warnings: []string{"syncgate: overloaded, allowed without a check (--fail-open)"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := startServer(t, func(o *Options) {
				o.MaxInflight, o.QueueWait, o.FailOpen = 2, 0, tt.failOpen
			})
			fill(t, ts.srv)
			_, body := ts.post(t, "/v1/admission", "application/json", strings.NewReader(reviewJSON("o-1", "CREATE", "apps", configMap("fine"))))
			if diff := cmp.Diff(tt.want, verdictOf(decodeResponse(t, body))); diff != "" {
				t.Errorf("response (-want +got):\n%s", diff)
			}
			if code, _ := ts.post(t, "/v1/check", "application/yaml", strings.NewReader("")); code != http.StatusServiceUnavailable {
				t.Errorf("/v1/check past the cap: %d, want 503", code)
			}
			if got := metricValue(t, ts, `syncgate_rejections_total{reason="overloaded"}`); got != 2 {
				t.Errorf("overloaded rejections: %v, want 2", got)
			}
			// Excluded reviews need no slot.
			_, body = ts.post(t, "/v1/admission", "application/json", strings.NewReader(reviewJSON("o-2", "DELETE", "apps", "")))
			if !decodeResponse(t, body).Allowed {
				t.Error("a DELETE past the cap was denied")
			}
		})
	}
}

// TestCertificateRotation replaces the certificate files under a running
// server: the next handshake presents the new certificate.
func TestCertificateRotation(t *testing.T) {
	ts := startServer(t, nil)
	certFile, keyFile := ts.srv.opts.CertFile, ts.srv.opts.KeyFile
	first := peerCert(t, ts, nil)
	newCert, newKey, pool := tlstest.SelfSigned(t, t.TempDir())
	for from, to := range map[string]string{newCert: certFile, newKey: keyFile} {
		data, err := os.ReadFile(from)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(to, data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	second := peerCert(t, ts, pool)
	if first.Equal(second) {
		t.Error("the server still presents the first certificate")
	}
}

// peerCert handshakes afresh and returns the server's certificate; a nil
// pool trusts the test client's.
func peerCert(t *testing.T, ts *testServer, pool *x509.CertPool) *x509.Certificate {
	t.Helper()
	cfg := ts.client.Transport.(*http.Transport).TLSClientConfig.Clone()
	if pool != nil {
		cfg.RootCAs = pool
	}
	conn, err := tls.Dial("tcp", strings.TrimPrefix(ts.base, "https://"), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if v := conn.ConnectionState().Version; v < tls.VersionTLS12 {
		t.Errorf("TLS version %x", v)
	}
	return conn.ConnectionState().PeerCertificates[0]
}

// TestTLSMinimum refuses a client that offers only TLS 1.1.
func TestTLSMinimum(t *testing.T) {
	ts := startServer(t, nil)
	cfg := ts.client.Transport.(*http.Transport).TLSClientConfig.Clone()
	cfg.MinVersion, cfg.MaxVersion = tls.VersionTLS10, tls.VersionTLS11
	conn, err := tls.Dial("tcp", strings.TrimPrefix(ts.base, "https://"), cfg)
	if err == nil {
		conn.Close()
		t.Fatal("a TLS 1.1 handshake succeeded")
	}
}

// TestGracefulShutdown stops the server while a review is being read: it
// is answered in full before Serve returns.
func TestGracefulShutdown(t *testing.T) {
	ts := startServer(t, nil)
	review := reviewJSON("g-1", "CREATE", "apps", configMap("forbidden"))
	pr, pw := io.Pipe()
	type result struct {
		code int
		body string
	}
	done := make(chan result, 1)
	go func() {
		req, _ := http.NewRequestWithContext(context.Background(), http.MethodPost, ts.base+"/v1/admission", pr)
		req.Header.Set("Content-Type", "application/json")
		resp, err := ts.client.Do(req)
		if err != nil {
			done <- result{body: err.Error()}
			return
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		done <- result{resp.StatusCode, string(body)}
	}()
	if _, err := pw.Write([]byte(review[:20])); err != nil {
		t.Fatal(err)
	}
	ts.waitFor(t, "the review to be in flight", func() bool {
		return metricValue(t, ts, "syncgate_inflight_requests") == 1
	})
	stopped := make(chan error, 1)
	go func() { stopped <- ts.stop() }()
	if _, err := pw.Write([]byte(review[20:])); err != nil {
		t.Fatal(err)
	}
	pw.Close()
	got := <-done
	if got.code != http.StatusOK {
		t.Fatalf("the review in flight: %d %s", got.code, got.body)
	}
	if decodeResponse(t, got.body).Allowed {
		t.Error("the review in flight was allowed")
	}
	if err := <-stopped; err != nil {
		t.Errorf("Serve: %v", err)
	}
}

// TestSlowloris opens a connection and never finishes its headers: the
// server closes it, and keeps serving others. It runs without TLS, so that
// the header timeout is the only bound a connection meets.
func TestSlowloris(t *testing.T) {
	opts := DefaultOptions()
	opts.Load = testLoader("testdata/policy")
	opts.ReadHeaderTimeout = 100 * time.Millisecond
	addr := servePlain(t, opts)
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.Write([]byte("POST /v1/admission HTTP/1.1\r\nHost: syncgate\r\nX-Slow: ")); err != nil {
		t.Fatal(err)
	}
	// Read returns once the server gives up on the headers: EOF or a
	// reset, never data.
	n, err := conn.Read(make([]byte, 1))
	if err == nil {
		t.Fatalf("read %d bytes from a connection that never sent its headers", n)
	}
	resp, err := http.Post("http://"+addr+"/v1/admission", "application/json", strings.NewReader(reviewJSON("s-1", "CREATE", "apps", configMap("fine"))))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if !decodeResponse(t, string(body)).Allowed {
		t.Error("a normal review after the slow client was denied")
	}
}

// servePlain serves over plain HTTP on loopback until the test ends, and
// returns its address once the policies are loaded.
func servePlain(t *testing.T, opts Options) string {
	t.Helper()
	srv, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln, nil) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	return ln.Addr().String()
}

// TestMetricsListener serves /metrics on a plain HTTP listener of its own,
// and not on the API's.
func TestMetricsListener(t *testing.T) {
	opts := DefaultOptions()
	opts.Load = testLoader("testdata/policy")
	srv, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	api, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	metrics, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, api, metrics) }()
	get := func(addr, path string) int {
		resp, err := http.Get("http://" + addr + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := get(metrics.Addr().String(), "/metrics"); code != http.StatusOK {
		t.Errorf("/metrics on the metrics listener: %d", code)
	}
	if code := get(api.Addr().String(), "/metrics"); code != http.StatusNotFound {
		t.Errorf("/metrics on the API listener: %d, want 404", code)
	}
	if code := get(api.Addr().String(), "/healthz"); code != http.StatusOK {
		t.Errorf("/healthz: %d", code)
	}
	if code := get(metrics.Addr().String(), "/debug/pprof/"); code != http.StatusNotFound {
		t.Errorf("/debug/pprof/ without Profiling: %d, want 404", code)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Serve: %v", err)
	}
}

// TestProfiling serves the Go profiles beside /metrics when asked to.
func TestProfiling(t *testing.T) {
	opts := DefaultOptions()
	opts.Load = testLoader("testdata/policy")
	opts.Profiling = true
	srv, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	h := srv.MetricsHandler()
	for path, want := range map[string]int{"/debug/pprof/": 200, "/debug/pprof/heap": 200, "/metrics": 200, "/v1/admission": 404} {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, path, nil))
		if w.Code != want {
			t.Errorf("GET %s: %d, want %d", path, w.Code, want)
		}
	}
}
