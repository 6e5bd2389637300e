package syncgate

import (
	"errors"
	"fmt"
	"hash/fnv"
	"strconv"
	"strings"

	"github.com/syncgate/syncgate/render"
)

// Shard is one of Count parts of a check, for a CI matrix: Index (from 1)
// picks the targets whose name hashes to it, so every part is the same
// on every machine and run. The zero Shard is the whole check.
type Shard struct {
	Index, Count int
}

// ParseShard reads "i/n", as --shard takes it.
func ParseShard(s string) (Shard, error) {
	i, n, ok := strings.Cut(s, "/")
	index, err1 := strconv.Atoi(i)
	count, err2 := strconv.Atoi(n)
	if !ok || err1 != nil || err2 != nil {
		return Shard{}, fmt.Errorf("shard %q: want i/n, such as 1/4", s)
	}
	sh := Shard{Index: index, Count: count}
	return sh, sh.check()
}

func (s Shard) check() error {
	if s == (Shard{}) {
		return nil
	}
	if s.Count < 1 || s.Index < 1 || s.Index > s.Count {
		return errors.New("shard " + s.String() + ": want 1 <= i <= n")
	}
	return nil
}

func (s Shard) String() string { return fmt.Sprintf("%d/%d", s.Index, s.Count) }

// whole reports whether s is the whole check.
func (s Shard) whole() bool { return s.Count <= 1 }

// of returns the targets of s, in their order.
func (s Shard) of(targets []render.Target) []render.Target {
	if s.whole() {
		return targets
	}
	var out []render.Target
	for _, t := range targets {
		h := fnv.New32a()
		h.Write([]byte(t.Name))
		if int(h.Sum32()%uint32(s.Count)) == s.Index-1 {
			out = append(out, t)
		}
	}
	return out
}
