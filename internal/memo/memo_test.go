package memo

import (
	"strconv"
	"sync"
	"testing"
)

// A key is computed once when asked in turn; concurrent callers get the
// stored value and keep what they store.
func TestMap(t *testing.T) {
	var m Map[string, int]
	calls := 0
	for range 3 {
		if got := m.Get("a", func() int { calls++; return 1 }); got != 1 {
			t.Fatalf("Get = %d, want 1", got)
		}
	}
	if calls != 1 {
		t.Errorf("computed %d times, want once", calls)
	}
	// Concurrent callers read a stored key without computing it, and
	// each store their own: none is lost.
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			if got := m.Get("a", func() int { t.Errorf("goroutine %d computed a stored key", i); return 0 }); got != 1 {
				t.Errorf("goroutine %d: Get(a) = %d, want 1", i, got)
			}
			m.Get(strconv.Itoa(i), func() int { return i })
		})
	}
	wg.Wait()
	for i := range 8 {
		if got := m.Get(strconv.Itoa(i), func() int { return -1 }); got != i {
			t.Errorf("Get(%d) = %d after the goroutines stored it, want %d", i, got, i)
		}
	}
}
