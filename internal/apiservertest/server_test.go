package apiservertest

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestStart starts the pair, judges a few objects, and checks that
// nothing is left listening once the test that started it has ended.
func TestStart(t *testing.T) {
	var url string
	var client *http.Client
	t.Run("judge", func(t *testing.T) {
		s := Start(t)
		url, client = s.URL, s.Client()
		ns := map[string]any{"apiVersion": "v1", "kind": "Namespace", "metadata": map[string]any{"name": "start"}}
		if err := s.Create(t.Context(), ns); err != nil {
			t.Fatal(err)
		}
		tests := []struct {
			name string
			obj  map[string]any
			want Verdict
		}{
			{
				name: "valid",
				obj:  configMap(map[string]any{"name": "settings"}, map[string]any{"a": "b"}),
				want: Verdict{Accepted: true},
			},
			{
				name: "invalid name",
				obj:  configMap(map[string]any{"name": "My_Config"}, nil),
				want: Verdict{Reason: "Invalid", Fields: []string{"metadata.name"}},
			},
			{
				name: "unknown field",
				obj:  configMap(map[string]any{"name": "settings", "label": "x"}, nil),
				want: Verdict{Reason: "BadRequest", Fields: []string{"metadata.label"}},
			},
			{
				name: "wrong type",
				obj:  configMap(map[string]any{"name": "settings"}, map[string]any{"answer": 42}),
				want: Verdict{Reason: "BadRequest", Fields: []string{"data"}},
			},
			{
				name: "not served",
				obj:  map[string]any{"apiVersion": "extensions/v1beta1", "kind": "Ingress", "metadata": map[string]any{"name": "web"}},
				want: Verdict{Reason: "NotServed"},
			},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				got, err := s.Judge(t.Context(), tt.obj, "start")
				if err != nil {
					t.Fatal(err)
				}
				got.Message, got.Warnings = "", nil
				if diff := cmp.Diff(tt.want, got); diff != "" {
					t.Errorf("verdict (-want +got):\n%s", diff)
				}
			})
		}
	})
	if url == "" {
		t.Skip("the API server did not run")
	}
	if resp, err := client.Get(url + "/readyz"); err == nil {
		resp.Body.Close()
		t.Errorf("%s still answers after its test ended", url)
	}
}

func configMap(meta, data map[string]any) map[string]any {
	obj := map[string]any{"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta}
	if data != nil {
		obj["data"] = data
	}
	return obj
}

func TestBinariesMissing(t *testing.T) {
	dir := t.TempDir()
	t.Setenv(BinEnv, dir)
	_, _, err := Binaries()
	if err == nil || !strings.Contains(err.Error(), "lacks kube-apiserver, etcd, stamp") || !strings.Contains(err.Error(), "make apiserver") {
		t.Fatalf("Binaries() error = %v, want one naming what is missing and `make apiserver`", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "build-failed.log"), []byte("go: downloading k8s.io/kubernetes\ndial tcp: i/o timeout\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, _, err = Binaries()
	if err == nil || !strings.Contains(err.Error(), "the last build FAILED") || !strings.Contains(err.Error(), "dial tcp: i/o timeout") {
		t.Fatalf("Binaries() error = %v, want the failed build's log", err)
	}
}

func TestDecodeErrorFields(t *testing.T) {
	tests := []struct {
		name string
		msg  string
		want []string
	}{
		{
			name: "unknown fields",
			msg:  `Pod in version "v1" cannot be handled as a Pod: strict decoding error: unknown field "spec.containers[0].imagePullPolicyy", unknown field "spec.containers[0].tyy"`,
			want: []string{"spec.containers[0].imagePullPolicyy", "spec.containers[0].tyy"},
		},
		{
			name: "duplicate field",
			msg:  `strict decoding error: duplicate field "replicas"`,
			want: []string{"replicas"},
		},
		{
			name: "wrong type",
			msg:  `Deployment in version "v1" cannot be handled as a Deployment: json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32`,
			want: []string{"spec.replicas"},
		},
		{
			name: "wrong type with its value",
			msg:  `Job in version "v1" cannot be handled as a Job: json: cannot unmarshal number 1.5 into Go struct field JobSpec.spec.backoffLimit of type int32`,
			want: []string{"spec.backoffLimit"},
		},
		{
			name: "no field",
			msg:  `Secret in version "v1" cannot be handled as a Secret: illegal base64 data at input byte 3`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, decodeErrorFields(tt.msg)); diff != "" {
				t.Errorf("decodeErrorFields (-want +got):\n%s", diff)
			}
		})
	}
}

func TestStableMessage(t *testing.T) {
	tests := []struct {
		name string
		msg  string
		obj  map[string]any
		want string
	}{
		{
			name: "uid",
			msg:  `spec.selector: Invalid value: {"batch.kubernetes.io/controller-uid":"defe438d-8747-40c4-9a1f-0123456789ab"}`,
			want: `spec.selector: Invalid value: {"batch.kubernetes.io/controller-uid":"<uid>"}`,
		},
		{
			name: "generated name",
			msg:  `ConfigMap "Settings_8fgxl" is invalid: metadata.generateName: Invalid value: "Settings_"`,
			obj:  map[string]any{"metadata": map[string]any{"generateName": "Settings_"}},
			want: `ConfigMap "Settings_<random>" is invalid: metadata.generateName: Invalid value: "Settings_"`,
		},
		{
			name: "name given",
			msg:  `ConfigMap "Settings_abcde" is invalid`,
			obj:  map[string]any{"metadata": map[string]any{"name": "Settings_abcde", "generateName": "Settings_"}},
			want: `ConfigMap "Settings_abcde" is invalid`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := stableMessage(tt.msg, tt.obj); got != tt.want {
				t.Errorf("stableMessage = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestWarnings(t *testing.T) {
	h := http.Header{}
	h.Add("Warning", `299 - "v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 EndpointSlice"`)
	h.Add("Warning", `299 - "metadata.finalizers: \"cleanup\": prefer a domain-qualified finalizer name"`)
	h.Add("Warning", "not in the usual form")
	want := []string{
		"v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 EndpointSlice",
		`metadata.finalizers: "cleanup": prefer a domain-qualified finalizer name`,
		"not in the usual form",
	}
	if diff := cmp.Diff(want, warnings(h)); diff != "" {
		t.Errorf("warnings (-want +got):\n%s", diff)
	}
}
