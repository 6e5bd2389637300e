package main

import (
	"bytes"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/syncgate/syncgate/internal/tlstest"
)

// The serve part of the hostile-input suite: the syncgate binary serves over
// TLS, as in a cluster, and each case sends what a hostile or broken client
// would. Every case must get its clear answer within its bound (plus
// hostileTimeMargin, as the check cases), and the server must stay up and
// then admit a normal review. The table gives the figures: the case's wall
// time and the server's resident memory after it.
//
//	go test -run TestHostileServe -v ./cmd/syncgate
const (
	// serveSlotHold is --policy-timeout: how long, in CPU time, the slow
	// review of the flood case holds the only slot before its evaluation is
	// stopped.
	serveSlotHold = 3 * time.Second
	// serveHeaderTimeout is serve's read-header timeout (DefaultOptions).
	serveHeaderTimeout = 5 * time.Second
)

// serveCase is one hostile request, or sequence of them, and its bound.
type serveCase struct {
	name, bound string
	within      time.Duration
	// run sends the requests and returns the answer, for the table; an
	// error is a failure of the case.
	run func(s *hostileServer) (string, error)
}

func TestHostileServe(t *testing.T) {
	if testing.Short() {
		t.Skip("hostile-input suite: not in -short")
	}
	bins := buildHostile(t)
	s := startHostileServe(t, bins.syncgate)
	big := bytes.Repeat([]byte(" "), 16<<20)
	deep := strings.Repeat("[", 100000) + strings.Repeat("]", 100000)
	cases := []serveCase{
		{"16 MiB review", "--max-body 8 MiB", 10 * time.Second, func(s *hostileServer) (string, error) {
			return s.expect("/v1/admission", "application/json", big, 413, "larger than 8388608 bytes")
		}},
		{"16 MiB stream on /v1/check", "--max-body 8 MiB", 10 * time.Second, func(s *hostileServer) (string, error) {
			return s.expect("/v1/check", "application/yaml", big, 413, "larger than 8388608 bytes")
		}},
		{"100,000-deep JSON review", "JSON depth 10,000", 10 * time.Second, func(s *hostileServer) (string, error) {
			review := `{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"deep","object":{"apiVersion":"v1","kind":"ConfigMap","data":` + deep + `}}}`
			return s.expect("/v1/admission", "application/json", []byte(review), 400, "AdmissionReview: request.object: JSON nested deeper than 10000")
		}},
		{"100,000-deep JSON stream on /v1/check", "decoder depth 100", 10 * time.Second, func(s *hostileServer) (string, error) {
			return s.expect("/v1/check", "application/json", []byte(deep), 400, "request")
		}},
		{"duplicate keys in request.object", "strict decoding", 10 * time.Second, func(s *hostileServer) (string, error) {
			return s.expect("/v1/admission", "application/json",
				serveReview("d-1", `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a","name":"b"}}`), 400, "duplicate field")
		}},
		{"YAML alias bomb on /v1/check", "100,000 alias nodes", 10 * time.Second, func(s *hostileServer) (string, error) {
			return s.expect("/v1/check", "application/yaml", []byte(serveAliasBomb()), 400, "alias")
		}},
		{"slowloris (one header byte every 500 ms)", "read-header timeout 5s", serveHeaderTimeout + 5*time.Second, (*hostileServer).slowloris},
		{"flood past --max-inflight 1", "--queue-wait 0s, fail closed", serveSlotHold + 10*time.Second, (*hostileServer).flood},
	}
	var rows []string
	t.Cleanup(func() {
		t.Log("serve hostile-input suite:\n| case | bound | answer | wall | server RSS MiB | result |\n|---|---|---|---|---|---|\n" + strings.Join(rows, "\n"))
	})
	for i, c := range cases {
		// Sequential: each case is followed by a normal review, and the
		// server's memory after it is its own.
		t.Run(c.name, func(t *testing.T) {
			start := time.Now()
			answer, err := c.run(s)
			wall := time.Since(start)
			result := "pass"
			if err != nil {
				t.Error(err)
				result = "FAIL"
			}
			if bound := c.within + hostileTimeMargin; wall > bound {
				t.Errorf("took %s, the bound is %s", wall.Round(time.Millisecond), bound)
				result = "FAIL"
			}
			if err := s.healthy(fmt.Sprintf("after-%d", i)); err != nil {
				t.Errorf("after the case: %v", err)
				result = "FAIL"
			}
			rows = append(rows, fmt.Sprintf("| %s | %s | %s | %s | %s | %s |", c.name, c.bound, answer, wall.Round(10*time.Millisecond), s.rssMiB(), result))
		})
	}
}

// hostileServer is a syncgate serve process under attack.
type hostileServer struct {
	cmd     *exec.Cmd
	base    string // https://127.0.0.1:PORT
	metrics string // http://127.0.0.1:PORT/metrics
	client  *http.Client
	tls     *tls.Config
	stderr  bytes.Buffer
}

// startHostileServe starts bin serve with TLS and the suite's policies on
// free loopback ports, and waits until it is ready.
func startHostileServe(t *testing.T, bin string) *hostileServer {
	dir := t.TempDir()
	certFile, keyFile, pool := tlstest.SelfSigned(t, dir)
	ports := make([]string, 2)
	for i := range ports {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		ports[i] = strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
		ln.Close()
	}
	s := &hostileServer{
		base:    "https://127.0.0.1:" + ports[0],
		metrics: "http://127.0.0.1:" + ports[1] + "/metrics",
		tls:     &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12},
	}
	s.client = &http.Client{Timeout: time.Minute, Transport: &http.Transport{TLSClientConfig: s.tls, MaxIdleConnsPerHost: 128}}
	s.cmd = exec.Command(bin, "serve", "--addr", "127.0.0.1:"+ports[0], "--metrics-addr", "127.0.0.1:"+ports[1],
		"--tls-cert", certFile, "--tls-key", keyFile, "--policy", "testdata/serve-hostile", "--no-default-policies",
		"--max-inflight", "1", "--queue-wait", "0s", "--policy-timeout", serveSlotHold.String())
	s.cmd.Stderr = &s.stderr
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = s.cmd.Process.Signal(os.Interrupt)
		_ = s.cmd.Wait()
		s.client.CloseIdleConnections()
	})
	for start := time.Now(); ; time.Sleep(100 * time.Millisecond) {
		if resp, err := s.client.Get(s.base + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return s
			}
		}
		if time.Since(start) > 2*time.Minute {
			t.Fatalf("syncgate serve not ready after 2 minutes; stderr:\n%s", clip(s.stderr.String()))
		}
	}
}

// post sends body and returns the status and the start of the answer.
func (s *hostileServer) post(path, contentType string, body []byte) (int, string, error) {
	resp, err := s.client.Post(s.base+path, contentType, bytes.NewReader(body))
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return resp.StatusCode, string(answer), err
}

// expect sends body and wants the status, with an answer matching the
// regular expression want.
func (s *hostileServer) expect(path, contentType string, body []byte, status int, want string) (string, error) {
	code, answer, err := s.post(path, contentType, body)
	if err != nil {
		return "-", err
	}
	short := fmt.Sprintf("%d %s", code, strings.TrimSpace(truncateLine(answer, 60)))
	if code != status || !regexp.MustCompile(want).MatchString(answer) {
		return short, fmt.Errorf("got %d %q, want %d and an answer matching %q", code, truncateLine(answer, 300), status, want)
	}
	return short, nil
}

// review sends an admission review and returns its response.
func (s *hostileServer) review(uid, object string) (*serveResponse, error) {
	code, answer, err := s.post("/v1/admission", "application/json", serveReview(uid, object))
	if err != nil {
		return nil, err
	}
	if code != http.StatusOK {
		return nil, fmt.Errorf("review %s: %d %s", uid, code, truncateLine(answer, 300))
	}
	var ar struct {
		Response *serveResponse `json:"response"`
	}
	if err := json.Unmarshal([]byte(answer), &ar); err != nil || ar.Response == nil || ar.Response.UID != uid {
		return nil, fmt.Errorf("review %s: not an AdmissionReview answer for it: %s", uid, truncateLine(answer, 300))
	}
	return ar.Response, nil
}

// serveResponse is what the suite reads of an AdmissionResponse.
type serveResponse struct {
	UID     string `json:"uid"`
	Allowed bool   `json:"allowed"`
	Status  *struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	} `json:"status"`
}

func (r *serveResponse) overloaded() bool {
	return !r.Allowed && r.Status != nil && r.Status.Code == http.StatusServiceUnavailable && strings.Contains(r.Status.Message, "overloaded")
}

// healthy checks that the server still answers: a good ConfigMap is
// admitted and a bad one denied.
func (s *hostileServer) healthy(uid string) error {
	good, err := s.review(uid+"-good", serveConfigMap("good", ""))
	if err != nil {
		return err
	}
	bad, err := s.review(uid+"-bad", serveConfigMap("bad", ""))
	if err != nil {
		return err
	}
	if !good.Allowed || bad.Allowed {
		return fmt.Errorf("a normal review: good allowed %v, bad allowed %v", good.Allowed, bad.Allowed)
	}
	return nil
}

// slowloris sends request headers one byte every 500 ms: once its
// read-header timeout passes, the server must close the connection, with no
// answer or a 400 (net/http answers 400 when the timeout hits under TLS).
func (s *hostileServer) slowloris() (string, error) {
	conn, err := tls.Dial("tcp", strings.TrimPrefix(s.base, "https://"), s.tls)
	if err != nil {
		return "-", err
	}
	defer conn.Close()
	start := time.Now()
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		header := []byte("POST /v1/admission HTTP/1.1\r\nHost: syncgate\r\nX-Slow: " + strings.Repeat("a", 1000))
		for _, b := range header {
			select {
			case <-stop:
				return
			case <-time.After(500 * time.Millisecond):
			}
			if _, err := conn.Write([]byte{b}); err != nil {
				return
			}
		}
	}()
	// The deadline only ends a hung case; the bound is checked by the caller.
	_ = conn.SetReadDeadline(time.Now().Add(serveHeaderTimeout + hostileTimeMargin))
	answer, err := io.ReadAll(conn)
	closed := time.Since(start).Round(100 * time.Millisecond)
	if err != nil {
		return "-", fmt.Errorf("the connection was not closed: %v", err)
	}
	if len(answer) == 0 {
		return fmt.Sprintf("closed after %s, no answer", closed), nil
	}
	status, _, _ := strings.Cut(string(answer), "\r\n")
	if status != "HTTP/1.1 400 Bad Request" {
		return status, fmt.Errorf("answered %q to headers that never ended", truncateLine(string(answer), 300))
	}
	return fmt.Sprintf("%s, closed after %s", strings.TrimPrefix(status, "HTTP/1.1 "), closed), nil
}

// flood holds the only slot with a slow review, then sends 100 reviews at
// once: each is answered at once, denied as overloaded (fail closed) or,
// if it came after the slot was free, checked; the metric counts every
// overloaded one; the slow review is denied at its CPU time (sent again
// while a probe holds the slot, which a loaded machine lets happen).
func (s *hostileServer) flood() (string, error) {
	type slowResult struct {
		err error
		// overloaded counts the times a probe held the slot when the slow
		// review came, as on a loaded machine: it then comes again.
		overloaded int
	}
	slow := make(chan slowResult, 1)
	go func() {
		var res slowResult
		for {
			r, err := s.review("slow", serveConfigMap("slow", `"annotations":{"hostile/slow":"yes"}`))
			if err == nil && r.overloaded() && res.overloaded < 100 {
				res.overloaded++
				continue
			}
			if err == nil && (r.Allowed || r.Status == nil || !strings.Contains(r.Status.Message, "of CPU time")) {
				err = fmt.Errorf("the slow review: allowed %v, status %+v; want a denial at the policy's CPU time", r.Allowed, r.Status)
			}
			res.err = err
			slow <- res
			return
		}
	}()
	overloaded := 0
	// Wait until the slow review holds the slot: a probe is overloaded.
	for i := 0; ; i++ {
		select {
		case res := <-slow:
			return "-", fmt.Errorf("the slow review ended (%v) before any probe was overloaded", res.err)
		default:
		}
		r, err := s.review(fmt.Sprintf("probe-%d", i), serveConfigMap("good", ""))
		if err != nil {
			return "-", err
		}
		if r.overloaded() {
			overloaded++
			break
		}
	}
	var (
		mu      sync.Mutex
		counts  = map[string]int{}
		errs    []error
		flooded sync.WaitGroup
	)
	for i := range 100 {
		flooded.Go(func() {
			r, err := s.review(fmt.Sprintf("flood-%d", i), serveConfigMap("good", ""))
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err != nil:
				errs = append(errs, err)
			case r.overloaded():
				counts["overloaded"]++
			case r.Allowed:
				counts["allowed"]++
			default:
				errs = append(errs, fmt.Errorf("flood-%d: neither allowed nor overloaded: %+v", i, r.Status))
			}
		})
	}
	flooded.Wait()
	res := <-slow
	if res.err != nil {
		errs = append(errs, res.err)
	}
	overloaded += counts["overloaded"] + res.overloaded
	answer := fmt.Sprintf("%d of 100 denied 503 overloaded, %d allowed; the slow review denied at its CPU time", counts["overloaded"], counts["allowed"])
	if len(errs) > 0 {
		return answer, fmt.Errorf("%d bad answers, first: %v", len(errs), errs[0])
	}
	if got, err := s.metric(`syncgate_rejections_total{reason="overloaded"}`); err != nil || got != float64(overloaded) {
		return answer, fmt.Errorf("overloaded rejections metric: %v (%v), want %d", got, err, overloaded)
	}
	return answer, nil
}

// metric reads one sample of the server's /metrics.
func (s *hostileServer) metric(name string) (float64, error) {
	resp, err := s.client.Get(s.metrics)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	text, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, err
	}
	for line := range strings.Lines(string(text)) {
		if value, ok := strings.CutPrefix(strings.TrimSpace(line), name+" "); ok {
			return strconv.ParseFloat(value, 64)
		}
	}
	return 0, fmt.Errorf("no %s in /metrics", name)
}

// rssMiB is the server's resident memory now, from /proc (Linux).
func (s *hostileServer) rssMiB() string {
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid))
	if err != nil {
		return "-"
	}
	for line := range strings.Lines(string(status)) {
		if value, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kib, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(value), " kB"), 10, 64)
			if err == nil {
				return strconv.FormatInt(kib/1024, 10)
			}
		}
	}
	return "-"
}

// serveReview is an AdmissionReview of a CREATE of object in namespace apps.
func serveReview(uid, object string) []byte {
	return fmt.Appendf(nil, `{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":%q,`+
		`"kind":{"group":"","version":"v1","kind":"ConfigMap"},"resource":{"group":"","version":"v1","resource":"configmaps"},`+
		`"namespace":"apps","operation":"CREATE","userInfo":{"username":"hostile"},"object":%s}}`, uid, object)
}

// serveConfigMap is a ConfigMap named name; "bad" holds the key the
// suite's policy denies. metadata is added to its metadata.
func serveConfigMap(name, metadata string) string {
	key := "fine"
	if name == "bad" {
		key = "forbidden"
	}
	if metadata != "" {
		metadata = "," + metadata
	}
	return fmt.Sprintf(`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":%q%s},"data":{%q:"x"}}`, name, metadata, key)
}

// serveAliasBomb is a YAML "billion laughs" ConfigMap: 10^9 strings once
// its aliases are expanded.
func serveAliasBomb() string {
	var b strings.Builder
	b.WriteString("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: bomb}\nx0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n")
	for i := 1; i < 10; i++ {
		fmt.Fprintf(&b, "x%d: &a%d [%s]\n", i, i, strings.TrimSuffix(strings.Repeat(fmt.Sprintf("*a%d, ", i-1), 10), ", "))
	}
	return b.String()
}

func truncateLine(s string, n int) string {
	s = strings.ReplaceAll(s, "\n", " ")
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}
