package manifest

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestGroupFindings(t *testing.T) {
	dev := &ObjectRef{APIVersion: "apps/v1", Kind: "Deployment", Namespace: "web-dev", Name: "dev-web"}
	prod := &ObjectRef{APIVersion: "apps/v1", Kind: "Deployment", Namespace: "web-prod", Name: "web"}
	stg := &ObjectRef{APIVersion: "apps/v1", Kind: "Deployment", Namespace: "web-staging", Name: "web-stg"}
	svc := &ObjectRef{APIVersion: "v1", Kind: "Service", Namespace: "web-prod", Name: "web"}
	base := Finding{Rule: "schema/unknown-field", Severity: SeverityError, Field: "spec.progressDeadline",
		File: "base/deployment.yaml", Line: 11, Message: "unknown field"}
	at := func(f Finding, target string, obj *ObjectRef, msg string) Finding {
		f.Target, f.Object = target, obj
		if msg != "" {
			f.Message = msg
		}
		return f
	}
	yes, no := true, false
	tests := []struct {
		name string
		in   []Finding
		want []Finding
	}{
		{
			name: "one base mistake in three overlays is one finding",
			in:   []Finding{at(base, "overlays/staging", stg, ""), at(base, "overlays/dev", dev, ""), at(base, "overlays/prod", prod, "")},
			want: []Finding{func() Finding {
				f := at(base, "overlays/dev", dev, "")
				f.Targets = []Occurrence{{"overlays/dev", dev}, {"overlays/prod", prod}, {"overlays/staging", stg}}
				return f
			}()},
		},
		{
			name: "messages that differ only by the object's name and namespace",
			in: []Finding{
				at(base, "overlays/dev", dev, "Deployment dev-web in web-dev: unknown field"),
				at(base, "overlays/prod", prod, "Deployment web in web-prod: unknown field"),
			},
			want: []Finding{func() Finding {
				f := at(base, "overlays/dev", dev, "Deployment dev-web in web-dev: unknown field")
				f.Targets = []Occurrence{{"overlays/dev", dev}, {"overlays/prod", prod}}
				return f
			}()},
		},
		{
			name: "a name inside a longer word is not the name",
			in: []Finding{
				at(base, "overlays/dev", dev, "webhook unknown"),
				at(base, "overlays/prod", prod, "web-hook unknown"),
			},
			want: []Finding{at(base, "overlays/dev", dev, "webhook unknown"), at(base, "overlays/prod", prod, "web-hook unknown")},
		},
		{
			name: "another line, rule, field or kind is another mistake",
			in: []Finding{
				at(base, "overlays/dev", dev, ""),
				func() Finding { f := at(base, "overlays/prod", prod, ""); f.Line = 12; return f }(),
				func() Finding { f := at(base, "overlays/prod", prod, ""); f.Rule = "schema/type"; return f }(),
				func() Finding { f := at(base, "overlays/prod", prod, ""); f.Field = "spec.paused"; return f }(),
				at(base, "overlays/prod", svc, ""),
			},
			want: []Finding{
				at(base, "overlays/dev", dev, ""),
				func() Finding { f := at(base, "overlays/prod", prod, ""); f.Rule = "schema/type"; return f }(),
				func() Finding { f := at(base, "overlays/prod", prod, ""); f.Field = "spec.paused"; return f }(),
				at(base, "overlays/prod", svc, ""),
				func() Finding { f := at(base, "overlays/prod", prod, ""); f.Line = 12; return f }(),
			},
		},
		{
			name: "new and existing findings stay apart",
			in: []Finding{
				func() Finding { f := at(base, "overlays/dev", dev, ""); f.New = &yes; return f }(),
				func() Finding { f := at(base, "overlays/prod", prod, ""); f.New = &no; return f }(),
			},
			want: []Finding{
				func() Finding { f := at(base, "overlays/dev", dev, ""); f.New = &yes; return f }(),
				func() Finding { f := at(base, "overlays/prod", prod, ""); f.New = &no; return f }(),
			},
		},
		{
			name: "findings of no target or no file are left alone",
			in: []Finding{
				{Rule: "config/expired-exception", Severity: SeverityWarning, Message: "expired"},
				{Rule: "config/expired-exception", Severity: SeverityWarning, Message: "expired"},
				{Rule: "render/failed", Severity: SeverityError, Target: "a", Message: "failed"},
				{Rule: "render/failed", Severity: SeverityError, Target: "b", Message: "failed"},
			},
			want: []Finding{
				{Rule: "config/expired-exception", Severity: SeverityWarning, Message: "expired"},
				{Rule: "config/expired-exception", Severity: SeverityWarning, Message: "expired"},
				{Rule: "render/failed", Severity: SeverityError, Target: "a", Message: "failed"},
				{Rule: "render/failed", Severity: SeverityError, Target: "b", Message: "failed"},
			},
		},
		{
			name: "two objects of one target are two mistakes, each also seen in another target",
			in: []Finding{
				at(base, "overlays/prod", prod, "Deployment web: unknown field"),
				at(base, "overlays/prod", stg, "Deployment web-stg: unknown field"),
				at(base, "overlays/dev", dev, "Deployment dev-web: unknown field"),
			},
			want: []Finding{
				func() Finding {
					f := at(base, "overlays/dev", dev, "Deployment dev-web: unknown field")
					f.Targets = []Occurrence{{"overlays/dev", dev}, {"overlays/prod", prod}}
					return f
				}(),
				at(base, "overlays/prod", stg, "Deployment web-stg: unknown field"),
			},
		},
		{
			name: "related locations are joined",
			in: []Finding{
				func() Finding {
					f := at(base, "chart", dev, "")
					f.Related = []Location{{File: "chart/templates/a.yaml", Line: 3, Why: "template that writes the field"}}
					return f
				}(),
				func() Finding {
					f := at(base, "chart:prod", dev, "")
					f.Related = []Location{{File: "chart/templates/a.yaml", Line: 3, Why: "template that writes the field"}, {File: "x", Line: 1}}
					return f
				}(),
			},
			want: []Finding{func() Finding {
				f := at(base, "chart", dev, "")
				f.Related = []Location{{File: "chart/templates/a.yaml", Line: 3, Why: "template that writes the field"}, {File: "x", Line: 1}}
				f.Targets = []Occurrence{{"chart", dev}, {"chart:prod", dev}}
				return f
			}()},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := append([]Finding(nil), tt.in...)
			got := GroupFindings(in)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("GroupFindings (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.in, in); diff != "" {
				t.Errorf("GroupFindings changed its input (-before +after):\n%s", diff)
			}
			if diff := cmp.Diff(got, GroupFindings(got)); diff != "" {
				t.Errorf("grouping again (-once +twice):\n%s", diff)
			}
		})
	}
}

func TestParseFieldAndFieldLine(t *testing.T) {
	docs, err := Decode("f.yaml", []byte(`# a comment
metadata:
  labels:
    app.kubernetes.io/name: web
spec:
  containers:
    - name: a
      image: a:1
    - name: b
      image: b:1
      env:
        - {name: X, value: "1"}
`), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	content := docs[0].Value.(map[string]any)
	tests := []struct {
		field string
		want  int
	}{
		{"metadata.labels.app.kubernetes.io/name", 4},
		{"metadata.labels[app.kubernetes.io/name]", 4},
		{"spec.containers[1].image", 10},
		{"spec.containers[1].env[0].value", 12},
		{"spec.containers[1].resources", 9},
		{"spec.containers[5]", 6},
		{"", 0},
	}
	for _, tt := range tests {
		if got := FieldLine(docs[0].Node, content, tt.field); got != tt.want {
			t.Errorf("FieldLine(%q) = %d, want %d", tt.field, got, tt.want)
		}
	}
}
