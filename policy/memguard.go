package policy

import (
	"context"
	"fmt"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"
	"time"
)

// A memory bound for Rego evaluation. OPA has no per-query memory limit,
// and policies (maybe the repository's own) run in syncgate's process: a
// rule that allocates fast could take the machine down before its
// deadline. Go cannot tell which goroutine holds which memory, so the
// guard watches the whole heap while evaluations are in flight, and
// cancels every evaluation under whose watch the heap grew past that
// evaluation's limit.
//
// Each evaluation has its own baseline, the heap when it began, and its
// own limit (Options.MaxMemory of its Engine), both checked by one
// sampler. A baseline per evaluation, rather than one taken when the
// first of them starts, keeps objects other stages render meanwhile (the
// Gate checks targets in parallel) from counting against an evaluation
// that began after them, and spares an evaluation that begins after a
// hostile one has already grown the heap: the hostile one, watched
// longest, trips first. A limit per evaluation keeps one Engine's small
// limit from cancelling another Engine's evaluations.
//
// Two metrics, because neither alone says what an evaluation holds:
// /memory/classes/heap/objects:bytes is current but counts garbage not
// yet swept, which for a large live heap may exceed the limit between two
// collections; /gc/heap/live:bytes counts only what the last collection
// marked, so it lags by up to a whole cycle, while the heap may double.
// The sampler reads the first every sampleEvery; only when it says some
// evaluation went over does it collect (runtime.GC) and judge on the
// second, now exact. Baselines are read from the first, an upper bound of
// the live heap: what was garbage when an evaluation began is never
// counted as its growth. The confirming collection is the price: with
// hundreds of MiB of small objects it takes most of a second on a busy
// machine, and a hostile rule keeps allocating meanwhile, so the process
// may pass baseline plus limit by that much before the rule stops. A
// legitimate run pays it only if its garbage alone outgrows the limit
// within one evaluation, at most once per limit bytes allocated.

// sampleEvery is how often the sampler reads the heap. Rego allocates a
// few MiB in that time at most, and reading the heap costs well under a
// microsecond.
const sampleEvery = 10 * time.Millisecond

const (
	heapMetric = "/memory/classes/heap/objects:bytes"
	liveMetric = "/gc/heap/live:bytes"
)

// guard is process-wide because the heap it watches is.
var guard memGuard

// memGuard tracks the evaluations in flight and runs the sampler while
// there is at least one.
type memGuard struct {
	mu    sync.Mutex
	evals map[*guarded]struct{}
	stop  chan struct{} // closed to stop the sampler; nil while idle
	done  chan struct{} // closed by the sampler when it has stopped
}

// guarded is one evaluation in flight.
type guarded struct {
	baseline, limit uint64 // bytes
	cancel          context.CancelCauseFunc
	tripped         bool // cancelled for going over limit; under memGuard.mu
}

// memoryLimitError is the cause of an evaluation's cancellation by the
// guard.
type memoryLimitError struct{ limit uint64 }

func (e *memoryLimitError) Error() string {
	return "evaluation went over the memory limit of " + formatBytes(e.limit)
}

func formatBytes(n uint64) string {
	if n%(1<<20) == 0 {
		return fmt.Sprintf("%d MiB", n>>20)
	}
	return fmt.Sprintf("%d bytes", n)
}

// enter registers an evaluation that may grow the heap by limit bytes:
// the returned context is cancelled, with a *memoryLimitError as its
// cause, once it does. The evaluation must call the returned release
// when done; the last release stops the sampler and waits for it.
func (g *memGuard) enter(ctx context.Context, limit uint64) (context.Context, func()) {
	ctx, cancel := context.WithCancelCause(ctx)
	ev := &guarded{baseline: readHeap(heapMetric), limit: limit, cancel: cancel}
	g.mu.Lock()
	if g.evals == nil {
		g.evals = map[*guarded]struct{}{}
	}
	g.evals[ev] = struct{}{}
	if g.stop == nil {
		g.stop, g.done = make(chan struct{}), make(chan struct{})
		go g.sample(g.stop, g.done)
	}
	g.mu.Unlock()
	return ctx, func() {
		cancel(nil)
		g.mu.Lock()
		delete(g.evals, ev)
		tripped := ev.tripped
		var stop, done chan struct{}
		if len(g.evals) == 0 {
			stop, done = g.stop, g.done
			g.stop, g.done = nil, nil
		}
		g.mu.Unlock()
		if stop != nil {
			close(stop)
			<-done
		}
		if tripped {
			// The evaluation has returned: what it grew is garbage now.
			// Give it back rather than keep it for the next one.
			debug.FreeOSMemory()
		}
	}
}

func (g *memGuard) sample(stop <-chan struct{}, done chan<- struct{}) {
	defer close(done)
	tick := time.NewTicker(sampleEvery)
	defer tick.Stop()
	for {
		select {
		case <-stop:
			return
		case <-tick.C:
			if g.over(readHeap(heapMetric)) {
				runtime.GC()
				g.trip(readHeap(liveMetric))
			}
		}
	}
}

// over tells whether heap exceeds some evaluation's baseline by more
// than its limit.
func (g *memGuard) over(heap uint64) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	for ev := range g.evals {
		if ev.exceeds(heap) {
			return true
		}
	}
	return false
}

// trip cancels every evaluation whose limit live exceeds.
func (g *memGuard) trip(live uint64) {
	g.mu.Lock()
	defer g.mu.Unlock()
	for ev := range g.evals {
		if ev.exceeds(live) {
			ev.tripped = true
			ev.cancel(&memoryLimitError{ev.limit})
		}
	}
}

func (ev *guarded) exceeds(heap uint64) bool {
	return !ev.tripped && heap > ev.baseline && heap-ev.baseline > ev.limit
}

func readHeap(name string) uint64 {
	s := []metrics.Sample{{Name: name}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}
