package main

import (
	"math"
	"os"
	"runtime"
	"runtime/debug"
)

// startingHeap is the heap the collector lets grow before its first
// collection. A check allocates most of what it keeps in its first
// fraction of a second; Go's default first goal of 4 MiB had the
// collector run many times over that small, growing heap: a one-file
// re-check of the bench corpus spent about a tenth of its wall time
// more (0.53-0.54 s against 0.47-0.50 s with the collector off up to
// 128 MiB, 3 runs each, alternating).
const startingHeap = 128 << 20

// growHeapFirst holds the collector off until the program's memory
// reaches size, then hands it back to Go's defaults, as the Go compiler
// does for its own start. The user's GOGC or GOMEMLIMIT, when set, is
// left alone, and so is a percent the program sets meanwhile (serve's).
func growHeapFirst(size int64) {
	if os.Getenv("GOGC") != "" || os.Getenv("GOMEMLIMIT") != "" {
		return
	}
	debug.SetGCPercent(-1)
	debug.SetMemoryLimit(size)
	// The first collection, which the limit or the program's own percent
	// starts, frees this object; its cleanup then restores the defaults.
	runtime.AddCleanup(new([2]*byte), func(struct{}) {
		if p := debug.SetGCPercent(100); p != -1 {
			debug.SetGCPercent(p)
		}
		debug.SetMemoryLimit(math.MaxInt64)
	}, struct{}{})
}
