package render

import (
	"context"
	"strings"
	"testing"
	"testing/fstest"
)

// A value of a values document read from a Secret is masked in a Helm
// error that quotes it, whatever its key, and is among the result's
// secrets once the chart renders.
func TestValuesFromSecretMasked(t *testing.T) {
	const leaf = "leaf-canary-4b1d"
	secret := "apiVersion: v1\nkind: Secret\nmetadata:\n  name: vals\nstringData:\n  values.yaml: |\n    greeting: " + leaf + "\n"
	tests := []struct {
		name, template string
		wantErr        bool
	}{
		{name: "quoted by fail", template: "{{ fail .Values.greeting }}\n", wantErr: true},
		{name: "rendered", template: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  g: {{ .Values.greeting }}\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fsys := fstest.MapFS{
				"chart/Chart.yaml":        {Data: []byte("apiVersion: v2\nname: c\nversion: 1.0.0\n")},
				"chart/templates/cm.yaml": {Data: []byte(tt.template)},
				"secret.yaml":             {Data: []byte(secret)},
			}
			target := Target{Name: "t", Kind: KindHelm, Path: "chart", ValuesFrom: []ValuesRef{{Kind: "Secret", Name: "vals", File: "secret.yaml", Line: 1}}}
			res, err := newRenderer(t, DefaultOptions()).Render(context.Background(), fsys, target)
			if tt.wantErr {
				if err == nil || strings.Contains(err.Error(), leaf) {
					t.Errorf("err = %v, want an error without the Secret's value", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(strings.Join(res.Secrets, "\n"), leaf) {
				t.Errorf("secrets %q lack the document's value", res.Secrets)
			}
		})
	}
}
