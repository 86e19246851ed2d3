// Package relayapi is a client of the relay's HTTP API (wire types in
// relay/api) that retries what is safe to retry and turns error answers
// into *api.Problem.
package relayapi

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
	"strings"
	"time"

	"github.com/qrsign/qrsign/chaincode/model"

	"github.com/qrsign/qrsign/relay/api"
)

// Client calls one relay.
type Client struct {
	Base  *url.URL     // the relay's origin, e.g. http://127.0.0.1:7080
	HTTP  *http.Client // nil: a client with a 60 s timeout
	Retry Retry        // zero: DefaultRetry

	// Read access to documents (provenance): an API key with documents:read,
	// or a session token issued for the document (a signer reads what they sign).
	APIKey string
	Token  string

	// Hooks for tests and progress output; nil means real time / silence.
	Sleep   func(ctx context.Context, d time.Duration) error
	Jitter  func(max time.Duration) time.Duration
	OnRetry func(attempt int, wait time.Duration, cause error)
}

// New returns a client for the relay at origin (scheme://host[:port]).
func New(origin string) (*Client, error) {
	u, err := url.Parse(origin)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("relayapi: %q is not an http(s) URL", origin)
	}
	return &Client{Base: &url.URL{Scheme: u.Scheme, Host: u.Host}}, nil
}

// ErrTooLarge: a download exceeded its announced size.
var ErrTooLarge = errors.New("relayapi: content is larger than announced")

// Resolve makes ref absolute against the relay's origin and refuses URLs
// of another origin (a session must not send the client elsewhere).
func (c *Client) Resolve(ref string) (*url.URL, error) {
	u, err := c.Base.Parse(ref)
	if err != nil {
		return nil, fmt.Errorf("relayapi: bad URL %q: %w", ref, err)
	}
	if u.Scheme != c.Base.Scheme || u.Host != c.Base.Host {
		return nil, fmt.Errorf("relayapi: URL %q is not on the relay %s", ref, c.Base)
	}
	return u, nil
}

// Session fetches the signing session of a token.
func (c *Client) Session(ctx context.Context, token string) (*api.Session, error) {
	var s api.Session
	err := c.getJSON(ctx, "/v1/sessions/"+url.PathEscape(token), &s)
	return &s, err
}

// PDFIncrement fetches the PDF signature a PDF document's session signs.
func (c *Client) PDFIncrement(ctx context.Context, token string) (*api.PDFIncrement, error) {
	var inc api.PDFIncrement
	err := c.getJSON(ctx, "/v1/sessions/"+url.PathEscape(token)+"/pdf", &inc)
	return &inc, err
}

// Provenance fetches a document's events with their blocks, authorised by
// c.APIKey or c.Token.
func (c *Client) Provenance(ctx context.Context, docID string) (*api.Provenance, error) {
	var p api.Provenance
	path := "/v1/documents/" + url.PathEscape(docID) + "/provenance"
	if c.APIKey == "" && c.Token != "" {
		path += "?token=" + url.QueryEscape(c.Token)
	}
	if err := c.getJSON(ctx, path, &p); err != nil {
		return nil, err
	}
	if p.Document == nil {
		return nil, errors.New("relay: the provenance answer holds no document")
	}
	return &p, nil
}

// Origin is the relay's origin URL.
func (c *Client) Origin() string { return c.Base.String() }

// OrgTrust reads an org's registered signer CAs and CRLs as the ledger
// records them (GET /v1/orgs/{mspId}/trust → model.OrgTrust).
func (c *Client) OrgTrust(ctx context.Context, mspID string) (*model.OrgTrust, error) {
	var t model.OrgTrust
	if err := c.getJSON(ctx, "/v1/orgs/"+url.PathEscape(mspID)+"/trust", &t); err != nil {
		return nil, err
	}
	if t.MSPID != mspID {
		return nil, fmt.Errorf("relayapi: asked for the trust of %s, got %q", mspID, t.MSPID)
	}
	return &t, nil
}

// Content downloads a document's bytes, reading at most max+1 bytes so a
// lying server cannot fill the disk or memory; more than max is ErrTooLarge.
func (c *Client) Content(ctx context.Context, ref string, max int64) ([]byte, error) {
	u, err := c.Resolve(ref)
	if err != nil {
		return nil, err
	}
	resp, err := c.do(ctx, func() (*http.Request, error) {
		return http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	})
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, problemOf(resp)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, max+1))
	if err != nil {
		return nil, fmt.Errorf("relayapi: downloading %s: %w", u.Path, err)
	}
	if int64(len(b)) > max {
		return nil, ErrTooLarge
	}
	return b, nil
}

// Callback posts a scan result. It is retried on 503/502/504/429 (honouring
// Retry-After) and on connection errors with the same body: same token, same
// nonce, so at most one signature is ever recorded.
func (c *Client) Callback(ctx context.Context, path string, req api.CallbackRequest) (*api.CallbackResult, error) {
	if path == "" {
		path = "/v1/callbacks/scan"
	}
	u, err := c.Resolve(path)
	if err != nil {
		return nil, err
	}
	body, err := json.Marshal(req)
	if err != nil {
		return nil, err
	}
	resp, err := c.do(ctx, func() (*http.Request, error) {
		r, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), bytes.NewReader(body))
		if err == nil {
			r.Header.Set("Content-Type", "application/json")
		}
		return r, err
	})
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, problemOf(resp)
	}
	var res api.CallbackResult
	if err := decodeJSON(resp, &res); err != nil {
		return nil, err
	}
	return &res, nil
}

// Document reads a document's current view, authorised by c.APIKey or c.Token.
func (c *Client) Document(ctx context.Context, docID string) (*model.DocumentView, error) {
	var d model.DocumentView
	path := "/v1/documents/" + url.PathEscape(docID)
	if c.APIKey == "" && c.Token != "" {
		path += "?token=" + url.QueryEscape(c.Token)
	}
	err := c.getJSON(ctx, path, &d)
	return &d, err
}

// Annotate posts a signed annotation of a document. Like a callback it is
// retried with the same body: the nonce makes a repeat harmless.
func (c *Client) Annotate(ctx context.Context, docID string, req api.AnnotationRequest) (*api.Annotated, error) {
	var res api.Annotated
	if err := c.postJSON(ctx, "/v1/documents/"+url.PathEscape(docID)+"/annotations", req, &res); err != nil {
		return nil, err
	}
	return &res, nil
}

// PostStream posts a body made by mk (a fresh one per try, e.g. a pipe fed
// by a goroutine; mk also returns the Content-Type) with extra headers and
// c.APIKey, retrying per c.Retry, and decodes a 200/201 answer into out.
func (c *Client) PostStream(ctx context.Context, path string, headers map[string]string, mk func() (io.ReadCloser, string), out any) error {
	u, err := c.Resolve(path)
	if err != nil {
		return err
	}
	resp, err := c.do(ctx, func() (*http.Request, error) {
		body, ct := mk()
		r, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), body)
		if err != nil {
			body.Close()
			return nil, err
		}
		r.Header.Set("Content-Type", ct)
		for k, v := range headers {
			r.Header.Set(k, v)
		}
		if c.APIKey != "" {
			r.Header.Set("Authorization", "Bearer "+c.APIKey)
		}
		return r, nil
	})
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusCreated {
		return problemOf(resp)
	}
	return decodeJSON(resp, out)
}

// postJSON posts v as JSON, retrying per c.Retry, and decodes a 200/201 answer into out.
func (c *Client) postJSON(ctx context.Context, path string, v, out any) error {
	u, err := c.Resolve(path)
	if err != nil {
		return err
	}
	body, err := json.Marshal(v)
	if err != nil {
		return err
	}
	resp, err := c.do(ctx, func() (*http.Request, error) {
		r, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), bytes.NewReader(body))
		if err == nil {
			r.Header.Set("Content-Type", "application/json")
			if c.APIKey != "" {
				r.Header.Set("Authorization", "Bearer "+c.APIKey)
			}
		}
		return r, err
	})
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusCreated {
		return problemOf(resp)
	}
	return decodeJSON(resp, out)
}

func (c *Client) getJSON(ctx context.Context, path string, v any) error {
	u, err := c.Resolve(path)
	if err != nil {
		return err
	}
	resp, err := c.do(ctx, func() (*http.Request, error) {
		r, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
		if err == nil {
			r.Header.Set("Accept", "application/json")
			if c.APIKey != "" {
				r.Header.Set("Authorization", "Bearer "+c.APIKey)
			}
		}
		return r, err
	})
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return problemOf(resp)
	}
	return decodeJSON(resp, v)
}

// do sends the request built by mk, retrying per c.Retry. The last answer
// (possibly a 503) is returned when tries run out; connection errors are
// returned wrapped.
func (c *Client) do(ctx context.Context, mk func() (*http.Request, error)) (*http.Response, error) {
	pol := c.Retry
	if pol == (Retry{}) {
		pol = DefaultRetry
	}
	if pol.Attempts < 1 {
		pol.Attempts = 1
	}
	hc := c.httpClient()
	sleep, jitter := c.Sleep, c.Jitter
	if sleep == nil {
		sleep = sleepCtx
	}
	if jitter == nil {
		jitter = defaultJitter
	}
	for n := 1; ; n++ {
		req, err := mk()
		if err != nil {
			return nil, err
		}
		resp, err := hc.Do(req)
		var wait time.Duration
		var cause error
		switch {
		case err != nil:
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			if errors.Is(err, ErrRedirect) { // the relay's answer, not a transient failure
				return nil, err
			}
			cause = err
			wait = pol.backoff(n, jitter)
		case retryable(resp.StatusCode):
			cause = fmt.Errorf("HTTP %d", resp.StatusCode)
			ra, ok := retryAfter(resp.Header.Get("Retry-After"), time.Now())
			if ok {
				wait = min(ra, pol.Max)
			} else {
				wait = pol.backoff(n, jitter)
			}
			if n >= pol.Attempts {
				return resp, nil
			}
			io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
			resp.Body.Close()
		default:
			return resp, nil
		}
		if n >= pol.Attempts {
			return nil, fmt.Errorf("relayapi: %d tries: %w", n, cause)
		}
		if c.OnRetry != nil {
			c.OnRetry(n, wait, cause)
		}
		if err := sleep(ctx, wait); err != nil {
			return nil, err
		}
	}
}

// maxRedirects bounds the redirects one request follows (as net/http's default).
const maxRedirects = 10

// ErrRedirect: the relay redirected a request off its origin (another
// scheme, host or port), or too often. The request is not followed: it
// carries the session token or the Authorization header (API key).
var ErrRedirect = errors.New("relayapi: redirect refused")

// httpClient is a copy of c.HTTP (nil: a client with a 60 s timeout) that
// follows at most maxRedirects redirects and only within the relay's
// origin (scheme, host and port of c.Base); a shared c.HTTP is not changed.
func (c *Client) httpClient() *http.Client {
	var hc http.Client
	if c.HTTP != nil {
		hc = *c.HTTP
	} else {
		hc.Timeout = 60 * time.Second
	}
	hc.CheckRedirect = c.checkRedirect
	return &hc
}

// checkRedirect refuses a redirect that leaves the relay's origin or is
// the (maxRedirects+1)th.
func (c *Client) checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) > maxRedirects { // via: the request and the redirects followed so far
		return fmt.Errorf("%w: more than %d redirects from the relay %s", ErrRedirect, maxRedirects, c.Base)
	}
	if !sameOrigin(req.URL, c.Base) {
		return fmt.Errorf("%w: the relay %s redirected to another origin (%s://%s)", ErrRedirect, c.Base, req.URL.Scheme, req.URL.Host)
	}
	return nil
}

// sameOrigin: u and base have the same scheme, host and port (default
// ports made explicit, host names compared case-insensitively).
func sameOrigin(u, base *url.URL) bool {
	return strings.EqualFold(u.Scheme, base.Scheme) && strings.EqualFold(u.Hostname(), base.Hostname()) &&
		portOf(u) == portOf(base)
}

func portOf(u *url.URL) string {
	if p := u.Port(); p != "" {
		return p
	}
	switch strings.ToLower(u.Scheme) {
	case "http":
		return "80"
	case "https":
		return "443"
	}
	return ""
}

// problemOf turns a non-2xx answer into a *Problem (RFC 9457 or whatever the body says).
func problemOf(resp *http.Response) error {
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	p := &api.Problem{Status: resp.StatusCode}
	mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if mt == "application/problem+json" || mt == "application/json" {
		if json.Unmarshal(b, p) == nil {
			p.Status = resp.StatusCode
			return p
		}
	}
	p.Title = strings.TrimSpace(http.StatusText(resp.StatusCode))
	if s := strings.TrimSpace(string(b)); s != "" && len(s) < 200 {
		p.Detail = s
	}
	return p
}

func decodeJSON(resp *http.Response, v any) error {
	b, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if err != nil {
		return fmt.Errorf("relayapi: reading %s: %w", resp.Request.URL.Path, err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("relayapi: %s: answer is not the expected JSON: %w", resp.Request.URL.Path, err)
	}
	return nil
}

// BatchSignatures fetches what a batch session signs beside the batch
// payload (GET /v1/sessions/{token}/batch).
func (c *Client) BatchSignatures(ctx context.Context, token string) (*api.BatchSignatures, error) {
	var b api.BatchSignatures
	err := c.getJSON(ctx, "/v1/sessions/"+url.PathEscape(token)+"/batch", &b)
	return &b, err
}
