package policy

import (
	"testing"

	"github.com/syncgate/syncgate/manifest"
)

func TestMatch(t *testing.T) {
	run := &gatekeeperRun{namespaces: map[string]map[string]any{"shop": {"env": "prod"}, "sandbox": {"env": "dev"}}}
	deploy := func(ns string, labels map[string]any) *manifest.Object {
		return object(map[string]any{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": map[string]any{"name": "web", "namespace": ns, "labels": labels}})
	}
	role := object(map[string]any{"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": map[string]any{"name": "reader"}})
	shopNS := object(map[string]any{"apiVersion": "v1", "kind": "Namespace", "metadata": map[string]any{"name": "shop", "labels": map[string]any{"env": "prod"}}})
	apps := []any{map[string]any{"apiGroups": []any{"apps"}, "kinds": []any{"Deployment"}}}
	tests := []struct {
		name  string
		match map[string]any
		obj   *manifest.Object
		want  bool
	}{
		{"no match block", nil, role, true},
		{"kind", map[string]any{"kinds": apps}, deploy("shop", nil), true},
		{"other kind", map[string]any{"kinds": apps}, role, false},
		{"wildcard group and kind", map[string]any{"kinds": []any{map[string]any{"apiGroups": []any{"*"}, "kinds": []any{"*"}}}}, role, true},
		{"namespaces glob", map[string]any{"namespaces": []any{"sh*"}}, deploy("shop", nil), true},
		{"namespaces other", map[string]any{"namespaces": []any{"sandbox"}}, deploy("shop", nil), false},
		{"namespaces and a cluster-scoped object", map[string]any{"namespaces": []any{"sandbox"}}, role, true},
		{"namespaces and a Namespace by its name", map[string]any{"namespaces": []any{"sandbox"}}, shopNS, false},
		{"excluded glob", map[string]any{"excludedNamespaces": []any{"*op"}}, deploy("shop", nil), false},
		{"excluded other", map[string]any{"excludedNamespaces": []any{"kube-*"}}, deploy("shop", nil), true},
		{"scope cluster", map[string]any{"scope": "Cluster"}, deploy("shop", nil), false},
		{"scope namespaced", map[string]any{"scope": "Namespaced"}, role, false},
		{"name", map[string]any{"name": "read*"}, role, true},
		{"label selector", map[string]any{"labelSelector": map[string]any{"matchLabels": map[string]any{"tier": "backend"}}}, deploy("shop", map[string]any{"tier": "backend"}), true},
		{"label selector miss", map[string]any{"labelSelector": map[string]any{"matchExpressions": []any{map[string]any{"key": "tier", "operator": "Exists"}}}}, deploy("shop", nil), false},
		{"namespace selector", map[string]any{"namespaceSelector": map[string]any{"matchLabels": map[string]any{"env": "prod"}}}, deploy("shop", nil), true},
		{"namespace selector miss", map[string]any{"namespaceSelector": map[string]any{"matchLabels": map[string]any{"env": "prod"}}}, deploy("sandbox", nil), false},
		{"namespace selector, Namespace not in the target", map[string]any{"namespaceSelector": map[string]any{"matchLabels": map[string]any{"env": "prod"}}}, deploy("elsewhere", nil), false},
		{"namespace selector on a Namespace", map[string]any{"namespaceSelector": map[string]any{"matchLabels": map[string]any{"env": "prod"}}}, shopNS, true},
		{"namespace selector and a cluster-scoped object", map[string]any{"namespaceSelector": map[string]any{"matchLabels": map[string]any{"env": "prod"}}}, role, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := run.matches(constraint{match: tt.match}, tt.obj); got != tt.want {
				t.Errorf("matches = %v, want %v", got, tt.want)
			}
		})
	}
}
