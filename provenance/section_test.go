package provenance

import (
	"strings"
	"testing"

	"github.com/syncgate/syncgate/manifest"
)

// TestSection picks the template document that renders an object, by
// kind and then by the literal parts of its name, and gives up where
// several documents could have rendered it.
func TestSection(t *testing.T) {
	const roles = `kind: Role
metadata:
  name: {{ .Release.Name }}-reader
---
# The writer role.
kind: Role
metadata:
  name: "{{ .Release.Name }}-writer"
---
kind: Service
metadata:
  name: {{ .Release.Name }}-reader`
	const templated = `kind: Role
metadata:
  name: {{ .Values.first }}
---
kind: Role
metadata:
  name: {{ .Values.second }}`
	tests := []struct {
		name, text, kind, object string
		start, end               int
		ok                       bool
	}{
		{"the only document of its kind", roles, "Service", "rel-reader", 9, 12, true},
		{"by name among its kind, after its comment", roles, "Role", "rel-writer", 5, 8, true},
		{"first of its kind by name", roles, "Role", "rel-reader", 0, 3, true},
		{"no document of its kind: the whole file", roles, "ConfigMap", "rel-reader", 0, 12, true},
		{"names all template: cannot tell", templated, "Role", "anything", 0, 0, false},
		{"no name fits: cannot tell", roles, "Role", "rel-admin", 0, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			obj := &manifest.Object{Kind: tt.kind, Name: tt.object}
			start, end, ok := section(strings.Split(tt.text, "\n"), obj)
			if start != tt.start || end != tt.end || ok != tt.ok {
				t.Errorf("section = %d, %d, %v; want %d, %d, %v", start, end, ok, tt.start, tt.end, tt.ok)
			}
		})
	}
}
