package manifest

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestStringList(t *testing.T) {
	tests := []struct {
		name string
		in   any
		want []string
	}{
		{"strings in order", []any{"b", "a"}, []string{"b", "a"}},
		{"other items left out", []any{"a", int64(1), nil, map[string]any{}, "b"}, []string{"a", "b"}},
		{"not a list", "a", nil},
		{"missing", nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, StringList(tt.in)); diff != "" {
				t.Errorf("StringList (-want +got):\n%s", diff)
			}
		})
	}
}
