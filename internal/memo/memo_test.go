package memo

import (
	"sync"
	"testing"
)

// A key is computed once when asked in turn, and concurrent callers all
// get its value.
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
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			if got := m.Get("b", func() int { return 2 }); got != 2 {
				t.Errorf("goroutine %d: Get = %d, want 2", i, got)
			}
		})
	}
	wg.Wait()
}
