package webhook

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/qrsign/qrsign/chaincode/model"
)

// Run with many subscriptions, events enqueued from several goroutines, API
// calls meanwhile, and a receiver failing every delivery's first attempt:
// every event is acknowledged once per subscription, at most MaxInFlight
// requests run at once, and Run stops when its context ends. (go test -race)
func TestRunDeliversEverythingWithBoundedConcurrency(t *testing.T) {
	const subs, events, maxInFlight = 4, 25, 3
	var mu sync.Mutex
	inFlight, peak := 0, 0
	attempts := map[string]int{}
	acked := map[string]bool{}
	allAcked := make(chan struct{})
	secrets := map[string]string{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		inFlight++
		peak = max(peak, inFlight)
		id := r.Header.Get(DeliveryHeader)
		attempts[id]++
		first := attempts[id] == 1
		secret := secrets[r.URL.Path]
		mu.Unlock()
		if err := Verify(secret, r.Header.Get(SignatureHeader), body, time.Now(), time.Minute); err != nil {
			t.Errorf("delivery %s: %v", id, err)
		}
		time.Sleep(time.Millisecond) // overlap requests
		mu.Lock()
		inFlight--
		if !first {
			if acked[id] {
				t.Errorf("delivery %s acknowledged twice", id)
			}
			acked[id] = true
			if len(acked) == subs*events {
				close(allAcked)
			}
		}
		mu.Unlock()
		if first {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	}))
	defer srv.Close()

	st := openStore(t, t.TempDir(), time.Now) // real time: delivery runs on real timers here
	defer st.Close()
	s := newService(t, Config{Store: st, AllowLoopback: true, BaseBackoff: 5 * time.Millisecond, MaxBackoff: 20 * time.Millisecond,
		MaxInFlight: maxInFlight, Timeout: 5 * time.Second, Poll: 5 * time.Millisecond,
		Log: slog.New(slog.DiscardHandler)})
	for i := 0; i < subs; i++ {
		path := fmt.Sprintf("/s%d", i)
		sub, err := s.Subscribe("app", srv.URL+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		mu.Lock()
		secrets[path] = sub.Secret
		mu.Unlock()
	}
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan error)
	go func() { stopped <- s.Run(ctx) }()

	var wg sync.WaitGroup
	for g := 0; g < 5; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := g; i < events; i += 5 {
				ev := completed(fmt.Sprintf("doc-%d", i), fmt.Sprintf("tx-%d", i), 1, time.Now())
				for k := 0; k < 2; k++ { // each event fed twice
					if _, err := s.Enqueue([]model.Event{ev}, nil); err != nil {
						t.Error(err)
					}
				}
				s.List("app")
				s.Deliveries("app", "nope", "")
			}
		}()
	}
	wg.Wait()
	select {
	case <-allAcked:
	case <-time.After(60 * time.Second): // a hang guard, not a timing assertion
		t.Fatal("not everything was delivered")
	}
	// The receiver has answered; wait until the service has recorded it (an
	// answer cut by shutdown would rightly stay pending and be re-sent).
	for guard := time.Now(); ; time.Sleep(time.Millisecond) {
		if ds, _ := st.Deliveries("", StateDelivered); len(ds) == subs*events {
			break
		}
		if time.Since(guard) > 60*time.Second {
			t.Fatal("acknowledgements not recorded")
		}
	}
	cancel()
	if err := <-stopped; err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if peak > maxInFlight || len(attempts) != subs*events {
		t.Fatalf("peak in flight %d (max %d); %d distinct deliveries", peak, maxInFlight, len(attempts))
	}
	if ds, _ := st.Deliveries("", ""); len(ds) != subs*events {
		t.Fatalf("%d deliveries in the store", len(ds))
	}
}

// A receiver that hangs holds one request slot, not the delivery loop:
// another subscription's event is delivered meanwhile.
func TestAHangingReceiverDoesNotHoldUpOthers(t *testing.T) {
	release := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer slow.Close()
	defer close(release)
	got := make(chan string, 1)
	fast := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got <- r.Header.Get(EventHeader)
	}))
	defer fast.Close()

	st := openStore(t, t.TempDir(), time.Now) // real time: delivery runs on real timers here
	defer st.Close()
	s := newService(t, Config{Store: st, AllowLoopback: true, MaxInFlight: 2, Timeout: time.Minute,
		Log: slog.New(slog.DiscardHandler)})
	slowSub, err := s.Subscribe("app", slow.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan error)
	go func() { stopped <- s.Run(ctx) }()
	s.Enqueue([]model.Event{completed("d", "t1", 1, time.Now())}, nil) // the slow one is now in flight
	if _, err := s.Subscribe("app", fast.URL, nil); err != nil {
		t.Fatal(err)
	}
	s.Enqueue([]model.Event{completed("d", "t2", 1, time.Now())}, nil)
	if ev := <-got; ev != "document.completed" {
		t.Fatal(ev)
	}
	cancel() // ends the hung request too; Run returns after it
	if err := <-stopped; err != nil {
		t.Fatal(err)
	}
	// The slow subscription's events: t1 cut by shutdown, t2 queued behind it.
	ds, _ := st.Deliveries(slowSub.ID, "")
	if len(ds) != 2 || ds[0].EventKey != "t1/1" || ds[1].EventKey != "t2/1" {
		t.Fatalf("%d deliveries", len(ds))
	}
	for _, d := range ds {
		if d.State != StatePending || d.Attempts != 0 {
			t.Fatalf("%s: %s after %d attempts, want pending and uncounted", d.EventKey, d.State, d.Attempts)
		}
	}
}
