package webhook

import (
	"context"
	"testing"
	"time"

	"github.com/qrsign/qrsign/chaincode/model"
)

func TestFlakyReceiverGetsTheEventOnceAcknowledgedAfterBackoff(t *testing.T) {
	c := newClock()
	st := openStore(t, t.TempDir(), c.Now)
	defer st.Close()
	s := newService(t, testConfig(st, c))
	r := newReceiver(t, c.Now, 500, 500, 0, 200)
	sub := subscribe(t, s, r)
	if n, err := s.Enqueue([]model.Event{completed("doc-1", "tx1", 3, c.Now())}, nil); n != 1 || err != nil {
		t.Fatal(n, err)
	}
	step := func(advance time.Duration, wantAttempted int) Delivery {
		t.Helper()
		c.Advance(advance)
		if n := s.DeliverDue(bg); n != wantAttempted {
			t.Fatalf("after +%s attempted %d, want %d", advance, n, wantAttempted)
		}
		return onlyDelivery(t, st)
	}
	t0 := c.Now()
	d := step(0, 1)
	// Jitter 0: the wait is half of BaseBackoff·2^(n-1).
	if d.Attempts != 1 || d.LastError != "HTTP 500" || !d.NextAttempt.Equal(t0.Add(5*time.Second)) {
		t.Fatalf("after 1st: %+v", d)
	}
	step(4999*time.Millisecond, 0) // backoff honoured
	d = step(time.Millisecond, 1)
	if d.Attempts != 2 || !d.NextAttempt.Equal(t0.Add(15*time.Second)) {
		t.Fatalf("after 2nd: %+v", d)
	}
	step(9*time.Second, 0)
	d = step(time.Second, 1) // the receiver hangs: timeout
	if d.Attempts != 3 || d.LastError != "no answer within 1s" || !d.NextAttempt.Equal(t0.Add(35*time.Second)) {
		t.Fatalf("after 3rd: %+v", d)
	}
	d = step(20*time.Second, 1)
	if d.State != StateDelivered || d.Attempts != 4 || d.LastError != "" || d.DeliveredAt == nil {
		t.Fatalf("after 4th: %+v", d)
	}
	step(48*time.Hour, 0) // delivered once: never again
	got := r.requests()
	acked := 0
	for _, g := range got {
		if g.sigErr != nil || g.delivery != d.ID || g.event != "document.completed" {
			t.Fatalf("request %+v", g)
		}
		if g.status == 200 {
			acked++
		}
	}
	p := payloadOf(t, got[3].body)
	if len(got) != 4 || acked != 1 || p.ID != d.ID || p.SubscriptionID != sub.ID || p.DocumentID != "doc-1" ||
		p.TxID != "tx1" || p.Seq != 3 || p.Event == nil || p.Event.Completed.Signatures != 2 {
		t.Fatalf("%d requests, %d acknowledged, payload %+v", len(got), acked, p)
	}
}

func TestBackoffDoublesUpToTheCapWithJitterInTheUpperHalf(t *testing.T) {
	for _, tc := range []struct {
		jitter   float64
		attempts int
		want     time.Duration
	}{
		{0, 1, 5 * time.Second}, {0.5, 1, 7500 * time.Millisecond}, {0.999, 1, 9995 * time.Millisecond},
		{0, 2, 10 * time.Second}, {0, 3, 20 * time.Second}, {0, 30, 30 * time.Minute}, {1, 30, time.Hour},
	} {
		c := newClock()
		cfg := testConfig(openStore(t, t.TempDir(), c.Now), c)
		cfg.Jitter = func() float64 { return tc.jitter }
		if got := newService(t, cfg).backoff(tc.attempts); got != tc.want {
			t.Errorf("jitter %v attempts %d: %s, want %s", tc.jitter, tc.attempts, got, tc.want)
		}
	}
}

func TestExhaustedRetriesBecomeADeadLetterThatReplayDelivers(t *testing.T) {
	c := newClock()
	st := openStore(t, t.TempDir(), c.Now)
	defer st.Close()
	cfg := testConfig(st, c)
	cfg.MaxAttempts = 3
	s := newService(t, cfg)
	r := newReceiver(t, c.Now, 503)
	sub := subscribe(t, s, r)
	s.Enqueue([]model.Event{completed("doc-1", "tx1", 1, c.Now())}, nil)
	for i := 0; i < 3; i++ {
		if n := s.DeliverDue(bg); n != 1 {
			t.Fatalf("attempt %d: %d", i, n)
		}
		c.Advance(time.Hour)
	}
	if n := s.DeliverDue(bg); n != 0 {
		t.Fatal("a dead letter was attempted")
	}
	h := Handlers{Svc: s}
	code, v, err := h.Deliveries("app", sub.ID, "dead")
	dead := v.(map[string]any)["deliveries"].([]Delivery)
	if code != 200 || err != nil || len(dead) != 1 || dead[0].Attempts != 3 || dead[0].LastError != "HTTP 503" {
		t.Fatalf("%d %v %+v", code, err, v)
	}
	r.setScript(204)
	code, v, err = h.Replay("app", sub.ID, dead[0].ID)
	if code != 202 || err != nil || v.(Delivery).State != StatePending || v.(Delivery).Attempts != 0 {
		t.Fatalf("replay %d %v %+v", code, err, v)
	}
	if n := s.DeliverDue(bg); n != 1 || onlyDelivery(t, st).State != StateDelivered {
		t.Fatalf("after replay: %d %+v", n, onlyDelivery(t, st))
	}
	if _, _, err := h.Replay("app", sub.ID, dead[0].ID); err == nil || err.Error() != `WEBHOOK_NOT_DEAD: delivery "`+dead[0].ID+`" is delivered, not dead` {
		t.Fatalf("second replay: %v", err)
	}
	if _, _, err := h.Replay("other-app", sub.ID, dead[0].ID); err == nil || err.Error() != `WEBHOOK_NOT_FOUND: no webhook "`+sub.ID+`" for this API key` {
		t.Fatalf("other key: %v", err)
	}
	if _, _, err := h.Replay("app", sub.ID, "dlv_nope"); err == nil || err.Error() != `WEBHOOK_DELIVERY_NOT_FOUND: no delivery "dlv_nope" for webhook "`+sub.ID+`"` {
		t.Fatalf("unknown delivery: %v", err)
	}
	if len(r.requests()) != 4 {
		t.Fatalf("%d requests", len(r.requests()))
	}
}

func TestADeliveryPastMaxAgeDiesAtItsNextFailure(t *testing.T) {
	c := newClock()
	st := openStore(t, t.TempDir(), c.Now)
	defer st.Close()
	cfg := testConfig(st, c)
	cfg.MaxAge = time.Minute
	s := newService(t, cfg)
	r := newReceiver(t, c.Now, 500)
	subscribe(t, s, r)
	s.Enqueue([]model.Event{completed("doc-1", "tx1", 1, c.Now())}, nil)
	s.DeliverDue(bg)
	if d := onlyDelivery(t, st); d.State != StatePending {
		t.Fatalf("%+v", d)
	}
	c.Advance(2 * time.Minute)
	s.DeliverDue(bg)
	if d := onlyDelivery(t, st); d.State != StateDead || d.Attempts != 2 {
		t.Fatalf("%+v", d)
	}
}

func TestRestartMidRetryDeliversThePendingEvent(t *testing.T) {
	dir := t.TempDir()
	c := newClock()
	st := openStore(t, dir, c.Now)
	s := newService(t, testConfig(st, c))
	r := newReceiver(t, c.Now, 500, 0, 200)
	subscribe(t, s, r)
	s.Enqueue([]model.Event{completed("doc-1", "tx1", 1, c.Now())}, nil)
	s.DeliverDue(bg) // 500: attempt 1, retry in 5 s

	// Shut down while the retry is in flight: the cut attempt is not counted.
	c.Advance(5 * time.Second)
	ctx, cancel := context.WithCancel(bg)
	done := make(chan int)
	go func() { done <- s.DeliverDue(ctx) }()
	<-r.hung
	cancel()
	<-done
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}

	st2 := openStore(t, dir, c.Now)
	defer st2.Close()
	s2 := newService(t, testConfig(st2, c))
	d := onlyDelivery(t, st2)
	if d.State != StatePending || d.Attempts != 1 || d.LastError != "HTTP 500" {
		t.Fatalf("after restart: %+v", d)
	}
	if n := s2.DeliverDue(bg); n != 1 || onlyDelivery(t, st2).State != StateDelivered || onlyDelivery(t, st2).Attempts != 2 {
		t.Fatalf("%d %+v", n, onlyDelivery(t, st2))
	}
	// And the outcome survives another restart.
	st2.Close()
	st3 := openStore(t, dir, c.Now)
	defer st3.Close()
	if d := onlyDelivery(t, st3); d.State != StateDelivered {
		t.Fatalf("%+v", d)
	}
	got := r.requests()
	if len(got) != 3 || got[0].delivery != got[2].delivery || got[2].sigErr != nil {
		t.Fatalf("%+v", got)
	}
}
