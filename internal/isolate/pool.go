// Package isolate renders untrusted targets in worker processes with
// memory, CPU-time, wall-time and output limits. Template engines cannot be
// interrupted (Helm ignores its context while executing, kustomize can die
// outright), so a target that overruns costs a worker process, never the
// caller. Workers are the calling program re-executed and live across
// targets, so a run pays for a few process starts, not one per target.
package isolate

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/syncgate/syncgate/manifest"
	"github.com/syncgate/syncgate/render"
)

// Limits bound one target's rendering.
type Limits struct {
	// Memory is the most resident memory a worker may use, in bytes.
	Memory int64
	// CPU is the most CPU time one target may take.
	CPU time.Duration
	// Wall is the most wall-clock time one target may take.
	Wall time.Duration
	// Output is the largest rendered result, in bytes as sent back: the
	// YAML stream and its decoded objects.
	Output int64
}

// DefaultLimits leave wide margins over the largest trees measured
// (2026-12-05, on 2 cores at a load average of 17):
//
//   - memory: the benchmark corpus at -scale 10 (3,801 targets) peaks at
//     309 MiB in its largest worker with a 2 GiB limit and at 277 MiB with
//     1 GiB; all of kueue v0.17.0 at 293 MiB with 2 GiB and at 279 MiB with
//     512 MiB. The findings are the same under each limit. 1 GiB is three
//     times the largest peak.
//   - CPU: kueue's costliest target (test/e2e/config/certmanager) takes
//     0.97 s of CPU (no corpus target takes 0.2 s even of wall time).
//     30 s is 30 times that.
//   - wall: kueue's slowest target takes 3.8 s at that load; 60 s is 15
//     times that, for machines busier still.
//   - output: the largest result is kueue's chart, 2.85 MB as sent back
//     (1.7 MB of YAML; a result is up to twice its YAML). 128 MiB is 45
//     times that, and holds two files at the 32 MiB size limit of
//     manifest.DefaultLimits.
func DefaultLimits() Limits {
	return Limits{Memory: 1 << 30, CPU: 30 * time.Second, Wall: time.Minute, Output: 128 << 20}
}

// gcPercent lets a worker's heap grow well past Go's default before a
// collection: its memory limit (GOMEMLIMIT at three quarters of it), not
// the heap's growth, is what bounds a worker. Each worker warms up on its
// own, and with Go's default the collector took a third of that warm-up
// (bench/render.sh on the example repository: 0.52 s with the default,
// 0.39 s with this).
const gcPercent = 400

// sampleEvery is how often a busy worker's CPU time and memory are read.
const sampleEvery = 10 * time.Millisecond

// Pool renders targets in up to Jobs worker processes. It is safe for
// concurrent use.
type Pool struct {
	exe    string
	limits Limits
	opts   options
	// idle holds one entry per job slot: a live worker, or nil where a
	// worker is yet to start. Taking an entry is taking the slot.
	idle   chan *worker
	closed atomic.Bool
	// spare is Prestart's worker, nil when its start failed, for the
	// first render that finds no live worker; sparing says one is
	// starting or waiting there. started counts the workers started.
	spare   chan *worker
	sparing atomic.Bool
	started atomic.Int64
}

// NewPool returns a pool of opts.Jobs workers (GOMAXPROCS when 0), which
// start when a render asks for them: a check whose every target is in the
// result cache starts none. The program must call Main at the start of
// main.
func NewPool(opts render.Options, ageKeys string, limits Limits) (*Pool, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("render workers: %w", err)
	}
	return newPool(exe, opts, ageKeys, limits)
}

// newPool is NewPool with the workers' program named.
func newPool(exe string, opts render.Options, ageKeys string, limits Limits) (*Pool, error) {
	if limits.Memory <= 0 || limits.CPU <= 0 || limits.Wall <= 0 || limits.Output <= 0 {
		return nil, fmt.Errorf("render workers: every limit must be positive: %+v", limits)
	}
	jobs := opts.Jobs
	if jobs <= 0 {
		jobs = runtime.GOMAXPROCS(0)
	}
	p := &Pool{exe: exe, limits: limits, opts: wireOptions(opts, ageKeys), idle: make(chan *worker, jobs), spare: make(chan *worker, 1)}
	for range jobs {
		p.idle <- nil
	}
	return p, nil
}

// RenderAll renders targets of the repository in directory root, as
// render.Renderer.RenderAll does, and with eval non-nil evaluates its
// policies on each rendered target in the same worker: the i-th Checked
// holds the findings on targets[i].
func (p *Pool) RenderAll(ctx context.Context, root string, targets []render.Target, eval *Evaluation) ([]*render.Result, []Checked) {
	checked := make([]Checked, len(targets))
	index := make(map[string]int, len(targets))
	for i, t := range targets {
		index[t.Name] = i
	}
	results := render.Each(ctx, cap(p.idle), targets, func(ctx context.Context, t render.Target) (*render.Result, error) {
		res, c, err := p.Render(ctx, root, t, eval)
		checked[index[t.Name]] = c
		return res, err
	})
	return results, checked
}

// Render renders one target of the repository in directory root, and
// with eval non-nil evaluates policies on its objects. A target that
// overruns a limit, while rendering or evaluating, gets an error that
// wraps manifest.ErrLimit and names the limit.
func (p *Pool) Render(ctx context.Context, root string, t render.Target, eval *Evaluation) (*render.Result, Checked, error) {
	return p.render(ctx, request{Root: root, Options: p.opts, Target: t, Eval: eval.wire()})
}

// RenderObjects is Render for a caller that needs the objects only, as
// render.Renderer.RenderObjects gives them: the result has no YAML.
func (p *Pool) RenderObjects(ctx context.Context, root string, t render.Target, eval *Evaluation) (*render.Result, Checked, error) {
	return p.render(ctx, request{Root: root, Options: p.opts, Target: t, Eval: eval.wire(), NoYAML: true})
}

func (p *Pool) render(ctx context.Context, req request) (*render.Result, Checked, error) {
	w, err := p.take(ctx)
	if err != nil {
		return nil, Checked{}, err
	}
	res, checked, err := w.render(ctx, req, p.limits)
	p.put(w)
	return res, checked, err
}

// Prestart starts a worker in the background when the pool has started
// none yet, so that the first render need not wait for a whole start: a
// worker takes about 0.2 s to start, as long as rendering a few targets.
// The first render that finds no live worker takes it, waiting for the
// rest of its start.
func (p *Pool) Prestart() {
	if p.closed.Load() || p.started.Load() > 0 || !p.sparing.CompareAndSwap(false, true) {
		return
	}
	go func() {
		w, err := p.start()
		if err != nil {
			w = nil
		}
		p.spare <- w
	}()
}

// take waits for a job slot and returns its worker, started if need be.
// The caller must put the worker back, even a failed one.
func (p *Pool) take(ctx context.Context) (*worker, error) {
	var w *worker
	select {
	case w = <-p.idle:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	if p.closed.Load() {
		p.put(w)
		return nil, errors.New("render workers: pool is closed")
	}
	if w = p.live(w); w != nil {
		return w, nil
	}
	if w = p.claimSpare(); w != nil {
		return w, nil
	}
	w, err := p.start()
	if err != nil {
		p.idle <- nil
		return nil, fmt.Errorf("%w: %w", ErrStart, err)
	}
	return w, nil
}

// claimSpare returns Prestart's worker, waiting for its start, or nil when
// there is none (or its start failed); only one caller gets it.
func (p *Pool) claimSpare() *worker {
	if !p.sparing.CompareAndSwap(true, false) {
		return nil
	}
	return <-p.spare
}

func (p *Pool) start() (*worker, error) {
	p.started.Add(1)
	return startWorker(p.exe, p.limits)
}

// live returns w, or for an empty slot a live worker idle in another,
// giving the empty slot back: a worker's start costs as much as rendering
// a few targets.
func (p *Pool) live(w *worker) *worker {
	for range cap(p.idle) - 1 {
		if w != nil {
			return w
		}
		select {
		case other := <-p.idle:
			p.idle <- w
			w = other
		default:
			return nil
		}
	}
	return w
}

// put gives a job slot back: with its worker, or empty when the worker
// failed or the pool is closed.
func (p *Pool) put(w *worker) {
	if w != nil && (w.failed || p.closed.Load()) {
		w.stop()
		w = nil
	}
	p.idle <- w
}

// Close stops every idle worker, and a prestarted one once it started;
// workers busy rendering stop when they finish.
func (p *Pool) Close() error {
	p.closed.Store(true)
	if w := p.claimSpare(); w != nil {
		w.stop()
	}
	var drained []*worker
drain:
	for range cap(p.idle) {
		select {
		case w := <-p.idle:
			drained = append(drained, w)
		default:
			break drain
		}
	}
	for _, w := range drained {
		if w != nil {
			w.stop()
		}
		p.idle <- nil
	}
	return nil
}

// worker is one worker process and its pipes.
type worker struct {
	cmd       *exec.Cmd
	requests  *os.File
	responses *os.File
	send      *frameWriter // on requests
	receive   *frameReader // from responses, after the ready byte
	output    *tail
	failed    bool // killed or died: never reused
}

// ErrStart is the error of a target whose worker could not start: a
// fault of the machine (no /dev/null, no processes left, a start slower
// than startTimeout), not of the target, so its result is not cached.
var ErrStart = errors.New("render workers")

func startWorker(exe string, limits Limits) (*worker, error) {
	reqR, reqW, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	respR, respW, err := os.Pipe()
	if err != nil {
		reqR.Close()
		reqW.Close()
		return nil, err
	}
	out := &tail{}
	cmd := exec.Command(exe)
	// No PATH, so no program can be run; no HOME, so no user
	// configuration is read. The collector settings apply from the
	// worker's first instruction, package initialisation included.
	cmd.Env = []string{
		workerEnv + "=" + strconv.FormatInt(limits.Memory, 10),
		"PATH=",
		"GOGC=" + strconv.Itoa(gcPercent),
		"GOMEMLIMIT=" + strconv.FormatInt(limits.Memory/4*3, 10),
	}
	cmd.ExtraFiles = []*os.File{reqR, respW}
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = sysProcAttr()
	err = cmd.Start()
	reqR.Close()
	respW.Close()
	if err != nil {
		reqW.Close()
		respR.Close()
		return nil, err
	}
	w := &worker{cmd: cmd, requests: reqW, responses: respR, send: newFrameWriter(reqW), receive: newFrameReader(respR, limits.Output), output: out}
	if err := w.awaitReady(); err != nil {
		w.abandon()
		w.stop()
		return nil, err
	}
	return w, nil
}

// startTimeout bounds a worker's start; a program that forgot to call
// Main would otherwise run as itself, unnoticed.
const startTimeout = 10 * time.Second

func (w *worker) awaitReady() error {
	var b [1]byte
	w.responses.SetReadDeadline(time.Now().Add(startTimeout))
	_, err := io.ReadFull(w.responses, b[:])
	w.responses.SetReadDeadline(time.Time{})
	if err != nil || b[0] != ready {
		if err == nil {
			err = errors.New("it answered something else")
		}
		return fmt.Errorf("%s did not start as a worker (%v): its main must call syncgate.ServeWorker first", w.cmd.Path, err)
	}
	return nil
}

// stop ends the worker: a live one exits when its requests close, a
// failed one has been killed already.
func (w *worker) stop() {
	w.requests.Close()
	if !w.failed {
		timer := time.AfterFunc(time.Second, func() { w.cmd.Process.Kill() })
		defer timer.Stop()
	}
	if w.cmd.ProcessState == nil {
		w.cmd.Wait()
	}
	w.responses.Close()
}

type outcome struct {
	resp response
	err  error
}

// render sends one request and waits for its response, sampling the
// worker's CPU time and memory until it comes.
func (w *worker) render(ctx context.Context, req request, limits Limits) (*render.Result, Checked, error) {
	res, err := w.roundTrip(ctx, req, limits)
	if err != nil {
		return nil, Checked{}, err
	}
	return &render.Result{Target: req.Target, YAML: res.YAML, Objects: res.Objects, Secrets: res.Secrets, Notes: res.Notes}, Checked{res.Findings, res.PolicyTime}, nil
}

func (w *worker) roundTrip(ctx context.Context, req request, limits Limits) (*response, error) {
	w.output.reset()
	if err := w.send.write(req); err != nil {
		return nil, w.fail(req.Target)
	}
	done := make(chan outcome, 1)
	go func() {
		var resp response
		err := w.receive.next(&resp)
		done <- outcome{resp, err}
	}()
	pid := w.cmd.Process.Pid
	startCPU, _, _ := usage(pid)
	wall := time.NewTimer(limits.Wall)
	defer wall.Stop()
	tick := time.NewTicker(sampleEvery)
	defer tick.Stop()
	for {
		select {
		case o := <-done:
			if errors.Is(o.err, errFrameTooLarge) {
				w.abandon()
				return nil, limitError(req.Target, "output limit of "+size(limits.Output))
			}
			if o.err != nil {
				return nil, w.fail(req.Target)
			}
			if o.resp.Err != nil {
				return nil, o.resp.Err.err()
			}
			return &o.resp, nil
		case <-wall.C:
			w.kill(done)
			return nil, limitError(req.Target, "wall-time limit of "+limits.Wall.String())
		case <-ctx.Done():
			w.kill(done)
			return nil, ctx.Err()
		case <-tick.C:
			cpu, rss, err := usage(pid)
			switch {
			case err != nil:
			case rss > limits.Memory:
				w.kill(done)
				return nil, limitError(req.Target, "memory limit of "+size(limits.Memory))
			case cpu-startCPU > limits.CPU:
				w.kill(done)
				return nil, limitError(req.Target, "cpu-time limit of "+limits.CPU.String())
			}
		}
	}
}

// abandon kills the worker; it is never reused.
func (w *worker) abandon() {
	w.failed = true
	w.cmd.Process.Kill()
}

// kill stops a worker mid-request and waits for its response reader,
// which the kill ends, to finish.
func (w *worker) kill(done <-chan outcome) {
	w.abandon()
	<-done
}

// fail explains a worker that died by itself. The Go runtime's own fatal
// errors tell a limit from a crash; nothing else the worker printed is
// shown, since it may quote the repository.
func (w *worker) fail(t render.Target) error {
	w.abandon()
	w.cmd.Wait()
	text := w.output.String()
	switch {
	case strings.Contains(text, "out of memory"):
		return limitError(t, "memory limit (the worker ran out of address space)")
	case strings.Contains(text, "stack exceeds") || strings.Contains(text, "stack overflow"):
		return limitError(t, "stack limit of "+size(maxStack))
	}
	return &manifest.SourceError{File: t.Path, Err: fmt.Errorf("the render worker died (%s)", w.cmd.ProcessState)}
}

// size writes a byte count in the largest binary unit that divides it.
func size(n int64) string {
	switch {
	case n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

func limitError(t render.Target, limit string) error {
	return &manifest.SourceError{File: t.Path, Err: fmt.Errorf("%w: rendering and checking in a worker went over the %s and was stopped", manifest.ErrLimit, limit)}
}

// tail keeps the last bytes a worker printed, for telling why it died.
type tail struct {
	mu   sync.Mutex
	data []byte
}

const tailBytes = 16 << 10

func (t *tail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.data = append(t.data, p...)
	if len(t.data) > tailBytes {
		t.data = append(t.data[:0], t.data[len(t.data)-tailBytes:]...)
	}
	return len(p), nil
}

func (t *tail) reset() {
	t.mu.Lock()
	t.data = t.data[:0]
	t.mu.Unlock()
}

func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.data)
}
