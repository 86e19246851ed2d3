//go:build integration && faults

package e2e

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/qrsign/qrsign/network/supervise"
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
// twice, a peer of the other org, the org's chaincode server and the relay's
// gateway peer once each; nobody starts them: the network's supervisor does,
// and counts each restart. Every acknowledged signature must be on the ledger
// exactly once, in the transaction the acknowledgement named.
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
	if e.org.ChaincodeServer == nil {
		t.Fatalf("%s has no chaincode server of its own in network.json", e.org.Name)
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
	t.Logf("faults: %s, %s, %s, %s again, then its gateway peer %q", relayProc, victimPeer, e.org.ChaincodeServer.Name, relayProc, gatewayPeer)

	alice, ks := e.fastSigner(t)

	// Phase 1: n documents, one per callback, uploaded before any fault.
	ids, urls := e.uploadEach(t, alice, n, workers)
	if t.Failed() {
		return
	}

	// Phase 2: n callbacks through retrying clients while the faults happen.
	cb := newCallbacks(ks, alice, n)
	faultsDone, restarts := make(chan []string, 1), make(chan map[string]int, 1)
	before, err := supervise.ReadStatus(e.info.StateDir)
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		var log []string
		step := func(format string, args ...any) {
			log = append(log, fmt.Sprintf("%s after %d acks: ", time.Now().UTC().Format("15:04:05.000"), cb.acked.Load())+fmt.Sprintf(format, args...))
		}
		waitAcks := cb.waitAcks
		crashes := map[string]int{}
		crash := func(name string) {
			p, err := e.info.Process(name)
			if err != nil {
				step("%s: %v", name, err)
				return
			}
			old := p.PID()
			if err := p.Crash(); err != nil {
				step("crash %s: %v", name, err)
				return
			}
			crashes[name]++
			at := time.Now()
			step("SIGKILL %s (pid %d)", name, old)
			for pid := p.PID(); pid == 0 || pid == old; pid = p.PID() {
				if time.Since(at) > 2*time.Minute {
					t.Errorf("%s: not running again 2 min after its crash; the supervisor did not restart it", name)
					return
				}
				time.Sleep(50 * time.Millisecond)
			}
			step("%s running again (pid %d) %s after its crash, started by the supervisor", name, p.PID(), time.Since(at).Round(time.Millisecond))
		}
		waitAcks(int64(n) / 6)
		crash(relayProc)
		waitAcks(int64(n) * 2 / 6)
		crash(victimPeer)
		waitAcks(int64(n) * 3 / 6)
		crash(e.org.ChaincodeServer.Name) // every endorsement needs it: callbacks get 503 until it is back
		waitAcks(int64(n) * 4 / 6)
		crash(relayProc)
		if gatewayPeer != "" {
			waitAcks(int64(n) * 5 / 6)
			crash(gatewayPeer) // the relay's own gateway peer: it must answer 503, not fail
		}
		restarts <- crashes
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
	// `network status` shows each crash as one restart by the supervisor.
	if len(faultLog) > 0 {
		after, err := supervise.ReadStatus(e.info.StateDir)
		if err != nil {
			t.Fatal(err)
		}
		for name, k := range <-restarts {
			got := after.Nodes[name].Restarts - before.Nodes[name].Restarts
			t.Logf("%s: crashed %d times, restarted %d times by the supervisor, last exit %q", name, k, got, after.Nodes[name].LastExit)
			if got != k {
				t.Errorf("%s: crashed %d times, the supervisor's status counts %d restarts", name, k, got)
			}
		}
	}
	cb.report(t, ids, elapsed)

	// Phase 3: the ledger, read through the gateway (not the relay).
	e.checkAcknowledged(t, ids, urls, cb.acks, workers)
	perTx := map[string]int{} // the relay's group commit: acknowledgements sharing a transaction
	largest := 0
	for _, a := range cb.acks {
		if a != nil {
			perTx[a.TxID]++
			largest = max(largest, perTx[a.TxID])
		}
	}
	t.Logf("acknowledged in %d transactions (largest group %d)", len(perTx), largest)
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
