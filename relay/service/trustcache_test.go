package service

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/qrsign/qrsign/chaincode/model"
)

// waitWaiters waits until n callers share mspID's load in flight.
func waitWaiters(t *testing.T, c *trustCache, mspID string, n int) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		c.mu.Lock()
		l := c.loading[mspID]
		got := l != nil && l.waiters == n
		c.mu.Unlock()
		if got {
			return
		}
	}
	t.Fatalf("%d callers never joined the load of %s", n, mspID)
}

// Callbacks arriving while an org's trust is being read share that one
// evaluate (a cold cache or a CRL event under load does not fan out).
func TestTrustCacheConcurrentMissesShareOneLoad(t *testing.T) {
	var c trustCache
	now := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	release := make(chan struct{})
	var mu sync.Mutex
	loads := 0
	load := func(ctx context.Context, msp string) (*model.OrgTrust, error) {
		mu.Lock()
		loads++
		mu.Unlock()
		<-release
		return &model.OrgTrust{MSPID: msp}, nil
	}
	var wg sync.WaitGroup
	got := make([]*model.OrgTrust, 10)
	for i := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			e, err := c.get(context.Background(), "Org1MSP", now, time.Minute, load)
			if err != nil {
				t.Error(err)
			}
			got[i] = e.trust
		}()
	}
	waitWaiters(t, &c, "Org1MSP", 9)
	close(release)
	wg.Wait()
	if loads != 1 {
		t.Errorf("%d loads, want 1", loads)
	}
	for i, tr := range got {
		if tr == nil || tr.MSPID != "Org1MSP" {
			t.Errorf("caller %d got %+v", i, tr)
		}
	}
}

// A load that a CA or CRL event raced is answered but not kept, and a
// failed load is not kept either: the next caller reads the ledger again.
func TestTrustCacheKeepsNoRacedOrFailedLoad(t *testing.T) {
	now := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	down := errors.New("peer down")
	for _, tc := range []struct {
		name string
		err  error
		drop bool
	}{
		{"dropped during the load", nil, true},
		{"load failed", down, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var c trustCache
			loads := 0
			load := func(ctx context.Context, msp string) (*model.OrgTrust, error) {
				loads++
				if tc.drop && loads == 1 {
					c.drop(msp)
				}
				if tc.err != nil && loads == 1 {
					return nil, tc.err
				}
				return &model.OrgTrust{MSPID: msp}, nil
			}
			if _, err := c.get(context.Background(), "Org1MSP", now, time.Minute, load); !errors.Is(err, tc.err) {
				t.Fatalf("first get: %v, want %v", err, tc.err)
			}
			if _, err := c.get(context.Background(), "Org1MSP", now, time.Minute, load); err != nil || loads != 2 {
				t.Fatalf("second get: %v after %d loads, want a second load", err, loads)
			}
			if _, err := c.get(context.Background(), "Org1MSP", now, time.Minute, load); err != nil || loads != 2 {
				t.Fatalf("third get: %v after %d loads, want the kept second", err, loads)
			}
		})
	}
}

// The shared read does not run on the first caller's context: when that
// client disconnects, it alone gets context.Canceled; the read goes on, on a
// context of its own with a deadline, and answers the caller still waiting.
func TestTrustCacheFirstCallersCancellationFailsOnlyIt(t *testing.T) {
	var c trustCache
	now := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	release := make(chan struct{})
	loadCtx := make(chan context.Context, 1)
	var mu sync.Mutex
	loads := 0
	load := func(ctx context.Context, msp string) (*model.OrgTrust, error) {
		mu.Lock()
		loads++
		mu.Unlock()
		loadCtx <- ctx
		select { // a slow peer
		case <-release:
			return &model.OrgTrust{MSPID: msp}, nil
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	firstCtx, cancel := context.WithCancel(context.Background())
	defer cancel()
	firstDone := make(chan error, 1)
	go func() {
		_, err := c.get(firstCtx, "Org1MSP", now, time.Minute, load)
		firstDone <- err
	}()
	var lctx context.Context
	select {
	case lctx = <-loadCtx:
	case <-time.After(5 * time.Second):
		t.Fatal("no load started")
	}
	type result struct {
		e   trustEntry
		err error
	}
	waiterDone := make(chan result, 1)
	go func() {
		e, err := c.get(context.Background(), "Org1MSP", now, time.Minute, load)
		waiterDone <- result{e, err}
	}()
	waitWaiters(t, &c, "Org1MSP", 1)

	cancel() // the first client disconnects while the peer is slow
	select {
	case err := <-firstDone:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("first caller: %v, want context.Canceled", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the first caller still waits after its context ended")
	}
	if err := lctx.Err(); err != nil {
		t.Fatalf("the shared read's context ended with the first caller's: %v", err)
	}
	if d, ok := lctx.Deadline(); !ok || time.Until(d) > 10*time.Second {
		t.Errorf("the shared read's deadline is %v (set %v), want within %v", d, ok, trustLoadTimeout)
	}

	close(release)
	select {
	case r := <-waiterDone:
		if r.err != nil || r.e.trust == nil || r.e.trust.MSPID != "Org1MSP" {
			t.Fatalf("waiter: %+v, %v; want Org1MSP's trust", r.e.trust, r.err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the waiter got no answer")
	}
	// The read was kept: the next caller is answered from the cache.
	if e, err := c.get(context.Background(), "Org1MSP", now, time.Minute, load); err != nil || e.trust.MSPID != "Org1MSP" {
		t.Fatalf("cached get: %+v, %v", e.trust, err)
	}
	mu.Lock()
	defer mu.Unlock()
	if loads != 1 {
		t.Errorf("%d loads, want 1", loads)
	}
}
