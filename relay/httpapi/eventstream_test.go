package httpapi

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/qrsign/qrsign/relay/config"
	"github.com/qrsign/qrsign/relay/events"
)

// Without an event hub (config events: false) /events serves the history
// and ends, asking EventSource to reconnect at the poll interval: never a
// stream that says ": live" and then delivers nothing. A reconnect with
// Last-Event-ID gets what committed since.
func TestEventStreamWithoutHubEndsAfterTheHistory(t *testing.T) {
	h := newHarness(t)
	reg := h.register("doc-1", signer("bob", 1))
	srv := httptest.NewServer(h.srv.Handler())
	defer srv.Close()
	get := func(lastID string) string {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL+"/v1/documents/doc-1/events?token="+reg.Signing[0].Token, nil)
		if lastID != "" {
			req.Header.Set("Last-Event-ID", lastID)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body) // returns only if the server ends the stream
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("%d %v %q", resp.StatusCode, err, b)
		}
		return string(b)
	}
	body := get("")
	if !strings.HasPrefix(body, "retry: 5000\n\n") || !strings.Contains(body, "id: 0\nevent: DocumentRegistered\n") ||
		strings.Contains(body, ": live") || strings.Contains(body, "SignatureRecorded") {
		t.Fatalf("%q", body)
	}
	if rec := h.doJSON("POST", "/v1/callbacks/scan", h.callback(reg.Signing[0].Token, h.ca.Signer("bob"), "sign", "")); rec.Code != 200 {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	body = get("0")
	if !strings.Contains(body, "event: SignatureRecorded\n") || strings.Contains(body, "DocumentRegistered") || strings.Contains(body, ": live") {
		t.Fatalf("%q", body)
	}
}

// One client holds at most maxStreamsPerClient event streams open, document
// and batch streams together: the next is 429 RATE_LIMITED with
// Retry-After, and closing one frees its slot.
func TestEventStreamsPerClientAreCapped(t *testing.T) {
	h := newHarness(t, func(c *config.Config) { c.RateLimit.PerSecond, c.RateLimit.Burst = 50, 100 })
	h.srv = New(h.cfg, h.svc, Options{Logger: quiet, Events: events.NewHub()})
	reg := h.register("doc-1", signer("bob", 1))
	if rec := h.postBatch(batchMeta("b1"), 2); rec.Code != 201 {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	srv := httptest.NewServer(h.srv.Handler())
	defer srv.Close()
	cl := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	defer cl.CloseIdleConnections()
	docURL := srv.URL + "/v1/documents/doc-1/events?token=" + reg.Signing[0].Token
	open := func(url string, auth ...string) *http.Response {
		t.Helper()
		req, _ := http.NewRequest("GET", url, nil)
		if len(auth) > 0 {
			req.Header.Set("Authorization", auth[0])
		}
		resp, err := cl.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	var streams []*http.Response
	defer func() {
		for _, r := range streams {
			r.Body.Close()
		}
	}()
	batch := open(srv.URL+"/v1/batches/b1/events", "Bearer "+readKey)
	if batch.StatusCode != 200 {
		t.Fatal(batch.StatusCode)
	}
	streams = append(streams, batch)
	for i := 1; i < maxStreamsPerClient; i++ {
		resp := open(docURL)
		if resp.StatusCode != 200 {
			t.Fatalf("stream %d: %d", i, resp.StatusCode)
		}
		streams = append(streams, resp)
	}
	refused := func(resp *http.Response) {
		t.Helper()
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "5" || resp.Header.Get("X-Stream-Limit") != "16" ||
			!strings.Contains(string(b), `"code":"RATE_LIMITED"`) ||
			!strings.Contains(string(b), `"detail":"too many event streams open from this client; close one first"`) {
			t.Fatalf("%d %v %s", resp.StatusCode, resp.Header, b)
		}
	}
	refused(open(docURL))
	refused(open(srv.URL+"/v1/batches/b1/events", "Bearer "+readKey))
	// Ordinary requests are not streams: unaffected.
	if rec := h.do("GET", "/v1/documents/doc-1", nil, "X-API-Key", readKey); rec.Code != 200 {
		t.Fatal(rec.Code)
	}
	// Closing one frees its slot once the server sees the client gone.
	batch.Body.Close()
	streams = streams[1:]
	deadline := time.Now().Add(5 * time.Second)
	for {
		resp := open(docURL)
		if resp.StatusCode == 200 {
			line, _ := bufio.NewReader(resp.Body).ReadString('\n')
			resp.Body.Close()
			if !strings.HasPrefix(line, "id: 0") {
				t.Fatalf("%q", line)
			}
			break
		}
		refused(resp)
		if time.Now().After(deadline) {
			t.Fatal("closing a stream freed no slot")
		}
		time.Sleep(20 * time.Millisecond)
	}
}
