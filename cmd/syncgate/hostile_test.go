package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/syncgate/syncgate"
	"go.yaml.in/yaml/v3"
)

// The hostile-input suite runs the syncgate binary, as a user would, against
// one repository per directory under testdata/hostile, each built to make a
// renderer hang, crash, blow up in memory, read outside the repository or
// reach the network. Every case must end within its bound with a blocking
// finding (exit 1) or a refusal to run (exit 2), and must leak nothing.
//
//	go test -run TestHostile -v ./cmd/syncgate             # every case, then the table
//	HOSTILE_ONLY=helm-symlink-loop,yaml-nul-bytes go test -run TestHostile -v ./cmd/syncgate
const hostileDir = "../../testdata/hostile"

// Defaults for case.yaml fields left out.
const (
	defaultHostileMaxMiB = 1024
	// hostileTimeMargin is how long past the time bound its flags force
	// (the render timeout) a run may take before it counts as hung: wide,
	// so that a loaded machine never fails a case that is not hung. The
	// wall column of the table is the figure to read.
	hostileTimeMargin = time.Minute
	// hostileKillMargin is how long past its bound a case may run before the
	// harness kills its process group.
	hostileKillMargin = 10 * time.Second
)

// forcedTimeout is the time bound a run's flags force: its
// --render-timeout, else the default worker wall limit, plus the margin.
func forcedTimeout(args []string) (time.Duration, error) {
	timeout := syncgate.DefaultIsolation().Wall
	for i, a := range args {
		if a == "--render-timeout" && i+1 < len(args) {
			var err error
			if timeout, err = time.ParseDuration(args[i+1]); err != nil {
				return 0, err
			}
		}
	}
	return timeout + hostileTimeMargin, nil
}

// hostileCase is one testdata/hostile/<name>/case.yaml.
type hostileCase struct {
	// Bound says, for the table, which bound the case should hit.
	Bound string `yaml:"bound"`
	// Exit is the expected exit code: 1 (blocked) or 2 (could not run).
	Exit int `yaml:"exit"`
	// Message holds substrings that must each appear in stdout or stderr,
	// in both the text and the JSON run; normally the file at fault,
	// relative to the root.
	Message stringList `yaml:"message"`
	// Args are extra arguments to syncgate check; {{ROOT}} stands for the
	// root copy.
	Args []string `yaml:"args"`
	// MaxMiB is the peak resident memory each run must stay under
	// (default 1024).
	MaxMiB int64 `yaml:"maxMiB"`
	// Skip, when set, says why the case cannot pass yet: it still runs and
	// prints its row, but its failures skip the case instead of failing it.
	Skip string `yaml:"skip"`
	// Symlinks are created in the root copy at test time; symlinks are
	// never committed.
	Symlinks []hostileLink `yaml:"symlinks"`
	// Generate makes inputs too big, or too binary, to commit.
	Generate []hostileGen `yaml:"generate"`
}

// hostileLink is a symlink at Path (relative to the root) pointing at
// Target, a path relative to the root (the outside directory is ../outside).
// The link is written relative to its own directory, as a repository would
// hold it.
type hostileLink struct {
	Path   string `yaml:"path"`
	Target string `yaml:"target"`
}

// hostileGen is one generated file, at Path relative to the root.
type hostileGen struct {
	// Kind is nesting, big-document, documents, bytes or tgz.
	Kind string `yaml:"kind"`
	Path string `yaml:"path"`
	// Depth (nesting) is how deep the flow sequences nest.
	Depth int `yaml:"depth"`
	// MiB (big-document) is the size of the one string value; (tgz) the size
	// of a file of zeros at every nesting level.
	MiB int `yaml:"mib"`
	// Count (documents) is how many documents; (tgz) how many extra tiny
	// entries the outermost archive holds.
	Count int `yaml:"count"`
	// Quoted (bytes) is the file content as a Go string literal, so that
	// invalid UTF-8 and NUL bytes can be written.
	Quoted string `yaml:"quoted"`
	// Name (tgz) is the chart name; with Nest > 1, level i is Name-i.
	Name string `yaml:"name"`
	// Nest (tgz) is how many archives nest inside each other, each in the
	// charts/ of the one outside it (default 1).
	Nest int `yaml:"nest"`
	// Entries (tgz) are raw entries added to the outermost archive, named
	// exactly as given (e.g. with ../).
	Entries []hostileEntry `yaml:"entries"`
}

type hostileEntry struct {
	Name string `yaml:"name"`
	Text string `yaml:"text"`
}

// stringList is a YAML string or list of strings.
type stringList []string

func (s *stringList) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		*s = []string{n.Value}
		return nil
	}
	var list []string
	if err := n.Decode(&list); err != nil {
		return err
	}
	*s = list
	return nil
}

// hostileRow is one line of the table printed at the end.
type hostileRow struct {
	name, bound, exit, wall, peak, result string
}

func TestHostile(t *testing.T) {
	if testing.Short() {
		t.Skip("hostile-input suite: not in -short")
	}
	names := hostileCaseNames(t)
	bins := buildHostile(t)

	var (
		mu   sync.Mutex
		rows []hostileRow
	)
	t.Cleanup(func() {
		slices.SortFunc(rows, func(a, b hostileRow) int { return strings.Compare(a.name, b.name) })
		var b strings.Builder
		b.WriteString("hostile-input suite:\n| case | bound | exit | wall | peak MiB | result |\n|---|---|---|---|---|---|\n")
		for _, r := range rows {
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s |\n", r.name, r.bound, r.exit, r.wall, r.peak, r.result)
		}
		t.Log(b.String())
	})

	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			runHostileCase(t, bins, name, func(row hostileRow) {
				mu.Lock()
				defer mu.Unlock()
				rows = append(rows, row)
			})
		})
	}
}

// hostileCaseNames lists the case directories, narrowed by HOSTILE_ONLY.
func hostileCaseNames(t *testing.T) []string {
	entries, err := os.ReadDir(hostileDir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		if e.IsDir() {
			names = append(names, e.Name())
		}
	}
	only := os.Getenv("HOSTILE_ONLY")
	if only == "" {
		return names
	}
	var picked []string
	for _, n := range strings.Split(only, ",") {
		n = strings.TrimSpace(n)
		if n == "" {
			continue
		}
		if !slices.Contains(names, n) {
			t.Fatalf("HOSTILE_ONLY: no case %q under %s", n, hostileDir)
		}
		picked = append(picked, n)
	}
	return picked
}

// hostileBins are the binaries the suite runs.
type hostileBins struct {
	// syncgate is the CLI under test.
	syncgate string
	// launcher runs the CLI and reports its exit code and peak memory.
	launcher string
}

// launcherSource is a tiny program that starts the CLI and reports its
// rusage on fd 3. The CLI cannot be started from the test process itself:
// on Linux a child's ru_maxrss starts at the RSS of the process it was
// forked from (exec keeps the high-water mark), and the test process holds
// hundreds of MiB of generated input. Forked from this launcher, the floor
// is a few MiB. ru_maxrss includes the CLI's waited-for worker processes.
const launcherSource = `package main

import (
	"fmt"
	"os"
	"os/exec"
	"syscall"
)

func main() {
	cmd := exec.Command(os.Args[1], os.Args[2:]...)
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	_ = cmd.Run()
	report := os.NewFile(3, "report")
	if cmd.ProcessState == nil {
		fmt.Fprintln(report, "-1 0")
		os.Exit(125)
	}
	code := cmd.ProcessState.ExitCode()
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		code = 128 + int(ws.Signal())
	}
	fmt.Fprintf(report, "%d %d\n", code, cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss)
}
`

// buildHostile builds the CLI and the launcher once for the whole suite.
func buildHostile(t *testing.T) hostileBins {
	dir := t.TempDir()
	bins := hostileBins{syncgate: filepath.Join(dir, "syncgate"), launcher: filepath.Join(dir, "launcher")}
	if out, err := exec.Command("go", "build", "-o", bins.syncgate, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	src := filepath.Join(dir, "launcher-src")
	if err := os.MkdirAll(src, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, content := range map[string]string{"go.mod": "module launcher\n", "main.go": launcherSource} {
		if err := os.WriteFile(filepath.Join(src, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	build := exec.Command("go", "build", "-o", bins.launcher, ".")
	build.Dir = src
	build.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build launcher: %v\n%s", err, out)
	}
	return bins
}

// hostileEnv is what one case runs in: the root, the outside directory
// with its canary, and a listener that must never be reached.
type hostileEnv struct {
	root, outside, home string
	canary, secret      string
	listener            *tripwire
}

// runHostileCase runs one case, text then JSON, and records its row
// before it passes, fails or skips.
func runHostileCase(t *testing.T, bins hostileBins, name string, record func(hostileRow)) {
	row := hostileRow{name: name, exit: "-", wall: "-", peak: "-", result: "FAIL"}
	dir := filepath.Join(hostileDir, name)
	c, err := readHostileCase(filepath.Join(dir, "case.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	row.bound = c.Bound
	timeout, err := forcedTimeout(c.Args)
	if err != nil {
		t.Fatalf("case.yaml: args: --render-timeout: %v", err)
	}
	maxMiB := c.MaxMiB
	if maxMiB == 0 {
		maxMiB = defaultHostileMaxMiB
	}

	env := setupHostile(t, dir, c)
	before := snapshot(t, env.root, env.outside)

	var failures []string
	fail := func(format string, args ...any) { failures = append(failures, fmt.Sprintf(format, args...)) }
	var exits, walls, peaks []string
	for _, format := range []string{"text", "json"} {
		args := []string{"check", "-o", format}
		for _, a := range c.Args {
			args = append(args, strings.ReplaceAll(a, "{{ROOT}}", env.root))
		}
		args = append(args, env.root)
		r := runSyncgate(bins, env, args, timeout+hostileKillMargin)
		walls = append(walls, r.wall.Round(10*time.Millisecond).String())
		if r.killed {
			exits, peaks = append(exits, "killed"), append(peaks, "-")
		} else {
			exits = append(exits, strconv.Itoa(r.code))
			peaks = append(peaks, strconv.FormatInt(r.maxRSSKiB/1024, 10))
		}
		n := len(failures)
		checkHostileRun(c, env, format, r, timeout, maxMiB, fail)
		if len(failures) > n {
			t.Logf("-o %s: exit %d in %s, peak %d MiB\nstdout:\n%s\nstderr:\n%s", format, r.code, r.wall.Round(time.Millisecond), r.maxRSSKiB/1024, clip(r.stdout), clip(r.stderr))
		}
	}
	// A connection the process made before it exited may still sit in the
	// accept queue.
	time.Sleep(100 * time.Millisecond)
	if n, first := env.listener.count(); n > 0 {
		fail("the listener at %s accepted %d connection(s); first request: %q", env.listener.addr(), n, first)
	}
	if after := snapshot(t, env.root, env.outside); after != before {
		fail("files changed under the root or outside it:\nbefore:\n%s\nafter:\n%s", before, after)
	}

	row.exit = joinSame(exits)
	row.wall = strings.Join(walls, " / ")
	row.peak = joinSame(peaks)
	switch {
	case len(failures) == 0:
		row.result = "pass"
	case c.Skip != "":
		row.result = "skip"
	}
	record(row)
	t.Logf("| %s | %s | %s | %s | %s | %s |", row.name, row.bound, row.exit, row.wall, row.peak, row.result)
	switch {
	case len(failures) == 0:
		if c.Skip != "" {
			t.Logf("marked skip (%s) but passes now: remove skip from case.yaml", c.Skip)
		}
	case c.Skip != "":
		t.Skipf("skip: %s; failures:\n%s", c.Skip, strings.Join(failures, "\n"))
	default:
		for _, f := range failures {
			t.Error(f)
		}
	}
}

// checkHostileRun applies every assertion to one run.
func checkHostileRun(c *hostileCase, env *hostileEnv, format string, r runResult, timeout time.Duration, maxMiB int64, fail func(string, ...any)) {
	both := r.stdout + r.stderr
	if r.killed {
		fail("-o %s: still running %s after its bound of %s: killed", format, hostileKillMargin, timeout)
	} else if r.wall > timeout {
		fail("-o %s: took %s, the bound is %s", format, r.wall.Round(time.Millisecond), timeout)
	}
	if r.code != c.Exit {
		fail("-o %s: exit code %d, want %d", format, r.code, c.Exit)
	}
	if peak := r.maxRSSKiB / 1024; peak > maxMiB {
		fail("-o %s: peak memory %d MiB, the bound is %d MiB", format, peak, maxMiB)
	}
	for _, crash := range []string{"panic:", "fatal error:", "goroutine "} {
		if strings.Contains(both, crash) {
			fail("-o %s: output holds %q: a crash, not a finding", format, crash)
		}
	}
	for _, m := range c.Message {
		if !strings.Contains(both, m) {
			fail("-o %s: output does not mention %q", format, m)
		}
	}
	if strings.Contains(both, env.canary) {
		fail("-o %s: output holds the canary from outside the root", format)
	}
	if strings.Contains(both, env.secret) {
		fail("-o %s: output holds the planted secret", format)
	}
	if format == "json" && r.code == 1 {
		var d struct {
			Allowed  *bool            `json:"allowed"`
			Findings []map[string]any `json:"findings"`
		}
		if err := json.Unmarshal([]byte(r.stdout), &d); err != nil {
			fail("-o json: stdout is not JSON: %v", err)
		} else if d.Allowed == nil || *d.Allowed || len(d.Findings) == 0 {
			fail("-o json: exit 1 but the decision is not blocked with findings")
		}
	}
}

func readHostileCase(file string) (*hostileCase, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	var c hostileCase
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&c); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	if c.Exit != 1 && c.Exit != 2 {
		return nil, fmt.Errorf("%s: exit must be 1 or 2, not %d", file, c.Exit)
	}
	if len(c.Message) == 0 || c.Bound == "" {
		return nil, fmt.Errorf("%s: message and bound are required", file)
	}
	return &c, nil
}

// setupHostile lays out <tmp>/root (the case's repo/ with placeholders
// replaced, generated files and symlinks) and <tmp>/outside.
func setupHostile(t *testing.T, dir string, c *hostileCase) *hostileEnv {
	tmp := t.TempDir()
	env := &hostileEnv{
		root:     filepath.Join(tmp, "root"),
		outside:  filepath.Join(tmp, "outside"),
		home:     filepath.Join(tmp, "home"),
		canary:   "hostile-canary-" + randomHex(t),
		secret:   "hostile-secret-" + randomHex(t),
		listener: newTripwire(t),
	}
	for _, d := range []string{env.outside, env.home} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	// Everything outside the root names the canary, each in a form that a
	// leak would echo: a ConfigMap, a schema requiring a property named
	// after it, a kubeconfig pointing at the listener.
	outside := map[string]string{
		"canary.txt":  fmt.Sprintf("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: canary\ndata:\n  canary: %s\n", env.canary),
		"schema.json": fmt.Sprintf(`{"type": "object", "required": [%q]}`+"\n", env.canary),
		"kubeconfig": fmt.Sprintf("apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: http://%s\ncontexts:\n- name: c\n  context:\n    cluster: c\n    user: u\ncurrent-context: c\nusers:\n- name: u\n  user:\n    token: %s\n",
			env.listener.addr(), env.canary),
	}
	for name, content := range outside {
		if err := os.WriteFile(filepath.Join(env.outside, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	replacer := strings.NewReplacer("{{LISTENER}}", env.listener.addr(), "{{SECRET}}", env.secret, "{{OUTSIDE}}", env.outside)
	if err := copyRepo(filepath.Join(dir, "repo"), env.root, replacer); err != nil {
		t.Fatal(err)
	}
	for _, g := range c.Generate {
		if err := generate(env.root, g); err != nil {
			t.Fatalf("generate %s %s: %v", g.Kind, g.Path, err)
		}
	}
	for _, l := range c.Symlinks {
		link := filepath.Join(env.root, l.Path)
		target, err := filepath.Rel(filepath.Dir(link), filepath.Join(env.root, l.Target))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Dir(link), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(target, link); err != nil {
			t.Fatal(err)
		}
	}
	return env
}

// copyRepo copies the committed repository, keeping file modes (scripts
// stay executable) and replacing placeholders.
func copyRepo(src, dst string, r *strings.Replacer) error {
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		to := filepath.Join(dst, rel)
		if d.Type()&fs.ModeSymlink != 0 {
			return fmt.Errorf("%s: a committed symlink; describe it in case.yaml instead", p)
		}
		if d.IsDir() {
			return os.MkdirAll(to, 0o755)
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(to, []byte(r.Replace(string(data))), info.Mode().Perm())
	})
}

func generate(root string, g hostileGen) error {
	file := filepath.Join(root, g.Path)
	if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
		return err
	}
	var data []byte
	switch g.Kind {
	case "nesting":
		var b bytes.Buffer
		b.WriteString("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: deep\ndata:\n  deep: ")
		b.WriteString(strings.Repeat("[", g.Depth))
		b.WriteString(strings.Repeat("]", g.Depth))
		b.WriteString("\n")
		data = b.Bytes()
	case "big-document":
		var b bytes.Buffer
		b.WriteString("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: big\ndata:\n  big: ")
		b.Write(bytes.Repeat([]byte("x"), g.MiB<<20))
		b.WriteString("\n")
		data = b.Bytes()
	case "documents":
		var b bytes.Buffer
		for i := range g.Count {
			fmt.Fprintf(&b, "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-%d\n", i)
		}
		data = b.Bytes()
	case "bytes":
		s, err := strconv.Unquote(g.Quoted)
		if err != nil {
			return fmt.Errorf("quoted: %w", err)
		}
		data = []byte(s)
	case "tgz":
		var err error
		if data, err = chartArchive(g); err != nil {
			return err
		}
	default:
		return fmt.Errorf("unknown kind %q", g.Kind)
	}
	return os.WriteFile(file, data, 0o644)
}

// chartArchive builds a chart .tgz as helm package would, with g.Nest
// archives each inside the charts/ of the next, a file of g.MiB zeros at
// every level, and g.Count tiny files plus g.Entries in the outermost.
func chartArchive(g hostileGen) ([]byte, error) {
	nest := max(g.Nest, 1)
	var inner []byte
	var innerName string
	for level := nest - 1; level >= 0; level-- {
		name := g.Name
		if nest > 1 {
			name = fmt.Sprintf("%s-%d", g.Name, level)
		}
		var buf bytes.Buffer
		gz, _ := gzip.NewWriterLevel(&buf, gzip.BestSpeed)
		tw := tar.NewWriter(gz)
		add := func(entry string, size int64, body io.Reader) error {
			if err := tw.WriteHeader(&tar.Header{Name: entry, Mode: 0o644, Size: size, Typeflag: tar.TypeReg, ModTime: time.Unix(0, 0)}); err != nil {
				return err
			}
			_, err := io.CopyN(tw, body, size)
			return err
		}
		text := func(entry, s string) error { return add(entry, int64(len(s)), strings.NewReader(s)) }
		if err := text(name+"/Chart.yaml", fmt.Sprintf("apiVersion: v2\nname: %s\nversion: 0.1.0\n", name)); err != nil {
			return nil, err
		}
		if inner != nil {
			if err := add(name+"/charts/"+innerName+"-0.1.0.tgz", int64(len(inner)), bytes.NewReader(inner)); err != nil {
				return nil, err
			}
		}
		if g.MiB > 0 {
			if err := add(name+"/files/zeros", int64(g.MiB)<<20, zeroReader{}); err != nil {
				return nil, err
			}
		}
		if level == 0 {
			for i := range g.Count {
				if err := text(fmt.Sprintf("%s/files/f-%06d.txt", name, i), "x"); err != nil {
					return nil, err
				}
			}
			for _, e := range g.Entries {
				if err := text(e.Name, e.Text); err != nil {
					return nil, err
				}
			}
		}
		if err := tw.Close(); err != nil {
			return nil, err
		}
		if err := gz.Close(); err != nil {
			return nil, err
		}
		inner, innerName = buf.Bytes(), name
	}
	return inner, nil
}

type zeroReader struct{}

func (zeroReader) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

// snapshot lists every path under the root and outside it with its size,
// so that a run that writes anywhere is caught.
func snapshot(t *testing.T, dirs ...string) string {
	var b strings.Builder
	for _, dir := range dirs {
		err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			info, err := d.Info()
			if err != nil {
				return err
			}
			size := info.Size()
			if info.IsDir() {
				size = 0
			}
			fmt.Fprintf(&b, "%s %s %d\n", p, info.Mode().Type(), size)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return b.String()
}

type runResult struct {
	code           int
	stdout, stderr string
	wall           time.Duration
	maxRSSKiB      int64
	killed         bool
}

// runSyncgate runs the CLI through the launcher in a process group of its
// own, offline: proxies and the kubeconfig point at the tripwire, HOME is
// empty. Past kill, it kills the whole group.
func runSyncgate(bins hostileBins, env *hostileEnv, args []string, kill time.Duration) runResult {
	ctx, cancel := context.WithTimeout(context.Background(), kill)
	defer cancel()
	cmd := exec.CommandContext(ctx, bins.launcher, append([]string{bins.syncgate}, args...)...)
	proxy := "http://" + env.listener.addr()
	cmd.Env = append(os.Environ(),
		"HOME="+env.home,
		"XDG_CONFIG_HOME="+filepath.Join(env.home, ".config"),
		"XDG_CACHE_HOME="+filepath.Join(env.home, ".cache"),
		"XDG_DATA_HOME="+filepath.Join(env.home, ".local/share"),
		"KUBECONFIG="+filepath.Join(env.outside, "kubeconfig"),
		"HTTP_PROXY="+proxy, "HTTPS_PROXY="+proxy, "http_proxy="+proxy, "https_proxy="+proxy,
		"ALL_PROXY="+proxy, "all_proxy="+proxy, "NO_PROXY=", "no_proxy=",
		"GIT_TERMINAL_PROMPT=0",
	)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second
	report, reportW, err := os.Pipe()
	if err != nil {
		return runResult{code: -1, stderr: "harness: " + err.Error()}
	}
	defer report.Close()
	cmd.ExtraFiles = []*os.File{reportW}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err = cmd.Start()
	reportW.Close()
	if err == nil {
		err = cmd.Wait()
	}
	r := runResult{wall: time.Since(start), stdout: stdout.String(), stderr: stderr.String(), code: -1}
	r.killed = ctx.Err() != nil
	line, _ := io.ReadAll(report)
	if _, scanErr := fmt.Sscan(string(line), &r.code, &r.maxRSSKiB); scanErr != nil && !r.killed {
		r.stderr += fmt.Sprintf("\nharness: no report from the launcher (%v): %v", err, scanErr)
	}
	return r
}

// tripwire is a TCP listener that no case may reach. It records what it
// was sent, to say in the failure what was fetched.
type tripwire struct {
	ln    net.Listener
	mu    sync.Mutex
	n     int
	first string
}

func newTripwire(t *testing.T) *tripwire {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	tw := &tripwire{ln: ln}
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go tw.serve(conn)
		}
	}()
	t.Cleanup(func() { ln.Close() })
	return tw
}

func (tw *tripwire) serve(conn net.Conn) {
	defer conn.Close()
	tw.mu.Lock()
	tw.n++
	first := tw.n == 1
	tw.mu.Unlock()
	conn.SetReadDeadline(time.Now().Add(time.Second))
	buf := make([]byte, 256)
	n, _ := io.ReadAtLeast(conn, buf, 1)
	if first {
		tw.mu.Lock()
		tw.first = string(buf[:n])
		tw.mu.Unlock()
	}
}

func (tw *tripwire) addr() string { return tw.ln.Addr().String() }

func (tw *tripwire) count() (int, string) {
	tw.mu.Lock()
	defer tw.mu.Unlock()
	return tw.n, tw.first
}

func randomHex(t *testing.T) string {
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

// joinSame prints "1" for ["1", "1"] and "1 / 2" otherwise.
func joinSame(values []string) string {
	if len(values) > 0 && !slices.ContainsFunc(values, func(v string) bool { return v != values[0] }) {
		return values[0]
	}
	return strings.Join(values, " / ")
}

// clip keeps logs readable when a run prints megabytes.
func clip(s string) string {
	const max = 4000
	if len(s) <= max {
		return s
	}
	return s[:max] + fmt.Sprintf("\n... (%d more bytes)", len(s)-max)
}
