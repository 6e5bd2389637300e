// Package apiservertest runs the real Kubernetes API server for tests that
// take it as the judge of what is valid: Start launches etcd and
// kube-apiserver, built by `make apiserver` into bin/apiserver, on free
// loopback ports and returns what a client needs; Judge sends an object as
// a server-side dry-run create and returns the verdict.
//
// Tests that need the binaries skip, saying why, when they are absent. The
// processes end with the test and their data is removed.
package apiservertest

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// BinEnv names the environment variable that overrides where the binaries
// are looked for (default: bin/apiserver at the module root).
const BinEnv = "SYNCGATE_APISERVER_BIN"

// RequireEnv names the environment variable that, when set, turns the
// skip for missing binaries into a failure: CI sets it once `make
// apiserver` has succeeded, so the tests cannot quietly not run.
const RequireEnv = "SYNCGATE_APISERVER_REQUIRED"

// readyTimeout bounds how long each process may take to become ready
// before the test fails with the end of its log.
const readyTimeout = 60 * time.Second

// portAttempts is how often a start is retried when another process took
// one of the free ports between choosing and binding it.
const portAttempts = 3

// logTail is how many lines of a process's log a failure shows.
const logTail = 40

// DisabledAdmissionPlugins are the default admission plugins turned off
// because they need controllers this pair does not run: ServiceAccount
// rejects every Pod whose namespace has no "default" ServiceAccount, which
// only the service-account controller creates.
var DisabledAdmissionPlugins = []string{"ServiceAccount"}

// Server is a running kube-apiserver with its own etcd.
type Server struct {
	// URL is the API server's https base URL on 127.0.0.1.
	URL string
	// Token is the bearer token of a user in system:masters.
	Token string
	// CA is the PEM certificate that verifies the serving certificate.
	CA []byte
	// Build is the stamp `make apiserver` wrote: the versions the binaries
	// were built from.
	Build string

	client *http.Client
}

// Start launches etcd and kube-apiserver for the duration of t and waits
// until the API server is ready. It skips t when the binaries have not been
// built (unless RequireEnv is set) and fails it when they do not start.
func Start(t testing.TB) *Server {
	t.Helper()
	dir, build, err := Binaries()
	if err != nil {
		if os.Getenv(RequireEnv) != "" {
			t.Fatalf("the real API server is required (%s is set) but not available: %v", RequireEnv, err)
		}
		t.Skipf("NOT RUN, the real API server is not available: %v", err)
	}
	if err := supported(); err != nil {
		t.Skipf("NOT RUN: %v", err)
	}
	work := t.TempDir()
	caPEM, token, err := writeCredentials(work)
	if err != nil {
		t.Fatalf("apiservertest: credentials: %v", err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(caPEM)
	s := &Server{Token: token, CA: caPEM, Build: build}
	s.client = &http.Client{
		Timeout:   30 * time.Second,
		Transport: &bearer{token: s.Token, base: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}},
	}
	for attempt := 1; ; attempt++ {
		err := s.launch(t, dir, work, attempt)
		if err == nil {
			t.Logf("apiservertest: kube-apiserver ready at %s (%s)", s.URL, build)
			return s
		}
		var clash *portClash
		if !errors.As(err, &clash) || attempt == portAttempts {
			t.Fatalf("apiservertest: %v", err)
		}
		t.Logf("apiservertest: attempt %d: %v; retrying on other ports", attempt, err)
	}
}

// Client returns an HTTP client that trusts the server's certificate and
// sends the token.
func (s *Server) Client() *http.Client { return s.client }

// Binaries returns the directory holding kube-apiserver and etcd and the
// stamp `make apiserver` wrote there, or an error saying why they cannot be
// used, including the end of a failed build's log.
func Binaries() (dir, build string, err error) {
	dir = os.Getenv(BinEnv)
	if dir == "" {
		root, err := moduleRoot()
		if err != nil {
			return "", "", err
		}
		dir = filepath.Join(root, "bin", "apiserver")
	}
	var missing []string
	for _, name := range []string{"kube-apiserver", "etcd", "stamp"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		msg := fmt.Sprintf("%s lacks %s: run `make apiserver` to build kube-apiserver and etcd", dir, strings.Join(missing, ", "))
		if failed, err := os.ReadFile(filepath.Join(dir, "build-failed.log")); err == nil {
			msg += "; the last build FAILED:\n" + tail(failed, 15)
		}
		return "", "", errors.New(msg)
	}
	stamp, err := os.ReadFile(filepath.Join(dir, "stamp"))
	if err != nil {
		return "", "", err
	}
	return dir, strings.TrimSpace(string(stamp)), nil
}

// moduleRoot finds the directory of the go.mod above the working directory
// (a test runs in its package's directory).
func moduleRoot() (string, error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for dir := wd; ; dir = filepath.Dir(dir) {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		if filepath.Dir(dir) == dir {
			return "", fmt.Errorf("no go.mod above %s; set %s", wd, BinEnv)
		}
	}
}

// portClash reports a process that could not bind its port.
type portClash struct{ err error }

func (p *portClash) Error() string { return p.err.Error() }

// launch starts etcd and kube-apiserver on fresh ports, in data
// directories of their own for this attempt.
func (s *Server) launch(t testing.TB, bin, work string, attempt int) error {
	ports, err := freePorts(3)
	if err != nil {
		return err
	}
	data := filepath.Join(work, "attempt-"+strconv.Itoa(attempt))
	if err := os.Mkdir(data, 0o700); err != nil {
		return err
	}
	etcdURL := fmt.Sprintf("http://127.0.0.1:%d", ports[0])
	peerURL := fmt.Sprintf("http://127.0.0.1:%d", ports[1])
	etcd, err := startProcess(t, filepath.Join(bin, "etcd"), filepath.Join(data, "etcd.log"),
		"--name=judge",
		"--data-dir="+filepath.Join(data, "etcd"),
		"--listen-client-urls="+etcdURL,
		"--advertise-client-urls="+etcdURL,
		"--listen-peer-urls="+peerURL,
		"--initial-advertise-peer-urls="+peerURL,
		"--initial-cluster=judge="+peerURL,
		// Nothing here needs to survive a crash.
		"--unsafe-no-fsync",
		"--log-level=warn",
	)
	if err != nil {
		return err
	}
	health := &http.Client{Timeout: 5 * time.Second}
	if err := etcd.waitReady(health, etcdURL+"/health"); err != nil {
		etcd.stop()
		return err
	}
	s.URL = fmt.Sprintf("https://127.0.0.1:%d", ports[2])
	apiserver, err := startProcess(t, filepath.Join(bin, "kube-apiserver"), filepath.Join(data, "kube-apiserver.log"),
		"--etcd-servers="+etcdURL,
		"--bind-address=127.0.0.1",
		"--secure-port="+strconv.Itoa(ports[2]),
		"--tls-cert-file="+filepath.Join(work, "serving.crt"),
		"--tls-private-key-file="+filepath.Join(work, "serving.key"),
		"--token-auth-file="+filepath.Join(work, "tokens.csv"),
		"--authorization-mode=RBAC",
		"--service-account-issuer=https://kubernetes.default.svc",
		"--service-account-key-file="+filepath.Join(work, "sa.pub"),
		"--service-account-signing-key-file="+filepath.Join(work, "sa.key"),
		"--service-cluster-ip-range=10.96.0.0/16",
		"--disable-admission-plugins="+strings.Join(DisabledAdmissionPlugins, ","),
		// As kubeadm and most clusters run: privileged containers are
		// a policy question, not a validity one.
		"--allow-privileged=true",
	)
	if err != nil {
		etcd.stop()
		return err
	}
	if err := apiserver.waitReady(s.client, s.URL+"/readyz"); err != nil {
		apiserver.stop()
		etcd.stop()
		return err
	}
	return nil
}

// freePorts returns n distinct loopback ports that were free a moment ago.
func freePorts(n int) ([]int, error) {
	var ports []int
	var listeners []net.Listener
	defer func() {
		for _, l := range listeners {
			l.Close()
		}
	}()
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("free port: %w", err)
		}
		listeners = append(listeners, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

// process is a started etcd or kube-apiserver.
type process struct {
	name string
	cmd  *exec.Cmd
	log  string
	done chan struct{} // closed when the process has exited
	err  error         // its exit status, once done
	once sync.Once
}

// startProcess starts a binary in a process group of its own, its output
// going to logPath; the test's cleanup kills the group.
func startProcess(t testing.TB, path, logPath string, args ...string) (*process, error) {
	out, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	defer out.Close()
	cmd := exec.Command(path, args...)
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = sysProcAttr()
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", path, err)
	}
	p := &process{name: filepath.Base(path), cmd: cmd, log: logPath, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(p.stop)
	return p, nil
}

// stop kills the process group and waits for the process to exit.
func (p *process) stop() {
	p.once.Do(func() {
		killGroup(p.cmd.Process.Pid)
		<-p.done
	})
}

// waitReady polls url until it answers 200, the process exits, or
// readyTimeout passes; the error carries the end of the log.
func (p *process) waitReady(client *http.Client, url string) error {
	deadline := time.Now().Add(readyTimeout)
	var last string
	for {
		resp, err := client.Get(url)
		if err == nil {
			body, _ := readAll(resp)
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			last = fmt.Sprintf("%s: %s %s", url, resp.Status, body)
		} else {
			last = err.Error()
		}
		select {
		case <-p.done:
			logText, _ := os.ReadFile(p.log)
			err := fmt.Errorf("%s exited (%v) before it was ready; last log lines:\n%s", p.name, p.err, tail(logText, logTail))
			if bytes.Contains(logText, []byte("address already in use")) {
				return &portClash{err}
			}
			return err
		case <-time.After(250 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			logText, _ := os.ReadFile(p.log)
			return fmt.Errorf("%s not ready after %v (last answer: %s); last log lines:\n%s", p.name, readyTimeout, last, tail(logText, logTail))
		}
	}
}

// tail returns the last n lines of text.
func tail(text []byte, n int) string {
	lines := strings.Split(strings.TrimRight(string(text), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// bearer adds the token to every request.
type bearer struct {
	token string
	base  http.RoundTripper
}

func (b *bearer) RoundTrip(req *http.Request) (*http.Response, error) {
	req = req.Clone(req.Context())
	req.Header.Set("Authorization", "Bearer "+b.token)
	return b.base.RoundTrip(req)
}

// writeCredentials writes into dir what the API server needs: a
// self-signed serving certificate for 127.0.0.1 (returned as the CA), the
// service-account signing key pair and a token file with one user in
// system:masters, whose token it returns.
func writeCredentials(dir string) (caPEM []byte, token string, err error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, "", err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	if err != nil {
		return nil, "", err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: "syncgate apiservertest"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(24 * time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		DNSNames:              []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, "", err
	}
	caPEM = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	keyPEM, err := privateKeyPEM(key)
	if err != nil {
		return nil, "", err
	}
	saKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, "", err
	}
	saKeyPEM, err := privateKeyPEM(saKey)
	if err != nil {
		return nil, "", err
	}
	saPub, err := x509.MarshalPKIXPublicKey(&saKey.PublicKey)
	if err != nil {
		return nil, "", err
	}
	raw := make([]byte, 24)
	if _, err := rand.Read(raw); err != nil {
		return nil, "", err
	}
	token = hex.EncodeToString(raw)
	files := map[string][]byte{
		"serving.crt": caPEM,
		"serving.key": keyPEM,
		"sa.key":      saKeyPEM,
		"sa.pub":      pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: saPub}),
		"tokens.csv":  []byte(token + `,syncgate-judge,syncgate-judge,"system:masters"` + "\n"),
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			return nil, "", err
		}
	}
	return caPEM, token, nil
}

func privateKeyPEM(key *ecdsa.PrivateKey) ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}
