package server

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/syncgate/syncgate/internal/apiservertest"
)

// TestApiserverWebhook registers the server as a validating webhook of a
// real kube-apiserver (docs/apiserver.md) and lets the apiserver call it:
// the gate is the judge of what the apiserver admits, on create, on a
// server-side dry-run and on a server-side apply dry-run, and with the
// gate stopped, failurePolicy Fail rejects everything in its scope.
func TestApiserverWebhook(t *testing.T) {
	api := apiservertest.Start(t)
	ts := startServer(t, nil)
	ctx := context.Background()
	ca, err := os.ReadFile(ts.srv.opts.CertFile)
	if err != nil {
		t.Fatal(err)
	}
	if err := api.Create(ctx, map[string]any{
		"apiVersion": "v1", "kind": "Namespace", "metadata": map[string]any{"name": "gate"},
	}); err != nil {
		t.Fatal(err)
	}
	webhook := map[string]any{
		"apiVersion": "admissionregistration.k8s.io/v1",
		"kind":       "ValidatingWebhookConfiguration",
		"metadata":   map[string]any{"name": "syncgate"},
		"webhooks": []any{map[string]any{
			"name":                    "gate.syncgate.io",
			"admissionReviewVersions": []any{"v1"},
			"failurePolicy":           "Fail",
			"sideEffects":             "None",
			"timeoutSeconds":          10,
			"clientConfig": map[string]any{
				"url":      ts.base + "/v1/admission",
				"caBundle": base64.StdEncoding.EncodeToString(ca),
			},
			"namespaceSelector": map[string]any{"matchLabels": map[string]any{"kubernetes.io/metadata.name": "gate"}},
			"rules": []any{map[string]any{
				"operations":  []any{"CREATE", "UPDATE"},
				"apiGroups":   []any{""},
				"apiVersions": []any{"v1"},
				"resources":   []any{"configmaps"},
			}},
		}},
	}
	if err := api.Create(ctx, webhook); err != nil {
		t.Fatal(err)
	}
	cm := func(name, key string) map[string]any {
		return map[string]any{
			"apiVersion": "v1", "kind": "ConfigMap",
			"metadata": map[string]any{"name": name, "namespace": "gate"},
			"data":     map[string]any{key: "x"},
		}
	}
	judge := func(obj map[string]any) apiservertest.Verdict {
		t.Helper()
		v, err := api.Judge(ctx, obj, "gate")
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	// The apiserver picks the webhook configuration up a moment after it
	// is created.
	ts.waitFor(t, "the apiserver to call the webhook", func() bool { return !judge(cm("probe", "forbidden")).Accepted })

	deniedMessage := `admission webhook "gate.syncgate.io" denied the request: syncgate denied ConfigMap/gate/%s: 1 blocking finding(s)
- policy/main/deny: ConfigMap %s holds the key forbidden`
	t.Run("dry-run create", func(t *testing.T) {
		want := []apiservertest.Verdict{
			{Accepted: true},
			{Reason: "Forbidden", Message: strings.ReplaceAll(deniedMessage, "%s", "bad")},
		}
		got := []apiservertest.Verdict{judge(cm("good", "fine")), judge(cm("bad", "forbidden"))}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("verdicts (-want +got):\n%s", diff)
		}
	})
	t.Run("create", func(t *testing.T) {
		if err := api.Create(ctx, cm("good", "fine")); err != nil {
			t.Errorf("an allowed ConfigMap: %v", err)
		}
		err := api.Create(ctx, cm("bad", "forbidden"))
		if err == nil || !strings.Contains(err.Error(), "policy/main/deny") {
			t.Errorf("a denied ConfigMap: %v", err)
		}
	})
	t.Run("server-side apply dry-run", func(t *testing.T) {
		code, body := applyDryRun(t, api, cm("applied", "forbidden"))
		if code != http.StatusForbidden || !strings.Contains(body, "policy/main/deny") {
			t.Errorf("a denied apply: %d %s", code, body)
		}
		code, body = applyDryRun(t, api, cm("applied", "fine"))
		if code != http.StatusOK && code != http.StatusCreated {
			t.Errorf("an allowed apply: %d %s", code, body)
		}
	})
	t.Run("gate stopped", func(t *testing.T) {
		if err := ts.stop(); err != nil {
			t.Fatal(err)
		}
		v := judge(cm("good2", "fine"))
		if v.Accepted || !strings.Contains(v.Message, `failed calling webhook "gate.syncgate.io"`) {
			t.Errorf("with the gate stopped: %+v", v)
		}
	})
}

// applyDryRun sends obj as a server-side apply with dryRun=All, as
// kubectl apply --server-side --dry-run=server does.
func applyDryRun(t *testing.T, api *apiservertest.Server, obj map[string]any) (int, string) {
	t.Helper()
	data, err := json.Marshal(obj)
	if err != nil {
		t.Fatal(err)
	}
	md := obj["metadata"].(map[string]any)
	url := api.URL + "/api/v1/namespaces/" + md["namespace"].(string) + "/configmaps/" + md["name"].(string) +
		"?dryRun=All&fieldManager=syncgate-test&force=true"
	req, err := http.NewRequestWithContext(context.Background(), http.MethodPatch, url, bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/apply-patch+yaml")
	resp, err := api.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return resp.StatusCode, string(body)
}
