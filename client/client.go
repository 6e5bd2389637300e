// Package client calls the check API of syncgate serve (POST /v1/check)
// from an operator, a controller or a job: the objects it is about to
// apply go in, the gate's decision comes out.
package client

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/syncgate/syncgate/manifest"
)

// maxResponse bounds the decision read back: it lists findings, each a
// few hundred bytes.
const maxResponse = 64 << 20

// Client calls one syncgate server. It is safe for concurrent use.
type Client struct {
	endpoint *url.URL
	http     *http.Client
}

// New returns a Client of the server at baseURL, such as
// "https://syncgate.syncgate-system.svc:8443". A nil httpClient uses
// http.DefaultClient; give one whose TLS configuration trusts the
// server's certificate.
func New(baseURL string, httpClient *http.Client) (*Client, error) {
	u, err := url.Parse(baseURL)
	if err != nil {
		return nil, fmt.Errorf("syncgate client: %w", err)
	}
	if u.Scheme != "https" && u.Scheme != "http" || u.Host == "" {
		return nil, fmt.Errorf("syncgate client: base URL %q: want http(s)://host[:port]", baseURL)
	}
	if httpClient == nil {
		httpClient = http.DefaultClient
	}
	return &Client{endpoint: u.JoinPath("v1", "check"), http: httpClient}, nil
}

// Request is one check.
type Request struct {
	// Objects are a YAML stream of objects, or JSON objects one after
	// another when ContentType says so.
	Objects []byte
	// ContentType is "application/yaml" (when empty) or "application/json".
	ContentType string
	// Target names the objects in findings, such as the application they
	// belong to; the server's default when empty.
	Target string
	// Config names a configuration the server loaded at start; the
	// server's own when empty.
	Config string
}

// Decision is the server's answer: the JSON decision of check -o json.
type Decision struct {
	// Allowed is false when a finding blocks.
	Allowed bool `json:"allowed"`
	// Summary counts targets, objects and findings.
	Summary Summary `json:"summary"`
	// Findings are sorted as the server sorts them.
	Findings []manifest.Finding `json:"findings"`
	// Raw is the whole decision as the server sent it, with the fields
	// Decision leaves out (targets, waived findings, overrides).
	Raw json.RawMessage `json:"-"`
}

// Summary counts a check.
type Summary struct {
	Targets    int   `json:"targets"`
	Objects    int   `json:"objects"`
	Errors     int   `json:"errors"`
	Warnings   int   `json:"warnings"`
	Waived     int   `json:"waived"`
	DurationMs int64 `json:"durationMs"`
}

// StatusError is an answer other than a decision: a request the server
// refused (400, 413) or could not check in time (503).
type StatusError struct {
	// Code is the HTTP status code.
	Code int
	// Message is the server's explanation.
	Message string
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("syncgate server: %d %s: %s", e.Code, http.StatusText(e.Code), e.Message)
}

// Check sends objects to the server and returns its decision. A refused
// request is a *StatusError.
func (c *Client) Check(ctx context.Context, req Request) (*Decision, error) {
	u := *c.endpoint
	q := url.Values{}
	if req.Target != "" {
		q.Set("target", req.Target)
	}
	if req.Config != "" {
		q.Set("config", req.Config)
	}
	u.RawQuery = q.Encode()
	hr, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), bytes.NewReader(req.Objects))
	if err != nil {
		return nil, fmt.Errorf("syncgate client: %w", err)
	}
	contentType := req.ContentType
	if contentType == "" {
		contentType = "application/yaml"
	}
	hr.Header.Set("Content-Type", contentType)
	resp, err := c.http.Do(hr)
	if err != nil {
		return nil, fmt.Errorf("syncgate client: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse+1))
	if err != nil {
		return nil, fmt.Errorf("syncgate client: reading the answer: %w", err)
	}
	if len(body) > maxResponse {
		return nil, fmt.Errorf("syncgate client: the answer is larger than %d bytes", maxResponse)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, &StatusError{Code: resp.StatusCode, Message: strings.TrimSpace(string(body))}
	}
	d := &Decision{Raw: body}
	if err := json.Unmarshal(body, d); err != nil {
		return nil, fmt.Errorf("syncgate client: the answer is no decision: %w", err)
	}
	return d, nil
}
