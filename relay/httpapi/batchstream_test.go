package httpapi

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/relay/api"
	"github.com/qrsign/qrsign/relay/events"
)

// sseReader reads server-sent events as (event, data) pairs.
type sseReader struct {
	t  *testing.T
	sc *bufio.Scanner
}

func (r sseReader) next() (event, data string) {
	r.t.Helper()
	for r.sc.Scan() {
		line := r.sc.Text()
		switch {
		case line == "":
			if event != "" {
				return event, data
			}
		case strings.HasPrefix(line, "event: "):
			event = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "data: "):
			data = strings.TrimPrefix(line, "data: ")
		}
	}
	return "", "" // stream ended
}

// publishFor hands the hub one committed event per document, as the chaincode
// event listener does for a batch signature.
func publishFor(hub *events.Hub, block uint64, typ model.EventType, ids ...string) {
	evs := make([]model.Event, len(ids))
	for i, id := range ids {
		evs[i] = model.Event{Type: typ, DocumentID: id, Seq: int(block)}
	}
	b, _ := json.Marshal(evs)
	hub.Publish(block, fmt.Sprint("tx", block), b)
}

// The batch stream shows the batch at once, again with each signer's answer
// on every document after each batch signature commits, and says "done" and
// ends once every document is closed: one connection replaces a poll of
// every document.
func TestBatchStreamPushesEachCommittedAnswerAndEndsWhenEveryDocumentIsClosed(t *testing.T) {
	h := newHarness(t)
	if rec := h.postBatch(batchMeta("b1"), 3); rec.Code != 201 {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	hub := events.NewHub()
	srv := httptest.NewServer(New(h.cfg, h.svc, Options{Logger: quiet, Events: hub}).Handler())
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL+"/v1/batches/b1/events", nil)
	req.Header.Set("Authorization", "Bearer "+readKey)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("%d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	sse := sseReader{t, bufio.NewScanner(res.Body)}
	answers := func() string {
		ev, data := sse.next()
		if ev != "batch" {
			t.Fatalf("event %q, want batch", ev)
		}
		var b api.Batch
		if err := json.Unmarshal([]byte(data), &b); err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, d := range b.Documents {
			s := d.ID + " " + string(d.Status)
			for _, sg := range d.Signers {
				s += " " + sg.ID + "=" + string(sg.Status)
			}
			out = append(out, s)
		}
		return strings.Join(out, "; ")
	}
	if got, want := answers(), "b1.0001 PENDING bob=PENDING carol=PENDING; b1.0002 PENDING bob=PENDING carol=PENDING; b1.0003 PENDING bob=PENDING carol=PENDING"; got != want {
		t.Fatalf("first message:\n got %s\nwant %s", got, want)
	}
	ids := []string{"b1.0001", "b1.0002", "b1.0003"}

	bob, _ := h.svc.BatchSignerSession(context.Background(), "b1", "Org1MSP/bob")
	if rec := h.doJSON("POST", "/v1/callbacks/scan", h.batchCallback(bob.Token, h.ca.Signer("bob"))); rec.Code != 200 {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	publishFor(hub, 10, model.EventSignatureRecorded, ids...)
	if got, want := answers(), "b1.0001 PENDING bob=SIGNED carol=PENDING; b1.0002 PENDING bob=SIGNED carol=PENDING; b1.0003 PENDING bob=SIGNED carol=PENDING"; got != want {
		t.Fatalf("after bob's batch signature:\n got %s\nwant %s", got, want)
	}

	carol, _ := h.svc.BatchSignerSession(context.Background(), "b1", "Org1MSP/carol")
	if rec := h.doJSON("POST", "/v1/callbacks/scan", h.batchCallback(carol.Token, h.ca.Signer("carol"))); rec.Code != 200 {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	publishFor(hub, 11, model.EventDocumentCompleted, ids...)
	if got, want := answers(), "b1.0001 COMPLETED bob=SIGNED carol=SIGNED; b1.0002 COMPLETED bob=SIGNED carol=SIGNED; b1.0003 COMPLETED bob=SIGNED carol=SIGNED"; got != want {
		t.Fatalf("after carol's batch signature:\n got %s\nwant %s", got, want)
	}
	if ev, _ := sse.next(); ev != "done" {
		t.Fatalf("event %q after every document closed, want done", ev)
	}
	if ev, _ := sse.next(); ev != "" {
		t.Fatalf("stream goes on after done: %q", ev)
	}
}

// streamOnce reads a whole batch stream through the router, failing (not
// hanging) if it does not end within 10 s.
func (h *harness) streamOnce(path string) *httptest.ResponseRecorder {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req := httptest.NewRequest("GET", path, nil).WithContext(ctx)
	req.Header.Set("Authorization", "Bearer "+readKey)
	rec := httptest.NewRecorder()
	h.srv.Handler().ServeHTTP(rec, req)
	if ctx.Err() != nil {
		h.t.Fatalf("%s did not end: %s", path, rec.Body)
	}
	return rec
}

// A stream of a batch where nothing can change any more says so at once: all
// expired, or registration cut short and the batch expired with the rest
// closed. An unknown batch is a 404 and a caller without the read scope a
// 401, both before any stream starts.
func TestBatchStreamRefusalsAndClosedBatches(t *testing.T) {
	h := newHarness(t)
	h.srv = New(h.cfg, h.svc, Options{Logger: quiet, Events: events.NewHub()})
	wantProblem(t, h.do("GET", "/v1/batches/nope/events", nil, "Authorization", "Bearer "+readKey), 404, "NOT_FOUND")
	wantProblem(t, h.do("GET", "/v1/batches/b1/events", nil), 401, "UNAUTHORIZED")
	if rec := h.postBatch(batchMeta("b1"), 2); rec.Code != 201 {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	h.ledger.FailRegisterAfter = 2 + 1 // b2: one document registered, then the ledger fails
	if rec := h.postBatch(batchMeta("b2"), 3); rec.Code != 503 {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	h.advance(8 * 24 * time.Hour) // past both batches' expiry: every registered document EXPIRED
	for _, c := range []struct{ id, want string }{
		{"b1", `"registered":2,"complete":true`},
		{"b2", `"registered":1,"complete":false`},
	} {
		body := h.streamOnce("/v1/batches/" + c.id + "/events").Body.String()
		if strings.Count(body, "event: batch\n") != 1 || !strings.HasSuffix(body, "event: done\ndata: {}\n\n") ||
			!strings.Contains(body, `"status":"EXPIRED"`) || !strings.Contains(body, c.want) {
			t.Errorf("%s: %s", c.id, body)
		}
	}
}

// Before expiry, a batch cut short is still open (a retry may register the
// rest): its stream does not say done.
func TestBatchStreamOfABatchCutShortStaysOpenUntilExpiry(t *testing.T) {
	h := newHarness(t)
	h.ledger.FailRegisterAfter = 1
	if rec := h.postBatch(batchMeta("b1"), 3); rec.Code != 503 {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	b, err := h.svc.GetBatch(context.Background(), "b1")
	if err != nil {
		t.Fatal(err)
	}
	if batchClosed(b, h.clock()) {
		t.Fatalf("closed before expiry with %d of %d registered", b.Registered, b.Total)
	}
}
