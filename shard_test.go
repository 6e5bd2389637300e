package syncgate

import (
	"fmt"
	"strings"
	"testing"

	"github.com/syncgate/syncgate/render"
)

// TestShardOf: every target is in exactly one shard, whatever n.
func TestShardOf(t *testing.T) {
	var targets []render.Target
	for i := range 50 {
		targets = append(targets, render.Target{Name: fmt.Sprintf("apps/app%d/overlays/prod", i)})
	}
	for _, n := range []int{1, 2, 3, 7} {
		seen := map[string]int{}
		for i := 1; i <= n; i++ {
			part := Shard{Index: i, Count: n}.of(targets)
			if n > 1 && len(part) == len(targets) {
				t.Errorf("%d/%d holds every target", i, n)
			}
			for _, tg := range part {
				seen[tg.Name]++
			}
		}
		for _, tg := range targets {
			if seen[tg.Name] != 1 {
				t.Errorf("n=%d: %s is in %d shards", n, tg.Name, seen[tg.Name])
			}
		}
	}
}

func TestParseShard(t *testing.T) {
	tests := []struct {
		in      string
		want    Shard
		wantErr string
	}{
		{"1/4", Shard{1, 4}, ""},
		{"4/4", Shard{4, 4}, ""},
		{"1/1", Shard{1, 1}, ""},
		{"0/4", Shard{}, "want 1 <= i <= n"},
		{"5/4", Shard{}, "want 1 <= i <= n"},
		{"1/0", Shard{}, "want 1 <= i <= n"},
		{"1", Shard{}, "want i/n"},
		{"a/b", Shard{}, "want i/n"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseShard(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("error %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("ParseShard = %v, %v; want %v", got, err, tt.want)
			}
		})
	}
}
