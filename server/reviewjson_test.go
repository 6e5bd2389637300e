package server

import (
	"encoding/json"
	"net/http"
	"testing"

	admissionv1 "k8s.io/api/admission/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TestAppendReview: every answer the gate gives is written as
// encoding/json writes the AdmissionReview, byte for byte.
func TestAppendReview(t *testing.T) {
	for _, tt := range []struct {
		name string
		resp *admissionv1.AdmissionResponse
	}{
		{"allowed", &admissionv1.AdmissionResponse{UID: "705ab4f5-6393-11e8-b7cc-42010a800002", Allowed: true}},
		{"no uid", &admissionv1.AdmissionResponse{Allowed: true}},
		{"warnings", &admissionv1.AdmissionResponse{UID: "u", Allowed: true, Warnings: []string{"policy/a: <b> & \"c\"", "d\u2028e\tf"}}},
		{"empty warnings", &admissionv1.AdmissionResponse{UID: "u", Allowed: true, Warnings: []string{}}},
		{"denied", &admissionv1.AdmissionResponse{UID: "u", Result: &metav1.Status{
			Status: metav1.StatusFailure, Code: http.StatusForbidden, Reason: metav1.StatusReasonForbidden,
			Message: "Deployment apps/web:\n- policy/x: \x01 bad \xff utf-8",
		}, Warnings: []string{"w"}}},
		{"failed", deny(http.StatusServiceUnavailable, "syncgate: overloaded, denied without a check; retry")},
		{"empty status", &admissionv1.AdmissionResponse{UID: "u", Result: &metav1.Status{}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			want, err := json.Marshal(admissionv1.AdmissionReview{
				TypeMeta: metav1.TypeMeta{APIVersion: "admission.k8s.io/v1", Kind: "AdmissionReview"},
				Response: tt.resp,
			})
			if err != nil {
				t.Fatal(err)
			}
			if got := appendReview(nil, tt.resp); string(got) != string(want)+"\n" {
				t.Errorf("appendReview:\n%s\nencoding/json:\n%s", got, want)
			}
		})
	}
}

func FuzzAppendJSONString(f *testing.F) {
	for _, s := range []string{"", "plain", "\"\\/", "<>&", "\x00\x1f\x7f", "\b\f\n\r\t", "é\u2028\u2029\U0001F600", "\xff\xfe", "a\xc3", "\xed\xa0\x80"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		if got := appendJSONString(nil, s); string(got) != string(want) {
			t.Fatalf("%q: appendJSONString %s, encoding/json %s", s, got, want)
		}
	})
}
