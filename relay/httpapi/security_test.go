package httpapi

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/relay/api"
	"github.com/qrsign/qrsign/relay/config"
	"github.com/qrsign/qrsign/relay/events"
)

func TestRateLimitIsPerClientIPAndAnswers429WithRetryAfter(t *testing.T) {
	h := newHarness(t, func(c *config.Config) { c.RateLimit = config.RateLimit{PerSecond: 1, Burst: 2} })
	from := func(ip string) *httptest.ResponseRecorder {
		req := httptest.NewRequest("GET", "/v1/openapi.json", nil)
		req.RemoteAddr = ip + ":5555"
		rec := httptest.NewRecorder()
		h.srv.Handler().ServeHTTP(rec, req)
		return rec
	}
	for i := 0; i < 2; i++ {
		if rec := from("10.0.0.1"); rec.Code != 200 {
			t.Fatalf("request %d: %d", i, rec.Code)
		}
	}
	rec := from("10.0.0.1")
	wantProblem(t, rec, 429, "RATE_LIMITED")
	if rec.Header().Get("Retry-After") == "" {
		t.Fatal("no Retry-After")
	}
	if rec := from("10.0.0.2"); rec.Code != 200 {
		t.Fatalf("another client was limited: %d", rec.Code)
	}
}

func TestTokenBucketRefillsAtTheConfiguredRate(t *testing.T) {
	now := time.Unix(1000, 0)
	l := newLimiter(2, 1, func() time.Time { return now })
	if ok, _ := l.allow("a"); !ok {
		t.Fatal("first request refused")
	}
	ok, wait := l.allow("a")
	if ok || wait != 500*time.Millisecond {
		t.Fatalf("ok %v wait %v, want refused for 500ms", ok, wait)
	}
	now = now.Add(500 * time.Millisecond)
	if ok, _ := l.allow("a"); !ok {
		t.Fatal("not refilled")
	}
}

func TestForwardedForIsIgnoredUnlessFromATrustedProxy(t *testing.T) {
	cases := []struct {
		name    string
		trusted []string
		remote  string
		want    string
	}{
		{"no trusted proxies: the peer address counts", nil, "198.51.100.7:1", "198.51.100.7"},
		{"loopback is not trusted by default", nil, "127.0.0.1:1", "127.0.0.1"},
		{"a trusted proxy's X-Forwarded-For counts", []string{"10.0.0.0/8"}, "10.1.2.3:1", "203.0.113.9"},
		{"an untrusted peer's X-Forwarded-For does not", []string{"10.0.0.0/8"}, "198.51.100.7:1", "198.51.100.7"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest("GET", "/", nil)
			req.RemoteAddr = tc.remote
			req.Header.Set("X-Forwarded-For", "203.0.113.9")
			if got := ipExtractor(tc.trusted)(req); got != tc.want {
				t.Fatalf("client IP %q, want %q", got, tc.want)
			}
		})
	}
}

func TestCORSAllowsOnlyConfiguredOrigins(t *testing.T) {
	h := newHarness(t, func(c *config.Config) { c.CORSOrigins = []string{"https://app.example"} })
	rec := h.do("OPTIONS", "/v1/documents", nil, "Origin", "https://app.example", "Access-Control-Request-Method", "POST")
	if rec.Header().Get("Access-Control-Allow-Origin") != "https://app.example" {
		t.Fatalf("allowed origin refused: %v", rec.Header())
	}
	rec = h.do("OPTIONS", "/v1/documents", nil, "Origin", "https://evil.example", "Access-Control-Request-Method", "POST")
	if v := rec.Header().Get("Access-Control-Allow-Origin"); v != "" {
		t.Fatalf("foreign origin allowed: %q", v)
	}
	h2 := newHarness(t)
	rec = h2.do("GET", "/v1/openapi.json", nil, "Origin", "https://app.example")
	if v := rec.Header().Get("Access-Control-Allow-Origin"); v != "" {
		t.Fatalf("CORS without configured origins: %q", v)
	}
}

func TestUnknownRouteAndMethodAreProblems(t *testing.T) {
	h := newHarness(t)
	wantProblem(t, h.do("GET", "/v2/nothing", nil), 404, "NOT_FOUND")
	wantProblem(t, h.do("GET", "/", nil), 404, "NOT_FOUND") // no pages configured: no desktop app to open
	wantProblem(t, h.do("DELETE", "/v1/callbacks/scan", nil), 405, "METHOD_NOT_ALLOWED")
}

func TestHealthReadinessAndMetrics(t *testing.T) {
	h := newHarness(t)
	if rec := h.do("GET", "/healthz", nil); rec.Code != 200 {
		t.Fatal(rec.Code)
	}
	if rec := h.do("GET", "/readyz", nil); rec.Code != 200 {
		t.Fatal(rec.Code)
	}
	h.ledger.Down = true
	if rec := h.do("GET", "/readyz", nil); rec.Code != 503 {
		t.Fatalf("readyz with the network down: %d", rec.Code)
	}
	rec := h.do("GET", "/metrics", nil, "Authorization", "Bearer "+metricsToken)
	if rec.Code != 200 || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/plain; version=0.0.4") ||
		!strings.Contains(rec.Body.String(), `qrsign_relay_http_requests_total{method="GET",route="/readyz",status="503"} 1`) {
		t.Fatalf("%s", rec.Body)
	}
}

func TestOpenAPIDocumentDescribesEveryRoute(t *testing.T) {
	h := newHarness(t)
	h.mountWebhooks()
	rec := h.do("GET", "/v1/openapi.json", nil)
	var doc struct {
		OpenAPI string                    `json:"openapi"`
		Paths   map[string]map[string]any `json:"paths"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil || doc.OpenAPI != "3.1.0" {
		t.Fatalf("%v %q", err, doc.OpenAPI)
	}
	for _, r := range h.srv.echo.Routes() {
		if r.Path == "/healthz" || r.Path == "/readyz" || r.Path == "/metrics" || strings.HasPrefix(r.Method, "echo_") {
			continue
		}
		p := regexp.MustCompile(`:(\w+)`).ReplaceAllString(r.Path, "{$1}")
		if _, ok := doc.Paths[p][strings.ToLower(r.Method)]; !ok {
			t.Errorf("openapi.json lacks %s %s", r.Method, p)
		}
	}
}

func TestSSEStreamsHistoryFromLastEventID(t *testing.T) {
	h := newHarness(t)
	h.srv = New(h.cfg, h.svc, Options{Logger: quiet, Events: events.NewHub()}) // live after the history
	reg := h.register("doc-1", signer("bob", 1))
	h.doJSON("POST", "/v1/callbacks/scan", h.callback(reg.Signing[0].Token, h.ca.Signer("bob"), "sign", ""))
	srv := httptest.NewServer(h.srv.Handler())
	defer srv.Close()
	req, _ := http.NewRequest("GET", srv.URL+"/v1/documents/doc-1/events", nil)
	req.Header.Set("X-API-Key", readKey)
	req.Header.Set("Last-Event-ID", "0")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	buf := make([]byte, 0, 8192)
	tmp := make([]byte, 4096)
	for !strings.Contains(string(buf), ": live") {
		n, err := resp.Body.Read(tmp)
		if err != nil {
			t.Fatalf("%v after %q", err, buf)
		}
		buf = append(buf, tmp[:n]...)
	}
	s := string(buf)
	if resp.Header.Get("Content-Type") != "text/event-stream" || strings.Contains(s, "id: 0\n") ||
		!strings.Contains(s, "id: 1\nevent: SignatureRecorded\n") || !strings.Contains(s, "id: 2\nevent: DocumentCompleted\n") {
		t.Fatalf("%s", s)
	}
	// Shutdown ends the stream instead of waiting for the client.
	h.srv.CloseStreams()
	for {
		if _, err := resp.Body.Read(tmp); err != nil {
			break
		}
	}
}

func TestWebPagesAreMountedWhenConfigured(t *testing.T) {
	h := newHarness(t)
	pages := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("page " + r.URL.Path)) })
	h.srv = New(h.cfg, h.svc, Options{Logger: quiet, Web: pages})
	for _, p := range []string{"/", "/app", "/app/assets/app.js", "/verify", "/s/abc.def"} {
		if rec := h.do("GET", p, nil); rec.Code != 200 || rec.Body.String() != "page "+p {
			t.Errorf("%s: %d %q", p, rec.Code, rec.Body)
		}
	}
	if rec := h.do("GET", "/v1/openapi.json", nil); rec.Code != 200 {
		t.Fatalf("API shadowed: %d", rec.Code)
	}
}

func TestMetricsNeedTheConfiguredBearerToken(t *testing.T) {
	h := newHarness(t)
	wantProblem(t, h.do("GET", "/metrics", nil), 401, "UNAUTHORIZED")
	wantProblem(t, h.do("GET", "/metrics", nil, "Authorization", "Bearer wrong-0123456789abcdef"), 401, "UNAUTHORIZED")
	if rec := h.do("GET", "/metrics", nil, "Authorization", "Bearer "+metricsToken); rec.Code != 200 {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	// Without a metricsToken nobody reads them: not even with an empty bearer.
	open := newHarness(t, func(c *config.Config) { c.MetricsToken = "" })
	for _, hdr := range [][]string{nil, {"Authorization", "Bearer "}, {"Authorization", "Bearer " + writeKey}} {
		p := wantProblem(t, open.do("GET", "/metrics", nil, hdr...), 401, "UNAUTHORIZED")
		if p.Detail != "GET /metrics needs a metricsToken, and this relay has none configured" {
			t.Fatal(p.Detail)
		}
	}
}

func TestMetricsAreRateLimited(t *testing.T) {
	h := newHarness(t, func(c *config.Config) { c.RateLimit.PerSecond, c.RateLimit.Burst = 1, 1 })
	if rec := h.do("GET", "/metrics", nil, "Authorization", "Bearer "+metricsToken); rec.Code != 200 {
		t.Fatal(rec.Code)
	}
	wantProblem(t, h.do("GET", "/metrics", nil, "Authorization", "Bearer "+metricsToken), 429, "RATE_LIMITED")
	if rec := h.do("GET", "/healthz", nil); rec.Code != 200 {
		t.Fatal("probes are not limited", rec.Code)
	}
}

func TestJSONWithTrailingDataIs400(t *testing.T) {
	h := newHarness(t)
	for _, tail := range []string{"}", "]", " {}", "x"} {
		rec := h.do("POST", "/v1/callbacks/scan", strings.NewReader(`{"token":"x"}`+tail), "Content-Type", "application/json")
		p := wantProblem(t, rec, 400, "BAD_REQUEST")
		if p.Detail != "request JSON: trailing data after the object" {
			t.Fatalf("%q: %s", tail, p.Detail)
		}
	}
}

func TestJSONRegistrationIsLimitedByMaxJSONBytes(t *testing.T) {
	h := newHarness(t, func(c *config.Config) { c.MaxJSONBytes = 1024 })
	big := map[string]any{"title": strings.Repeat("t", 2000), "sha256": strings.Repeat("a", 64), "size": 1}
	wantProblem(t, h.doJSON("POST", "/v1/documents", big, "Authorization", "Bearer "+writeKey), 413, "PAYLOAD_TOO_LARGE")
}

func TestSSEStreamAuthorizedByATokenEndsWhenTheTokenExpires(t *testing.T) {
	h := newHarness(t)
	h.srv = New(h.cfg, h.svc, Options{Logger: quiet, Events: events.NewHub()}) // without a hub it ends after the history
	meta := map[string]any{"id": "doc-1", "title": "Soon", "docType": "contract", "owner": "alice", "signers": []model.SignerSpec{signer("bob", 1)},
		"sha256": strings.Repeat("ab", 32), "size": 10, "expiresAt": h.clock().Add(time.Second).Format(time.RFC3339)}
	rec := h.doJSON("POST", "/v1/documents", meta, "Authorization", "Bearer "+writeKey)
	if rec.Code != 201 {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	tok := decode[api.Registered](t, rec).Signing[0].Token // expires with the document, in 1 s
	// The recorder returns only when the handler does: the stream ended by itself.
	rec = h.do("GET", "/v1/documents/doc-1/events?token="+tok, nil)
	if rec.Code != 200 || !strings.HasSuffix(rec.Body.String(), "event: expired\ndata: {}\n\n") {
		t.Fatalf("%d %q", rec.Code, rec.Body)
	}
}

// A client's X-Request-Id is never the relay's: it could otherwise tie its
// operation-log lines to somebody else's request. A well-formed one is
// logged apart; a malformed one, and a malformed Idempotency-Key, are not
// taken at all (the key derives document ids: 400 INVALID_FIELD).
func TestClientRequestIDsAreLoggedApartAndKeysBounded(t *testing.T) {
	h := newHarness(t)
	reg := h.register("doc-1", signer("bob", 1))
	body := h.callback(reg.Signing[0].Token, h.ca.Signer("bob"), "sign", "")
	rec := h.doJSON("POST", "/v1/callbacks/scan", body, "X-Request-Id", "victims-request")
	ours := rec.Header().Get("X-Request-Id")
	if rec.Code != 200 || ours == "" || ours == "victims-request" {
		t.Fatalf("%d, X-Request-Id %q", rec.Code, ours)
	}
	if log := h.ops.String(); !strings.Contains(log, `"requestId":"`+ours+`","clientRequestId":"victims-request"`) ||
		strings.Contains(log, `"requestId":"victims-request"`) {
		t.Fatalf("%s", log)
	}
	h.doJSON("POST", "/v1/callbacks/scan", body, "X-Request-Id", strings.Repeat("x", 129))
	h.doJSON("POST", "/v1/callbacks/scan", body, "X-Request-Id", "bad id\u202e")
	if n := strings.Count(h.ops.String(), "clientRequestId"); n != 1 {
		t.Fatalf("malformed client request ids logged: %d lines carry one\n%s", n, h.ops)
	}
	for _, key := range []string{strings.Repeat("k", 129), "two words", "ümlaut"} {
		meta := map[string]any{"title": "Contract", "docType": "contract", "owner": "alice", "signers": []model.SignerSpec{signer("bob", 1)}}
		mb, ct := multipartBody(t, meta, []byte("%PDF-1.7 keyed"))
		wantProblem(t, h.do("POST", "/v1/documents", mb, "Content-Type", ct, "Authorization", "Bearer "+writeKey, "Idempotency-Key", key),
			400, "INVALID_FIELD")
	}
}
