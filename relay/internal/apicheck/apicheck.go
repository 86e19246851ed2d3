// Package apicheck makes relay/httpapi/openapi.json a checked contract in
// tests: a Checker is an http.RoundTripper that validates every response from
// a watched relay against the document (kin-openapi's openapi3filter) and
// records which operations and statuses were exercised. An undocumented
// route, status, media type or body fails the request with an error naming
// the mismatch, and is kept for Finish, so a caller that drops the error
// still fails the run.
package apicheck

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"

	"github.com/qrsign/qrsign/relay/httpapi"
)

// operational are the probes and metrics: served by every relay, outside the
// API document (httpapi's route test skips the same three).
var operational = map[string]bool{"/healthz": true, "/readyz": true, "/metrics": true}

// Checker validates responses from watched relay origins.
type Checker struct {
	doc    *openapi3.T
	router routers.Router
	ops    []string // "METHOD /path" of every documented operation, sorted
	base   http.RoundTripper

	mu      sync.Mutex
	origins map[string]bool         // scheme://host
	seen    map[string]map[int]bool // operation → statuses validated
	bad     []string                // every mismatch, in order
}

// New loads the embedded document; responses pass through base.
func New(base http.RoundTripper) (*Checker, error) {
	doc, err := openapi3.NewLoader().LoadFromData(httpapi.OpenAPI())
	if err != nil {
		return nil, fmt.Errorf("openapi.json: %w", err)
	}
	doc.Servers = nil // routes match by path: relays under test listen on any port
	router, err := legacy.NewRouter(doc)
	if err != nil {
		return nil, fmt.Errorf("openapi.json: %w", err)
	}
	c := &Checker{doc: doc, router: router, base: base, origins: map[string]bool{}, seen: map[string]map[int]bool{}}
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			c.ops = append(c.ops, method+" "+path)
		}
	}
	sort.Strings(c.ops)
	return c, nil
}

// Install puts a Checker in front of http.DefaultTransport, which every
// client without its own transport uses (http.Get, relayapi's default client).
func Install() (*Checker, error) {
	c, err := New(http.DefaultTransport)
	if err != nil {
		return nil, err
	}
	http.DefaultTransport = c
	return c, nil
}

// Watch checks every later response from the relay at base (any URL on it).
func (c *Checker) Watch(base string) {
	u, err := url.Parse(base)
	if err != nil || u.Host == "" {
		panic(fmt.Sprintf("apicheck: relay URL %q", base))
	}
	c.mu.Lock()
	c.origins[u.Scheme+"://"+u.Host] = true
	c.mu.Unlock()
}

func (c *Checker) watched(u *url.URL) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.origins[u.Scheme+"://"+u.Host] && !operational[u.Path]
}

// RoundTrip sends req and validates the response if it comes from a watched relay.
func (c *Checker) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := c.base.RoundTrip(req)
	if err != nil || !c.watched(req.URL) {
		return resp, err
	}
	if err := c.Check(req, resp); err != nil {
		resp.Body.Close()
		return nil, err
	}
	return resp, nil
}

// Check validates resp, the answer to req, leaving its body readable. A
// server-sent event stream is checked up to its media type: its body never ends.
func (c *Checker) Check(req *http.Request, resp *http.Response) error {
	route, params, err := c.router.FindRoute(req)
	if err != nil {
		return c.fail(req, resp.StatusCode, fmt.Errorf("no documented operation: %w", err))
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route},
		Status:                 resp.StatusCode,
		Header:                 resp.Header,
		Options:                &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	}
	mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if mt == "text/event-stream" {
		in.Options.ExcludeResponseBody = true
		if err := documentedMediaType(route, resp.StatusCode, mt); err != nil {
			return c.fail(req, resp.StatusCode, err)
		}
	} else {
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return err // the transport failed: not a contract mismatch
		}
		resp.Body = io.NopCloser(bytes.NewReader(body))
		in.SetBodyBytes(body)
		opaque(mt)
	}
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		return c.fail(req, resp.StatusCode, err)
	}
	c.mu.Lock()
	op := route.Method + " " + route.Path
	if c.seen[op] == nil {
		c.seen[op] = map[int]bool{}
	}
	c.seen[op][resp.StatusCode] = true
	c.mu.Unlock()
	return nil
}

// documentedMediaType is the media type check ValidateResponse skips along with the body.
func documentedMediaType(route *routers.Route, status int, mt string) error {
	r := route.Operation.Responses.Status(status)
	if r == nil || r.Value == nil || r.Value.Content.Get(mt) == nil {
		return fmt.Errorf("status %d with %s is not documented", status, mt)
	}
	return nil
}

var opaqueMu sync.Mutex

// opaque makes a media type with no decoder (PNG, PDF, HTML, a stored
// document's own type) decode as bytes, so its schema (a string) is checked.
func opaque(mt string) {
	if mt == "" {
		return
	}
	opaqueMu.Lock()
	defer opaqueMu.Unlock()
	if openapi3filter.RegisteredBodyDecoder(mt) == nil && !strings.HasSuffix(mt, "+json") {
		openapi3filter.RegisterBodyDecoder(mt, openapi3filter.FileBodyDecoder)
	}
}

func (c *Checker) fail(req *http.Request, status int, err error) error {
	return c.record(fmt.Sprintf("%s %s → %d disagrees with openapi.json: %v", req.Method, req.URL.Path, status, err))
}

// record keeps a mismatch for Finish and returns it as the caller's error.
func (c *Checker) record(msg string) error {
	c.mu.Lock()
	c.bad = append(c.bad, msg)
	c.mu.Unlock()
	return fmt.Errorf("apicheck: %s", msg)
}

// CheckWebhook validates a delivery the relay POSTed to a subscriber (its
// headers and body) against the document's webhook of that name.
func (c *Checker) CheckWebhook(name string, h http.Header, body []byte) error {
	if err := c.webhook(name, h, body); err != nil {
		return c.record(fmt.Sprintf("webhook %q disagrees with openapi.json: %v", name, err))
	}
	return nil
}

func (c *Checker) webhook(name string, h http.Header, body []byte) error {
	item := c.doc.Webhooks[name]
	if item == nil || item.Post == nil || item.Post.RequestBody == nil {
		return errors.New("not documented")
	}
	opts := []openapi3.SchemaValidationOption{openapi3.EnableJSONSchema2020(), openapi3.MultiErrors()}
	for _, p := range item.Post.Parameters {
		if p.Value.In != openapi3.ParameterInHeader {
			continue
		}
		v, ok := h[http.CanonicalHeaderKey(p.Value.Name)]
		if !ok {
			if p.Value.Required {
				return fmt.Errorf("header %s missing", p.Value.Name)
			}
			continue
		}
		if err := p.Value.Schema.Value.VisitJSON(v[0], opts...); err != nil {
			return fmt.Errorf("header %s: %w", p.Value.Name, err)
		}
	}
	mt := item.Post.RequestBody.Value.Content.Get(h.Get("Content-Type"))
	if mt == nil || mt.Schema == nil {
		return fmt.Errorf("content type %q not documented", h.Get("Content-Type"))
	}
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		return err
	}
	return mt.Schema.Value.VisitJSON(v, opts...)
}

// Report says which operations had a response validated and lists every mismatch.
func (c *Checker) Report() (summary string, mismatches []string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var b strings.Builder
	var missed []string
	n := 0
	for _, op := range c.ops {
		if st := c.seen[op]; len(st) > 0 {
			n++
			codes := make([]int, 0, len(st))
			for s := range st {
				codes = append(codes, s)
			}
			sort.Ints(codes)
			fmt.Fprintf(&b, "  %s %v\n", op, codes)
		} else {
			missed = append(missed, op)
		}
	}
	head := fmt.Sprintf("openapi: responses of %d of %d operations validated\n", n, len(c.ops))
	if len(missed) > 0 {
		b.WriteString("  not exercised: " + strings.Join(missed, ", ") + "\n")
	}
	return head + b.String(), append([]string(nil), c.bad...)
}

// Finish prints the report (and appends it to $QRSIGN_OPENAPI_REPORT when
// set: go test shows a passing package's output only with -v) and turns a
// passing exit code into 1 if any response disagreed with the document: for
// TestMain's os.Exit.
func (c *Checker) Finish(code int) int {
	summary, bad := c.Report()
	var b strings.Builder
	b.WriteString(summary)
	for _, m := range bad {
		fmt.Fprintln(&b, "openapi mismatch:", m)
	}
	fmt.Print(b.String())
	if path := os.Getenv("QRSIGN_OPENAPI_REPORT"); path != "" {
		if err := appendFile(path, filepath.Base(os.Args[0])+": "+b.String()); err != nil {
			fmt.Fprintln(os.Stderr, "apicheck:", err)
			return 1
		}
	}
	if len(bad) > 0 && code == 0 {
		return 1
	}
	return code
}

func appendFile(path, text string) error {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.WriteString(text); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
