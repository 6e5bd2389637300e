package parallel

import (
	"fmt"
	"sync/atomic"
	"testing"
)

func TestDo(t *testing.T) {
	tests := []struct{ n, jobs, maxJobs int }{
		{0, 2, 0},
		{1, 4, 1},
		{100, 1, 1},
		{100, 3, 3},
		{5, 0, 0}, // GOMAXPROCS
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("n=%d,jobs=%d", tt.n, tt.jobs), func(t *testing.T) {
			calls := make([]atomic.Int32, tt.n)
			var running, most atomic.Int32
			Do(tt.n, tt.jobs, func(i int) {
				now := running.Add(1)
				for m := most.Load(); now > m && !most.CompareAndSwap(m, now); m = most.Load() {
				}
				calls[i].Add(1)
				running.Add(-1)
			})
			for i := range calls {
				if got := calls[i].Load(); got != 1 {
					t.Errorf("f(%d) was called %d times, want once", i, got)
				}
			}
			if tt.maxJobs > 0 && int(most.Load()) > tt.maxJobs {
				t.Errorf("%d calls ran at once, want at most %d", most.Load(), tt.maxJobs)
			}
		})
	}
}
