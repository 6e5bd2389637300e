package client

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestNew(t *testing.T) {
	for _, bad := range []string{"", "syncgate:8443", "ftp://x", "https://"} {
		if _, err := New(bad, nil); err == nil {
			t.Errorf("New(%q) succeeded", bad)
		}
	}
}

// TestCheckRequest pins what Check sends and how it reads the answers.
func TestCheckRequest(t *testing.T) {
	var got []string
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = append(got, r.Method+" "+r.URL.RequestURI()+" "+r.Header.Get("Content-Type"))
		if r.URL.Query().Get("config") == "nope" {
			http.Error(w, "unknown config nope", http.StatusBadRequest)
			return
		}
		w.Write([]byte(`{"allowed":true,"summary":{"objects":1},"findings":[]}`))
	}))
	defer ts.Close()
	c, err := New(ts.URL+"/", ts.Client())
	if err != nil {
		t.Fatal(err)
	}
	d, err := c.Check(context.Background(), Request{Objects: []byte("{}"), ContentType: "application/json", Target: "a b"})
	if err != nil || !d.Allowed || d.Summary.Objects != 1 {
		t.Errorf("Check = %+v, %v", d, err)
	}
	_, err = c.Check(context.Background(), Request{Config: "nope"})
	var se *StatusError
	if !errors.As(err, &se) || se.Code != 400 || se.Message != "unknown config nope" {
		t.Errorf("Check with an unknown config: %v", err)
	}
	want := []string{
		"POST /v1/check?target=a+b application/json",
		"POST /v1/check?config=nope application/yaml",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
}
