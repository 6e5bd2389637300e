package isolate

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"reflect"
	"runtime/debug"
	"strconv"
	"time"

	"github.com/syncgate/syncgate/internal/fsmemo"
	"github.com/syncgate/syncgate/manifest"
	"github.com/syncgate/syncgate/policy"
	"github.com/syncgate/syncgate/render"
	"github.com/syncgate/syncgate/secrets"
)

// workerEnv marks a process a Pool started as its worker; the value is the
// worker's memory limit in bytes.
const workerEnv = "SYNCGATE_RENDER_WORKER"

// The worker reads requests from fd 3 and writes responses to fd 4, so
// that nothing a library prints on stdout can corrupt the protocol.
const (
	requestFD  = 3
	responseFD = 4
)

var defaultTransport = http.DefaultTransport

// offline is an http.RoundTripper that refuses every request.
type offline struct{}

func (offline) RoundTrip(r *http.Request) (*http.Response, error) {
	return nil, fmt.Errorf("render worker: network access refused (%s): rendering is offline", r.URL.Redacted())
}

// ready is the byte a worker sends when it is ready for requests.
const ready = 'R'

// maxStack bounds a worker goroutine's stack well below Go's 1 GB default,
// so runaway template recursion dies early and cheaply.
const maxStack = 256 << 20

// maxRequest bounds a request frame; requests come from the trusted pool.
const maxRequest = 1 << 20

// Main makes this process a render worker when a Pool started it: it then
// serves requests and exits. Otherwise it returns at once. A program that
// uses a Pool calls Main first thing in main, because the pool's workers
// are the program itself, re-executed.
func Main() {
	memory, ok := os.LookupEnv(workerEnv)
	if !ok {
		return
	}
	os.Exit(serve(memory))
}

func serve(memory string) int {
	limit, err := strconv.ParseInt(memory, 10, 64)
	if err != nil || limit <= 0 {
		fmt.Fprintf(os.Stderr, "syncgate render worker: invalid %s=%q\n", workerEnv, memory)
		return 1
	}
	// The pool kills a worker over its limit and set GOMEMLIMIT below it;
	// the address-space limit stops a single allocation that outruns the
	// pool's sampling.
	debug.SetMaxStack(maxStack)
	secrets.SilenceSOPSLogging()
	if err := limitAddressSpace(limit); err != nil && !errors.Is(err, errors.ErrUnsupported) {
		fmt.Fprintln(os.Stderr, "syncgate render worker:", err)
		return 1
	}
	go render.PrepareKustomize()
	in, out := os.NewFile(requestFD, "requests"), os.NewFile(responseFD, "responses")
	if _, err := out.Write([]byte{ready}); err != nil {
		return 1
	}
	requests, responses := newFrameReader(in, maxRequest), newFrameWriter(out)
	var jobs jobs
	for {
		var req request
		if err := requests.next(&req); err != nil {
			if errors.Is(err, io.EOF) {
				return 0
			}
			fmt.Fprintln(os.Stderr, "syncgate render worker:", err)
			return 1
		}
		if err := responses.write(jobs.handle(req)); err != nil {
			fmt.Fprintln(os.Stderr, "syncgate render worker:", err)
			return 1
		}
	}
}

// jobs keeps a worker's Renderer from one job to the next while the
// options stay the same, so that its cache of checked files serves every
// target that reads the same base; and the repository's view, policy
// sets and secrets scanner of the current run.
type jobs struct {
	opts     options
	renderer *render.Renderer

	// view remembers what the repository in root answered during run
	// viewRun, or during the current request when that is 0.
	root    *os.Root
	view    *fsmemo.FS
	viewRun uint64

	// gateEngines are the Gate's own policy sets, by their spec as JSON:
	// the Gate compiles them once, when it is made, and so does a worker.
	// runEngines are the repository's, whose files may change from one
	// check to the next: compiled once per run, by index in its Policies.
	gateEngines map[string]*policy.Engine
	run         uint64
	runEngines  map[string]*policy.Engine
	scanner     *secrets.Scanner
	scanKeys    string
}

// handle renders one target in this process.
func (j *jobs) handle(req request) response {
	// Offline unless remote references are allowed: a library that
	// reaches for the network anyway is refused, whatever it fetches.
	http.DefaultTransport = offline{}
	if req.Options.AllowRemote {
		http.DefaultTransport = defaultTransport
	}
	repo, err := j.repository(req)
	if err != nil {
		return response{Err: toRemote(err)}
	}
	if j.renderer == nil || !reflect.DeepEqual(j.opts, req.Options) {
		opts, err := req.Options.render()
		if err != nil {
			return response{Err: toRemote(err)}
		}
		r, err := render.New(opts)
		if err != nil {
			return response{Err: toRemote(err)}
		}
		j.opts, j.renderer = req.Options, r
	}
	render := j.renderer.Render
	if req.NoYAML {
		render = j.renderer.RenderObjects
	}
	res, err := render(context.Background(), repo, req.Target)
	if err != nil {
		return response{Err: toRemote(err)}
	}
	resp := response{YAML: res.YAML, Objects: res.Objects, Secrets: res.Secrets, Notes: res.Notes}
	if req.Eval != nil {
		start := time.Now()
		resp.Findings, err = j.evaluate(req.Eval, repo, res.Objects, res.Secrets)
		resp.PolicyTime = time.Since(start)
		if err != nil {
			return response{Err: toRemote(err)}
		}
	}
	return resp
}

// viewBudget bounds the file contents a worker keeps for one run, beside
// its Renderer's cache of checked files.
const viewBudget = 32 << 20

// repository returns the repository req renders, read through one view
// for the whole of its run: the run's targets stat, list and read the
// bases they share again and again, and through the root each answer
// resolves its path one component at a time (on the corpus, a tenth of
// the workers' CPU time was those system calls). A request outside a
// run, or of another run, gets a view of its own, so a worker that lives
// across checks never answers from an earlier one.
func (j *jobs) repository(req request) (fs.FS, error) {
	var run uint64
	if req.Eval != nil {
		run = req.Eval.Run
	}
	if j.view != nil && (run == 0 || run != j.viewRun || req.Root != j.root.Name()) {
		j.view.Close()
		j.root.Close()
		j.view = nil
	}
	if j.view == nil {
		root, err := os.OpenRoot(req.Root)
		if err != nil {
			return nil, err
		}
		j.root, j.view, j.viewRun = root, fsmemo.NewRoot(root, viewBudget), run
	}
	return j.view, nil
}

// evaluate runs the policy sets of eval on the objects of one target, as
// the Gate does in-process; secretValues are values read from Secrets
// that no finding or print output may show.
func (j *jobs) evaluate(eval *evaluation, repo fs.FS, objects []*manifest.Object, secretValues []string) ([]manifest.Finding, error) {
	if j.run != eval.Run {
		j.run, j.runEngines = eval.Run, map[string]*policy.Engine{}
	}
	if j.gateEngines == nil {
		j.gateEngines = map[string]*policy.Engine{}
	}
	if j.scanner == nil || j.scanKeys != eval.AgeKeys {
		opts := secrets.DefaultOptions()
		opts.AgeKeys = eval.AgeKeys
		s, err := secrets.New(opts)
		if err != nil {
			return nil, err
		}
		j.scanner, j.scanKeys = s, eval.AgeKeys
	}
	prepared := j.scanner.Prepare(objects)
	var findings []manifest.Finding
	for i, spec := range eval.Policies {
		e, err := j.engine(i, spec, repo)
		if err != nil {
			return nil, err
		}
		findings = append(findings, prepared.Mask(e.EvaluateWithSecrets(context.Background(), prepared.Objects, secretValues))...)
	}
	return findings, nil
}

// maxEngines bounds each map of compiled policy sets: one Gate's pool
// sends one spec of its own, and a run a few sets.
const maxEngines = 8

// engine returns the compiled policy set i of the current run.
func (j *jobs) engine(i int, spec policySpec, repo fs.FS) (*policy.Engine, error) {
	engines, key := j.runEngines, strconv.Itoa(i)
	if !spec.InRepository {
		data, err := json.Marshal(spec)
		if err != nil {
			return nil, err
		}
		engines, key = j.gateEngines, string(data)
	}
	if e, ok := engines[key]; ok {
		return e, nil
	}
	e, err := policy.Load(context.Background(), spec.options(repo))
	if err != nil {
		return nil, err
	}
	if len(engines) >= maxEngines {
		clear(engines)
	}
	engines[key] = e
	return e, nil
}
