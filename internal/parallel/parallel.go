// Package parallel runs independent pieces of work on a bounded number of
// goroutines: the targets of a check, the objects of a target, the files
// of a repository.
package parallel

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// Do calls f(i) for every i in [0, n), on at most jobs goroutines at once
// (GOMAXPROCS when jobs < 1), and returns when every call has returned.
// Every index is called: a caller that must stop early, on a cancelled
// context say, returns from f at once.
func Do(n, jobs int, f func(i int)) {
	if jobs < 1 {
		jobs = runtime.GOMAXPROCS(0)
	}
	var next atomic.Int64
	work := func() {
		for i := int(next.Add(1) - 1); i < n; i = int(next.Add(1) - 1) {
			f(i)
		}
	}
	// The caller's goroutine is one of the workers: one piece of work (a
	// server's single object) then starts no goroutine, whose small new
	// stack would have to grow again through every deep evaluation.
	var wg sync.WaitGroup
	for range min(jobs, n) - 1 {
		wg.Go(work)
	}
	work()
	wg.Wait()
}
