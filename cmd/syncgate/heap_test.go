package main

import (
	"math"
	"runtime/debug"
	"testing"
	"time"
)

// TestGrowHeapFirst checks that the collector is off until the heap
// reaches the starting size, and that Go's defaults are back once it
// has collected.
func TestGrowHeapFirst(t *testing.T) {
	t.Setenv("GOGC", "")
	t.Setenv("GOMEMLIMIT", "")
	percent, limit := debug.SetGCPercent(100), debug.SetMemoryLimit(-1)
	defer func() {
		debug.SetGCPercent(percent)
		debug.SetMemoryLimit(limit)
	}()
	for _, tc := range []struct {
		name string
		// set is the percent the program sets after growHeapFirst, as
		// serve does; 0 sets none.
		set, want int
	}{
		{"defaults back", 0, 100},
		{"the program's percent kept", serveGCPercent, serveGCPercent},
	} {
		t.Run(tc.name, func(t *testing.T) {
			growHeapFirst(32 << 20)
			if p := debug.SetGCPercent(-1); p != -1 {
				t.Fatalf("GC percent %d after growHeapFirst, want -1 (off)", p)
			}
			if l := debug.SetMemoryLimit(-1); l != 32<<20 {
				t.Fatalf("memory limit %d after growHeapFirst, want %d", l, 32<<20)
			}
			if tc.set != 0 {
				debug.SetGCPercent(tc.set)
			}
			// Allocate until the first collection's cleanup has run; the
			// deadline only keeps a broken cleanup from hanging.
			for deadline := time.Now().Add(20 * time.Second); debug.SetMemoryLimit(-1) != math.MaxInt64; {
				if time.Now().After(deadline) {
					t.Fatal("the memory limit was not lifted after 20 s of allocation")
				}
				garbage = make([]byte, 1<<20)
				time.Sleep(time.Millisecond)
			}
			if p := debug.SetGCPercent(100); p != tc.want {
				t.Fatalf("GC percent %d after the first collection, want %d", p, tc.want)
			}
		})
	}
}

var garbage []byte

func TestGrowHeapFirstLeavesUserSettings(t *testing.T) {
	t.Setenv("GOGC", "50")
	percent := debug.SetGCPercent(73)
	defer debug.SetGCPercent(percent)
	growHeapFirst(32 << 20)
	if p := debug.SetGCPercent(73); p != 73 {
		t.Fatalf("GC percent %d with GOGC set, want it untouched (73)", p)
	}
}
