package main

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func decode(t *testing.T, s string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatalf("decode %s: %v", s, err)
	}
	return m
}

func TestConvertDefinition(t *testing.T) {
	tests := []struct {
		name, def, in, want string
	}{{
		name: "annotations dropped, strict, optional fields nullable",
		def:  "io.example.v1.Thing",
		in: `{"description":"d","type":"object","required":["name"],"properties":{
			"name":{"type":"string","description":"n","default":"x"},
			"mode":{"type":"string","enum":["A","B"]},
			"count":{"type":"integer","format":"int32"}}}`,
		want: `{"type":["object","null"],"required":["name"],"additionalProperties":false,"properties":{
			"name":{"type":"string"},
			"mode":{"type":["string","null"],"enum":["A","B",null]},
			"count":{"type":["integer","null"],"format":"int32"}}}`,
	}, {
		name: "maps keep their additionalProperties",
		def:  "io.example.v1.Labels",
		in:   `{"type":"object","properties":{"labels":{"type":"object","additionalProperties":{"type":"string"}}}}`,
		want: `{"type":["object","null"],"additionalProperties":false,"properties":{
			"labels":{"type":["object","null"],"additionalProperties":{"type":"string"}}}}`,
	}, {
		name: "preserve-unknown-fields is not made strict",
		def:  "io.example.v1.Open",
		in:   `{"type":"object","x-kubernetes-preserve-unknown-fields":true,"properties":{"a":{"type":"string"}}}`,
		want: `{"type":["object","null"],"x-kubernetes-preserve-unknown-fields":true,"properties":{"a":{"type":["string","null"]}}}`,
	}, {
		name: "int-or-string",
		def:  "io.k8s.apimachinery.pkg.util.intstr.IntOrString",
		in:   `{"type":"string","format":"int-or-string"}`,
		want: `{"type":["integer","string","null"],"format":"int-or-string"}`,
	}, {
		name: "x-kubernetes-int-or-string",
		def:  "io.example.v1.Port",
		in:   `{"x-kubernetes-int-or-string":true}`,
		want: `{"type":["integer","string","null"],"x-kubernetes-int-or-string":true}`,
	}, {
		name: "quantity",
		def:  quantityDef,
		in:   `{"type":"string","description":"q"}`,
		want: `{"type":["string","number","null"]}`,
	}, {
		name: "raw extension accepts anything",
		def:  rawExtensionDef,
		in:   `{"type":"object","description":"r"}`,
		want: `{}`,
	}, {
		name: "v2 exclusive bounds become numbers",
		def:  "io.example.v1.Bounded",
		in:   `{"type":"integer","minimum":0,"exclusiveMinimum":true,"maximum":10}`,
		want: `{"type":["integer","null"],"exclusiveMinimum":0,"maximum":10}`,
	}, {
		name: "list extensions kept",
		def:  "io.example.v1.Ports",
		in:   `{"type":"array","items":{"type":"string"},"x-kubernetes-list-type":"set","x-kubernetes-patch-strategy":"merge"}`,
		want: `{"type":["array","null"],"items":{"type":"string"},"x-kubernetes-list-type":"set","x-kubernetes-patch-strategy":"merge"}`,
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := convertDefinition(tt.def, decode(t, tt.in))
			if diff := cmp.Diff(decode(t, tt.want), got); diff != "" {
				t.Errorf("(-want +got)\n%s", diff)
			}
		})
	}
}

func TestConvertSetRefsAndKinds(t *testing.T) {
	raw := `{"definitions":{
		"io.example.v1.Widget":{"type":"object","required":["spec"],"properties":{
			"apiVersion":{"type":"string"},"kind":{"type":"string"},
			"spec":{"$ref":"#/definitions/io.example.v1.WidgetSpec","description":"s"},
			"status":{"$ref":"#/definitions/io.example.v1.WidgetStatus"},
			"parts":{"type":"array","items":{"$ref":"#/definitions/io.example.v1.WidgetStatus"}}}},
		"io.example.v1.WidgetSpec":{"type":"object","properties":{"size":{"$ref":"#/definitions/io.k8s.apimachinery.pkg.api.resource.Quantity"}}},
		"io.example.v1.WidgetStatus":{"type":"object","properties":{"ok":{"type":"boolean"}}},
		"io.k8s.apimachinery.pkg.api.resource.Quantity":{"type":"string"}},
	"kinds":[{"group":"example.io","version":"v1","kind":"Widget","definition":"io.example.v1.Widget"}]}`
	set, err := convertSet("1.99", "test", []byte(raw))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"io.example.v1.Widget": `{"type":["object","null"],"required":["spec"],"additionalProperties":false,"properties":{
			"apiVersion":{"type":"string","enum":["example.io/v1"]},"kind":{"type":"string","enum":["Widget"]},
			"spec":{"$ref":"#/definitions/io.example.v1.WidgetSpec","type":"object"},
			"status":{"$ref":"#/definitions/io.example.v1.WidgetStatus"},
			"parts":{"type":["array","null"],"items":{"$ref":"#/definitions/io.example.v1.WidgetStatus","type":"object"}}}}`,
		"io.example.v1.WidgetSpec": `{"type":["object","null"],"additionalProperties":false,"properties":{
			"size":{"$ref":"#/definitions/io.k8s.apimachinery.pkg.api.resource.Quantity"}}}`,
	}
	for name, w := range want {
		if diff := cmp.Diff(decode(t, w), decode(t, string(set.Definitions[name]))); diff != "" {
			t.Errorf("%s (-want +got)\n%s", name, diff)
		}
	}
}

func TestConvertSetMissingKindDefinition(t *testing.T) {
	raw := `{"definitions":{},"kinds":[{"group":"","version":"v1","kind":"Pod","definition":"io.k8s.api.core.v1.Pod"}]}`
	if _, err := convertSet("1.99", "test", []byte(raw)); err == nil {
		t.Fatal("want an error for a kind whose definition is missing")
	}
}

func TestEncodeSetDeterministic(t *testing.T) {
	raw := `{"definitions":{"a.B":{"type":"object","properties":{"x":{"type":"string"},"y":{"type":"string"},"apiVersion":{"type":"string"},"kind":{"type":"string"}}}},
		"kinds":[{"group":"","version":"v1","kind":"B","definition":"a.B"}]}`
	var first []byte
	for i := range 5 {
		set, err := convertSet("1.99", "test", []byte(raw))
		if err != nil {
			t.Fatal(err)
		}
		b, err := encodeSet(set)
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			first = b
		} else if string(b) != string(first) {
			t.Fatalf("run %d encoded differently", i)
		}
	}
}
