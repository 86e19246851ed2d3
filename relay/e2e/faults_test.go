//go:build integration && faults

package e2e

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// faultN is the number of callbacks (QRSIGN_FAULT_N, default 1000).
func faultN(t *testing.T) int {
	if s := os.Getenv("QRSIGN_FAULT_N"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 4 {
			t.Fatalf("QRSIGN_FAULT_N=%q: want a number ≥ 4", s)
		}
		return n
	}
	return 1000
}

// While N signers call back through retrying clients, the relay is SIGKILLed
// and restarted twice and a peer once. Every acknowledged signature must be
// on the ledger exactly once, in the transaction the acknowledgement named.
func TestFaultAcknowledgedSignaturesSurviveCrashes(t *testing.T) {
	e := setup(t)
	n, workers := faultN(t), 16
	relayProc := "relay." + e.org.Name
	var victimPeer string
	for _, o := range e.info.Orgs {
		if o.Name != e.org.Name && len(o.Peers) > 1 {
			victimPeer = o.Peers[0].Name // the other org still endorses through its second peer
		}
	}
	if victimPeer == "" {
		t.Fatal("the fault test needs the redundant layout (two peers per org): run it against `network up --profile redundant`")
	}

	// The peer the relay's gateway connection goes to.
	var gatewayPeer string
	if cfg, err := os.ReadFile(e.org.Relay.ConfigFile); err == nil {
		for _, p := range e.org.Peers {
			if strings.Contains(string(cfg), "endpoint: "+p.Address) || strings.Contains(string(cfg), `endpoint: "`+p.Address+`"`) {
				gatewayPeer = p.Name
			}
		}
	}
	t.Logf("faults: %s, %s, %s again, then its gateway peer %q", relayProc, victimPeer, relayProc, gatewayPeer)

	alice, ks := e.fastSigner(t)

	// Phase 1: n documents, one per callback, uploaded before any fault.
	ids, urls := e.uploadEach(t, alice, n, workers)
	if t.Failed() {
		return
	}

	// Phase 2: n callbacks through retrying clients while the faults happen.
	cb := newCallbacks(ks, alice, n)
	faultsDone := make(chan []string)
	go func() {
		var log []string
		step := func(format string, args ...any) {
			log = append(log, fmt.Sprintf("%s after %d acks: ", time.Now().UTC().Format("15:04:05.000"), cb.acked.Load())+fmt.Sprintf(format, args...))
		}
		waitAcks := cb.waitAcks
		crash := func(name string, down time.Duration) {
			if err := e.info.Kill(name, syscall.SIGKILL); err != nil {
				step("kill %s: %v", name, err)
				return
			}
			step("SIGKILL %s", name)
			time.Sleep(down)
			for {
				err := e.info.StartNode(name)
				if err == nil {
					break
				}
				step("start %s: %v (again)", name, err)
				time.Sleep(500 * time.Millisecond)
			}
			step("%s started again", name)
		}
		waitAcks(int64(n) / 5)
		crash(relayProc, time.Second)
		waitAcks(int64(n) * 2 / 5)
		crash(victimPeer, 3*time.Second)
		waitAcks(int64(n) * 3 / 5)
		crash(relayProc, 500*time.Millisecond)
		if gatewayPeer != "" {
			waitAcks(int64(n) * 4 / 5)
			crash(gatewayPeer, 3*time.Second) // the relay's own gateway peer: it must answer 503, not fail
		}
		faultsDone <- log
	}()
	elapsed := cb.run(urls, workers)
	var faultLog []string
	select {
	case faultLog = <-faultsDone:
	case <-time.After(2 * time.Minute):
		t.Error("the fault schedule did not finish")
	}
	for _, l := range faultLog {
		t.Log("fault: " + l)
	}
	cb.report(t, ids, elapsed)

	// Phase 3: the ledger, read through the gateway (not the relay).
	e.checkAcknowledged(t, ids, urls, cb.acks, workers)
}

// parallel runs f(0..n-1) on w goroutines.
func parallel(n, w int, f func(i int)) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for range w {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				f(i)
			}
		}()
	}
	wg.Wait()
}
