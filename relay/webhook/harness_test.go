package webhook

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/qrsign/qrsign/chaincode/model"
)

// clock is an injected clock tests move by hand.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *clock) Advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// received is one request a receiver saw.
type received struct {
	delivery, event string
	body            []byte
	sigErr          error
	status          int
}

// receiver is a real HTTP server answering each request with the next step
// of its script (the last step repeats); a step is a status code, or 0 to
// hang until the client gives up.
type receiver struct {
	*httptest.Server
	t      *testing.T
	secret string
	clock  func() time.Time

	mu     sync.Mutex
	script []int
	got    []received
	hung   chan struct{} // receives when a request hangs
}

func newReceiver(t *testing.T, clock func() time.Time, script ...int) *receiver {
	r := &receiver{t: t, script: script, clock: clock, hung: make(chan struct{}, 16)}
	r.Server = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.Close)
	return r
}

func (r *receiver) setSecret(s string) { r.mu.Lock(); r.secret = s; r.mu.Unlock() }

func (r *receiver) setScript(s ...int) { r.mu.Lock(); r.script = s; r.mu.Unlock() }

func (r *receiver) serve(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	st := 200
	if len(r.script) > 0 {
		st = r.script[0]
		if len(r.script) > 1 {
			r.script = r.script[1:]
		}
	}
	rec := received{delivery: req.Header.Get(DeliveryHeader), event: req.Header.Get(EventHeader), body: body, status: st,
		sigErr: Verify(r.secret, req.Header.Get(SignatureHeader), body, r.clock(), 5*time.Minute)}
	r.got = append(r.got, rec)
	r.mu.Unlock()
	if st == 0 {
		r.hung <- struct{}{}
		<-req.Context().Done()
		return
	}
	w.WriteHeader(st)
}

func (r *receiver) requests() []received {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]received(nil), r.got...)
}

func testConfig(st Store, c *clock) Config {
	return Config{Store: st, AllowLoopback: true, BaseBackoff: 10 * time.Second, MaxBackoff: time.Hour,
		Timeout: time.Second, MaxAttempts: 10, MaxAge: 24 * time.Hour, Now: c.Now,
		Jitter: func() float64 { return 0 }, Log: slog.New(slog.DiscardHandler)}
}

func openStore(t *testing.T, dir string, now func() time.Time) *FileStore {
	t.Helper()
	st, err := OpenFileStore(dir, StoreOptions{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func newService(t *testing.T, cfg Config) *Service {
	t.Helper()
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func subscribe(t *testing.T, s *Service, r *receiver, events ...EventType) Subscription {
	t.Helper()
	sub, err := s.Subscribe("app", r.URL+"/hook", events)
	if err != nil {
		t.Fatal(err)
	}
	r.setSecret(sub.Secret)
	return sub
}

func completed(doc, tx string, seq int, at time.Time) model.Event {
	return model.Event{Type: model.EventDocumentCompleted, DocumentID: doc, Seq: seq, TxID: tx, Timestamp: at,
		Completed: &model.Completed{Signatures: 2}}
}

func onlyDelivery(t *testing.T, st Store) Delivery {
	t.Helper()
	ds, err := st.Deliveries("", "")
	if err != nil || len(ds) != 1 {
		t.Fatalf("deliveries %v %v", ds, err)
	}
	return ds[0]
}

func payloadOf(t *testing.T, b []byte) Payload {
	t.Helper()
	var p Payload
	if err := json.Unmarshal(b, &p); err != nil {
		t.Fatal(err)
	}
	return p
}

var bg = context.Background()

type bgCtx = context.Context
