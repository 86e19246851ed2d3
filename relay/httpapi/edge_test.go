package httpapi

import (
	"bufio"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// serveEdge serves the harness's relay with HTTPServer and Serve on a real
// listener, as cmd/relay does.
func serveEdge(t *testing.T, h *harness) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := h.srv.HTTPServer()
	go h.srv.Serve(hs, ln)
	t.Cleanup(func() { hs.Close() })
	return ln.Addr().String()
}

// rawExchange writes raw bytes on a new TCP connection and reads the
// answers to them (one per expected response).
func rawExchange(t *testing.T, addr, raw string, answers int) []*http.Response {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	go io.WriteString(c, raw) // net/http may answer (and half-close) before reading it all
	br := bufio.NewReader(c)
	var out []*http.Response
	for range answers {
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatalf("reading answer %d: %v", len(out)+1, err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body = io.NopCloser(strings.NewReader(string(b)))
		out = append(out, resp)
	}
	return out
}

// Requests net/http refuses before any handler (and those over the relay's
// own head limits) are answered with problems like every other refusal,
// over a real TCP connection to a real http.Server.
func TestRefusalsBeforeRoutingAreProblems(t *testing.T) {
	h := newHarness(t)
	addr := serveEdge(t, h)
	pad := func(n int) string { return strings.Repeat("a", n) }
	for _, tc := range []struct {
		name   string
		raw    string
		status int
		code   string
		detail string
	}{
		{"URL over the relay's limit", "GET /v1/documents/" + pad(9000) + " HTTP/1.1\r\nHost: x\r\n\r\n", 414, "URI_TOO_LONG",
			"the request target is 9014 bytes; the relay accepts at most 8192"},
		{"headers over the relay's limit", "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Pad: " + pad(40000) + "\r\n\r\n", 431,
			"HEADERS_TOO_LARGE", "the request line and headers are 40041 bytes; the relay accepts at most 32768"},
		{"headers over net/http's limit", "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Pad: " + pad(100000) + "\r\n\r\n", 431,
			"HEADERS_TOO_LARGE", "the request line and headers are larger than 32768 bytes"},
		{"URL over net/http's limit", "GET /" + pad(100000) + " HTTP/1.1\r\nHost: x\r\n\r\n", 431,
			"HEADERS_TOO_LARGE", "the request line and headers are larger than 32768 bytes"},
		{"malformed request line", "GARBAGE\r\n\r\n", 400, "BAD_REQUEST",
			"the request is not well-formed HTTP/1.1 (request line, Host or another header)"},
		{"malformed header", "GET /healthz HTTP/1.1\r\nHost: x\r\nno colon here\r\n\r\n", 400, "BAD_REQUEST",
			"the request is not well-formed HTTP/1.1 (request line, Host or another header)"},
		{"no Host", "GET /healthz HTTP/1.1\r\n\r\n", 400, "BAD_REQUEST",
			"the request is not well-formed HTTP/1.1 (request line, Host or another header)"},
		{"unsupported Transfer-Encoding", "POST /v1/callbacks/scan HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", 501,
			"TRANSFER_ENCODING_UNSUPPORTED", "unsupported Transfer-Encoding: the relay accepts only chunked"},
		{"HTTP/2 request line on HTTP/1", "GET /healthz HTTP/2.0\r\nHost: x\r\n\r\n", 505, "HTTP_VERSION_UNSUPPORTED",
			"the relay speaks HTTP/1.0 and HTTP/1.1 only"},
		{"unknown expectation", "GET /healthz HTTP/1.1\r\nHost: x\r\nExpect: tea\r\n\r\n", 417, "EXPECTATION_FAILED",
			"the relay supports no Expect other than 100-continue"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp := rawExchange(t, addr, tc.raw, 1)[0]
			wantEdgeProblem(t, resp, tc.status, tc.code, tc.detail)
		})
	}
}

func wantEdgeProblem(t *testing.T, resp *http.Response, status int, code, detail string) {
	t.Helper()
	var p problemBody
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != status || resp.Header.Get("Content-Type") != "application/problem+json" ||
		resp.Header.Get("Date") == "" || json.Unmarshal(b, &p) != nil {
		t.Fatalf("HTTP %d %v\n%s\nwant a %d problem", resp.StatusCode, resp.Header, b, status)
	}
	if p.Status != status || p.Code != code || p.Detail != detail || p.RequestID == "" ||
		p.RequestID != resp.Header.Get("X-Request-Id") || p.Type != "https://qrsign.dev/problems/"+code {
		t.Fatalf("problem %+v\nwant %d %s %q with the answer's request id", p, status, code, detail)
	}
}

// Answers of handlers pass untouched, even a document whose bytes are
// exactly net/http's canned 400; a malformed request after a good one on
// the same keep-alive connection is still a problem.
func TestEdgeRewritesOnlyNetHTTPsOwnAnswers(t *testing.T) {
	h := newHarness(t)
	canned := "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n400 Bad Request"
	meta := map[string]any{"id": "canned", "title": "Canned", "docType": "note", "owner": "alice",
		"signers": []any{signer("bob", 1)}, "mediaType": "text/plain"}
	doc := canned + strings.Repeat(" ", 8<<10) // large enough for a write (or sendfile) of its own
	body, ct := multipartBody(t, meta, []byte(doc))
	if rec := h.do("POST", "/v1/documents", body, "Content-Type", ct, "X-API-Key", writeKey); rec.Code != 201 {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	addr := serveEdge(t, h)
	get := "GET /v1/documents/canned/content HTTP/1.1\r\nHost: x\r\nX-API-Key: " + readKey + "\r\n\r\n"
	got := rawExchange(t, addr, get+get+"BROKEN\r\n\r\n", 3)
	for _, resp := range got[:2] {
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 || string(b) != doc {
			t.Fatalf("content: HTTP %d %q", resp.StatusCode, b)
		}
	}
	wantEdgeProblem(t, got[2], 400, "BAD_REQUEST", "the request is not well-formed HTTP/1.1 (request line, Host or another header)")
}

// While a handler's answer is being written, bytes that look like
// net/http's own error answer are the answer's (a document, say): only a
// write outside a handler is rewritten.
func TestEdgeConnRewritesOnlyOutsideHandlers(t *testing.T) {
	h := newHarness(t)
	canned := "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n400 Bad Request"
	for _, serving := range []bool{true, false} {
		a, b := net.Pipe()
		ec := &edgeConn{Conn: a, s: h.srv}
		ec.serving.Store(serving)
		go func() { ec.Write([]byte(canned)); a.Close() }()
		got, _ := io.ReadAll(b)
		if rewritten := string(got) != canned; rewritten == serving || (!serving && !strings.Contains(string(got), `"code":"BAD_REQUEST"`)) {
			t.Errorf("serving %v: wrote %q", serving, got)
		}
	}
}
