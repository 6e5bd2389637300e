package manifest

import "testing"

func TestJoinField(t *testing.T) {
	tests := []struct {
		steps []FieldStep
		want  string
	}{
		{nil, ""},
		{[]FieldStep{{Key: "spec", Index: -1}}, "spec"},
		{[]FieldStep{{Key: "spec", Index: -1}, {Key: "containers", Index: -1}, {Index: 0}, {Key: "image", Index: -1}}, "spec.containers[0].image"},
		{[]FieldStep{{Key: "metadata", Index: -1}, {Key: "labels", Index: -1}, {Key: "app.kubernetes.io/name", Index: -1}}, "metadata.labels.app.kubernetes.io/name"},
		{[]FieldStep{{Index: 2}, {Index: 0}}, "[2][0]"},
		{[]FieldStep{{Key: "", Index: -1}, {Key: "a", Index: -1}}, ".a"},
	}
	for _, tt := range tests {
		if got := JoinField(tt.steps); got != tt.want {
			t.Errorf("JoinField(%v) = %q, want %q", tt.steps, got, tt.want)
		}
	}
}
