package apiservertest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// maxBody bounds what is read of an answer.
const maxBody = 1 << 20

// Verdict is the API server's answer to a server-side dry-run create.
type Verdict struct {
	// Accepted is true when the object would have been created.
	Accepted bool `json:"accepted"`
	// Reason is the Status reason of a rejection (Invalid, BadRequest,
	// Forbidden, ...), or NotServed when discovery has no such kind in the
	// apiVersion, as kubectl reports it ("no matches for kind").
	Reason string `json:"reason,omitempty"`
	// Fields are the field paths the rejection names, sorted: those of
	// status.details.causes, and for a body that does not decode (unknown
	// or duplicate fields, wrong JSON types), those its message quotes.
	Fields []string `json:"fields,omitempty"`
	// Message is the Status message.
	Message string `json:"message,omitempty"`
	// Warnings are the Warning headers of the answer (deprecated APIs,
	// fields with no effect), in the order sent.
	Warnings []string `json:"warnings,omitempty"`
}

// Judge sends obj as a server-side dry-run create with strict field
// validation, as `kubectl create --dry-run=server` does, and returns the
// verdict. A namespaced object without metadata.namespace goes to
// namespace. The error reports a failure to ask, not a rejection.
func (s *Server) Judge(ctx context.Context, obj map[string]any, namespace string) (Verdict, error) {
	path, served, err := s.collectionPath(ctx, obj, namespace)
	if err != nil {
		return Verdict{}, err
	}
	if !served {
		return Verdict{Reason: "NotServed", Message: fmt.Sprintf("no matches for kind %q in version %q", obj["kind"], obj["apiVersion"])}, nil
	}
	resp, body, err := s.send(ctx, http.MethodPost, path+"?dryRun=All&fieldValidation=Strict", obj)
	if err != nil {
		return Verdict{}, err
	}
	return verdict(resp, body, path, obj)
}

// Apply server-side applies obj as the field manager GitOps operators
// are here ("syncgate-judge"), for real when dryRun is false: the base of a
// change. With dryRun it returns the verdict on applying obj over what is
// there, as Argo CD and Flux sync a changed object: immutable fields and CEL
// transition rules are the API server's to decide. A server-side apply,
// not a PUT, so that fields the server set (a Job's generated selector, a
// Service's clusterIP) stay as a sync leaves them.
func (s *Server) Apply(ctx context.Context, obj map[string]any, namespace string, dryRun bool) (Verdict, error) {
	path, served, err := s.collectionPath(ctx, obj, namespace)
	if err != nil {
		return Verdict{}, err
	}
	meta, _ := obj["metadata"].(map[string]any)
	name, _ := meta["name"].(string)
	if !served || name == "" {
		return Verdict{}, fmt.Errorf("apply: %v %v %q is not served or has no name", obj["apiVersion"], obj["kind"], name)
	}
	path += "/" + url.PathEscape(name) + "?fieldManager=syncgate-judge&force=true&fieldValidation=Strict"
	if dryRun {
		path += "&dryRun=All"
	}
	resp, body, err := s.send(ctx, http.MethodPatch, path, obj)
	if err != nil {
		return Verdict{}, err
	}
	return verdict(resp, body, path, obj)
}

// verdict reads the API server's answer to a dry run.
func verdict(resp *http.Response, body []byte, path string, obj map[string]any) (Verdict, error) {
	v := Verdict{Warnings: warnings(resp.Header)}
	if resp.StatusCode/100 == 2 {
		v.Accepted = true
		return v, nil
	}
	var st metav1.Status
	if err := json.Unmarshal(body, &st); err != nil || st.Kind != "Status" {
		return Verdict{}, fmt.Errorf("%s %s: %s: not a Status: %.200s", resp.Request.Method, path, resp.Status, body)
	}
	v.Reason, v.Message = string(st.Reason), stableMessage(st.Message, obj)
	if st.Details != nil {
		for _, c := range st.Details.Causes {
			if c.Field != "" {
				v.Fields = append(v.Fields, c.Field)
			}
		}
	}
	v.Fields = append(v.Fields, decodeErrorFields(st.Message)...)
	slices.Sort(v.Fields)
	v.Fields = slices.Compact(v.Fields)
	return v, nil
}

// Create creates obj for real (a namespace, a CRD the cases need); an
// object that already exists is not an error.
func (s *Server) Create(ctx context.Context, obj map[string]any) error {
	path, served, err := s.collectionPath(ctx, obj, "")
	if err != nil {
		return err
	}
	if !served {
		return fmt.Errorf("create: no matches for kind %q in version %q", obj["kind"], obj["apiVersion"])
	}
	resp, body, err := s.send(ctx, http.MethodPost, path, obj)
	if err != nil {
		return err
	}
	if resp.StatusCode/100 != 2 && resp.StatusCode != http.StatusConflict {
		return fmt.Errorf("create %s: %s: %.500s", path, resp.Status, body)
	}
	return nil
}

// InstallCRD creates a CustomResourceDefinition for real and waits, at
// most a minute, until discovery serves its served versions.
func (s *Server) InstallCRD(ctx context.Context, obj map[string]any) error {
	data, err := json.Marshal(obj)
	if err != nil {
		return err
	}
	var crd apiextensionsv1.CustomResourceDefinition
	if err := json.Unmarshal(data, &crd); err != nil {
		return fmt.Errorf("not a CustomResourceDefinition: %w", err)
	}
	if err := s.Create(ctx, obj); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	for _, v := range crd.Spec.Versions {
		if !v.Served {
			continue
		}
		if err := s.WaitServed(ctx, crd.Spec.Group+"/"+v.Name, crd.Spec.Names.Kind); err != nil {
			return err
		}
	}
	return nil
}

// Version returns the API server's version, such as "v1.37.2".
func (s *Server) Version(ctx context.Context) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.URL+"/version", nil)
	if err != nil {
		return "", err
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return "", err
	}
	body, err := readAll(resp)
	if err != nil {
		return "", fmt.Errorf("GET /version: %w", err)
	}
	var info struct {
		GitVersion string `json:"gitVersion"`
	}
	if err := json.Unmarshal(body, &info); err != nil || info.GitVersion == "" {
		return "", fmt.Errorf("GET /version: %s: %.200s", resp.Status, body)
	}
	return info.GitVersion, nil
}

// WaitServed waits until discovery serves kind in apiVersion: a CRD's
// kinds are served a moment after it is created.
func (s *Server) WaitServed(ctx context.Context, apiVersion, kind string) error {
	for {
		_, _, served, err := s.resource(ctx, apiVersion, kind)
		if err != nil || served {
			return err
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s %s not served: %w", apiVersion, kind, ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// collectionPath returns the URL path objects of obj's kind are created
// at, and whether the kind is served at all.
func (s *Server) collectionPath(ctx context.Context, obj map[string]any, namespace string) (path string, served bool, err error) {
	apiVersion, _ := obj["apiVersion"].(string)
	kind, _ := obj["kind"].(string)
	if apiVersion == "" || kind == "" {
		return "", false, fmt.Errorf("object without apiVersion or kind")
	}
	name, namespaced, served, err := s.resource(ctx, apiVersion, kind)
	if err != nil || !served {
		return "", served, err
	}
	path = groupVersionPath(apiVersion)
	if namespaced {
		if meta, ok := obj["metadata"].(map[string]any); ok {
			if ns, ok := meta["namespace"].(string); ok && ns != "" {
				namespace = ns
			}
		}
		if namespace == "" {
			return "", false, fmt.Errorf("%s %s is namespaced: a namespace is needed", apiVersion, kind)
		}
		path += "/namespaces/" + url.PathEscape(namespace)
	}
	return path + "/" + name, true, nil
}

// groupVersionPath is where discovery and the resources of apiVersion live.
func groupVersionPath(apiVersion string) string {
	if apiVersion == "v1" {
		return "/api/v1"
	}
	return "/apis/" + apiVersion
}

// resource looks kind up in the discovery document of apiVersion.
func (s *Server) resource(ctx context.Context, apiVersion, kind string) (name string, namespaced, served bool, err error) {
	path := groupVersionPath(apiVersion)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.URL+path, nil)
	if err != nil {
		return "", false, false, err
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return "", false, false, err
	}
	body, err := readAll(resp)
	if err != nil {
		return "", false, false, fmt.Errorf("GET %s: %w", path, err)
	}
	if resp.StatusCode == http.StatusNotFound {
		return "", false, false, nil
	}
	if resp.StatusCode != http.StatusOK {
		return "", false, false, fmt.Errorf("GET %s: %s: %.200s", path, resp.Status, body)
	}
	var list metav1.APIResourceList
	if err := json.Unmarshal(body, &list); err != nil {
		return "", false, false, fmt.Errorf("GET %s: %w", path, err)
	}
	for _, r := range list.APIResources {
		if r.Kind == kind && !strings.Contains(r.Name, "/") {
			return r.Name, r.Namespaced, true, nil
		}
	}
	return "", false, false, nil
}

// send sends obj as JSON to path with method and returns the answer, read.
func (s *Server) send(ctx context.Context, method, path string, obj map[string]any) (*http.Response, []byte, error) {
	data, err := json.Marshal(obj)
	if err != nil {
		return nil, nil, err
	}
	req, err := http.NewRequestWithContext(ctx, method, s.URL+path, bytes.NewReader(data))
	if err != nil {
		return nil, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	if method == http.MethodPatch {
		req.Header.Set("Content-Type", "application/apply-patch+yaml") // JSON is YAML
	}
	req.Header.Set("Accept", "application/json")
	resp, err := s.client.Do(req)
	if err != nil {
		return nil, nil, err
	}
	body, err := readAll(resp)
	if err != nil {
		return nil, nil, fmt.Errorf("%s %s: %w", method, path, err)
	}
	return resp, body, nil
}

// uid matches the UIDs the API server makes up for a request.
var uid = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)

// stableMessage replaces what the API server makes up afresh for every
// request (UIDs, the random suffix of a generated name) with placeholders,
// so that the same object always gets the same verdict.
func stableMessage(msg string, obj map[string]any) string {
	msg = uid.ReplaceAllString(msg, "<uid>")
	if meta, ok := obj["metadata"].(map[string]any); ok {
		if prefix, ok := meta["generateName"].(string); ok && prefix != "" && meta["name"] == nil {
			generated := regexp.MustCompile(regexp.QuoteMeta(prefix) + `[a-z0-9]{5}\b`)
			msg = generated.ReplaceAllLiteralString(msg, prefix+"<random>")
		}
	}
	return msg
}

// readAll reads and closes a response body, at most maxBody of it.
func readAll(resp *http.Response) ([]byte, error) {
	defer resp.Body.Close()
	return io.ReadAll(io.LimitReader(resp.Body, maxBody))
}

// warningText is the text of a Warning header: `299 - "text"`.
var warningText = regexp.MustCompile(`^\d{3} \S+ "(.*)"$`)

// warnings returns the texts of the Warning headers.
func warnings(h http.Header) []string {
	var out []string
	for _, w := range h.Values("Warning") {
		if m := warningText.FindStringSubmatch(w); m != nil {
			w = strings.ReplaceAll(m[1], `\"`, `"`)
		}
		out = append(out, w)
	}
	return out
}

// decodeFieldPatterns find the fields a body that does not decode is
// rejected for: strict decoding names unknown and duplicate fields, the
// JSON decoder a field of the wrong type (by its path without list
// indices, after the Go type's name).
var decodeFieldPatterns = []*regexp.Regexp{
	regexp.MustCompile(`(?:unknown|duplicate) field "([^"]+)"`),
	regexp.MustCompile(`cannot unmarshal .+? into Go struct field \w+\.(\S+) of type`),
}

// decodeErrorFields returns the fields a decoding error message names.
func decodeErrorFields(msg string) []string {
	var out []string
	for _, re := range decodeFieldPatterns {
		for _, m := range re.FindAllStringSubmatch(msg, -1) {
			out = append(out, m[1])
		}
	}
	return out
}
