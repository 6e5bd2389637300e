// Package memo remembers what a computation gave for a key, for the life
// of one check, where several goroutines ask for the same keys: the files
// and directories that targets share.
package memo

import "sync"

// Map remembers values by key. Its zero value is ready; it is safe for
// concurrent use.
type Map[K comparable, V any] struct {
	mu sync.Mutex
	m  map[K]V
}

// Get returns the value for k, computing it with compute the first time.
// Callers that come at once may each compute it: compute must give the
// same value for the same key.
func (m *Map[K, V]) Get(k K, compute func() V) V {
	m.mu.Lock()
	v, ok := m.m[k]
	m.mu.Unlock()
	if ok {
		return v
	}
	v = compute()
	m.mu.Lock()
	if m.m == nil {
		m.m = map[K]V{}
	}
	m.m[k] = v
	m.mu.Unlock()
	return v
}
