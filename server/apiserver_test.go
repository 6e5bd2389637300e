package server

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"math"
	"net/http"
	"os"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/syncgate/syncgate"
	"github.com/syncgate/syncgate/internal/apiservertest"
	"github.com/syncgate/syncgate/manifest"
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
	webhook := webhookConfig(ts.base, ca, "gate", "", "configmaps")
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

// webhookConfig registers the server at base as the validating webhook
// gate.syncgate.io (failurePolicy Fail) for creates and updates of a
// resource in one namespace.
func webhookConfig(base string, ca []byte, namespace, group, resource string) map[string]any {
	return map[string]any{
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
				"url":      base + "/v1/admission",
				"caBundle": base64.StdEncoding.EncodeToString(ca),
			},
			"namespaceSelector": map[string]any{"matchLabels": map[string]any{"kubernetes.io/metadata.name": namespace}},
			"rules": []any{map[string]any{
				"operations":  []any{"CREATE", "UPDATE"},
				"apiGroups":   []any{group},
				"apiVersions": []any{"v1"},
				"resources":   []any{resource},
			}},
		}},
	}
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

// BenchmarkApiserverWebhook is the latency the real kube-apiserver sees
// for the webhook call (make bench-serve): the Deployment of make
// bench-serve, created as a server-side dry run by 16 clients at once,
// into a namespace the webhook covers and into one it does not. It
// reports the creates' p50/p99 in both, and the apiserver's own
// apiserver_admission_webhook_admission_duration_seconds for the call.
func BenchmarkApiserverWebhook(b *testing.B) {
	api := apiservertest.Start(b)
	ts := startServer(b, func(o *Options) {
		o.Load = benchLoader("../bench/serve/policy")
		o.Watch, o.DecisionLog = nil, nil
		o.MaxInflight = 256
	})
	ctx := context.Background()
	ca, err := os.ReadFile(ts.srv.opts.CertFile)
	if err != nil {
		b.Fatal(err)
	}
	for _, ns := range []string{"gated", "ungated"} {
		if err := api.Create(ctx, map[string]any{"apiVersion": "v1", "kind": "Namespace", "metadata": map[string]any{"name": ns}}); err != nil {
			b.Fatal(err)
		}
	}
	if err := api.Create(ctx, webhookConfig(ts.base, ca, "gated", "apps", "deployments")); err != nil {
		b.Fatal(err)
	}
	review, err := os.ReadFile("../bench/serve/review.json")
	if err != nil {
		b.Fatal(err)
	}
	var ar struct {
		Request struct {
			Object map[string]any `json:"object"`
		} `json:"request"`
	}
	if err := json.Unmarshal(review, &ar); err != nil {
		b.Fatal(err)
	}
	body := func(ns string, labels bool) []byte {
		obj := ar.Request.Object
		md := obj["metadata"].(map[string]any)
		md["namespace"] = ns
		if !labels {
			md = maps.Clone(md)
			delete(md, "labels")
			obj = maps.Clone(obj)
			obj["metadata"] = md
		}
		data, err := json.Marshal(obj)
		if err != nil {
			b.Fatal(err)
		}
		return data
	}
	create := func(ns string, data []byte) (time.Duration, int) {
		start := time.Now()
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, api.URL+"/apis/apps/v1/namespaces/"+ns+"/deployments?dryRun=All", bytes.NewReader(data))
		if err != nil {
			b.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		resp, err := api.Client().Do(req)
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return time.Since(start), resp.StatusCode
	}
	// The apiserver picks the configuration up a moment after it is
	// created: wait until an unlabelled Deployment is denied.
	unlabelled := body("gated", false)
	ts.waitFor(b, "the apiserver to call the webhook", func() bool {
		_, code := create("gated", unlabelled)
		return code == http.StatusForbidden
	})
	before, err := webhookHistogram(ctx, api, "gate.syncgate.io")
	if err != nil {
		b.Fatal(err)
	}
	metrics := map[string]float64{}
	b.ResetTimer()
	for _, ns := range []string{"gated", "ungated"} {
		data := body(ns, true)
		var (
			mu    sync.Mutex
			times []time.Duration
		)
		b.SetParallelism(max(1, 16/runtime.GOMAXPROCS(0)))
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				d, code := create(ns, data)
				if code != http.StatusCreated {
					b.Errorf("dry-run create in %s: %d", ns, code)
					return
				}
				mu.Lock()
				times = append(times, d)
				mu.Unlock()
			}
		})
		if len(times) == 0 {
			b.FailNow()
		}
		slices.Sort(times)
		metrics[ns+"-p50-ms"] = ms(times[len(times)/2])
		metrics[ns+"-p99-ms"] = ms(times[len(times)*99/100])
	}
	b.StopTimer()
	after, err := webhookHistogram(ctx, api, "gate.syncgate.io")
	if err != nil {
		b.Fatal(err)
	}
	calls := after.minus(before)
	count := calls.count()
	metrics["webhook-calls"] = count
	metrics["webhook-mean-ms"] = 1000 * calls.sum / count
	metrics["webhook-p50-le-ms"] = 1000 * calls.quantile(0.5)
	metrics["webhook-p99-le-ms"] = 1000 * calls.quantile(0.99)
	for unit, v := range metrics {
		b.ReportMetric(v, unit)
	}
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// benchLoader builds Sets from the Rego in dir alone, as make bench-serve
// runs syncgate serve.
func benchLoader(dir string) Loader {
	return func(ctx context.Context) (*Set, error) {
		opts := syncgate.DefaultOptions()
		opts.Policy.Dirs, opts.Policy.Bundled = []string{dir}, false
		g, err := syncgate.New(ctx, opts)
		if err != nil {
			return nil, err
		}
		return &Set{Gate: g, FailOn: manifest.SeverityError}, nil
	}
}

// webhookSample is a bucket or the sum of the apiserver's histogram of
// webhook call durations, with its labels and value; bucketBound is a
// bucket's upper bound.
var (
	webhookSample = regexp.MustCompile(`^apiserver_admission_webhook_admission_duration_seconds_(bucket|sum)\{(.*)\} (\S+)$`)
	bucketBound   = regexp.MustCompile(`le="([^"]+)"`)
)

// histogram is the apiserver's histogram of one webhook's call
// durations, summed over operations and verdicts: the cumulative count by
// bucket upper bound, and the total seconds.
type histogram struct {
	buckets map[float64]float64
	sum     float64
}

// webhookHistogram reads the histogram of webhook name from the
// apiserver's /metrics.
func webhookHistogram(ctx context.Context, api *apiservertest.Server, name string) (histogram, error) {
	h := histogram{buckets: map[float64]float64{}}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, api.URL+"/metrics", nil)
	if err != nil {
		return h, err
	}
	resp, err := api.Client().Do(req)
	if err != nil {
		return h, err
	}
	defer resp.Body.Close()
	text, err := io.ReadAll(resp.Body)
	if err != nil {
		return h, err
	}
	for line := range strings.Lines(string(text)) {
		m := webhookSample.FindStringSubmatch(strings.TrimSpace(line))
		if m == nil || !strings.Contains(m[2], `name="`+name+`"`) {
			continue
		}
		v, err := strconv.ParseFloat(m[3], 64)
		if err != nil {
			return h, fmt.Errorf("%s: %w", line, err)
		}
		if m[1] == "sum" {
			h.sum += v
			continue
		}
		le := math.Inf(1)
		if b := bucketBound.FindStringSubmatch(m[2]); b != nil && b[1] != "+Inf" {
			if le, err = strconv.ParseFloat(b[1], 64); err != nil {
				return h, fmt.Errorf("%s: %w", line, err)
			}
		}
		h.buckets[le] += v
	}
	if len(h.buckets) == 0 {
		return h, fmt.Errorf("the apiserver's /metrics has no durations of webhook %s", name)
	}
	return h, nil
}

// minus is the calls of h that were not yet in earlier.
func (h histogram) minus(earlier histogram) histogram {
	out := histogram{buckets: map[float64]float64{}, sum: h.sum - earlier.sum}
	for le, n := range h.buckets {
		out.buckets[le] = n - earlier.buckets[le]
	}
	return out
}

func (h histogram) count() float64 { return h.buckets[math.Inf(1)] }

// quantile is the upper bound of the bucket that holds quantile q.
func (h histogram) quantile(q float64) float64 {
	for _, le := range slices.Sorted(maps.Keys(h.buckets)) {
		if h.buckets[le] >= q*h.count() {
			return le
		}
	}
	return math.Inf(1)
}
