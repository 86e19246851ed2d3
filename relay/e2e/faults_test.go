//go:build integration && faults

package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/network/supervise"
	"github.com/qrsign/qrsign/relay/fabricca"
	"github.com/qrsign/qrsign/relay/signer/flow"
	"github.com/qrsign/qrsign/relay/signer/keystore"
	"github.com/qrsign/qrsign/relay/signer/prompt"
	"github.com/qrsign/qrsign/relay/signer/relayapi"
	"github.com/qrsign/qrsign/relay/token"

	"github.com/qrsign/qrsign/relay/api"
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

	// One signer, enrolled from the real Fabric CA through the library with a
	// cheap KDF: n unlocks of the interactive-strength one would dominate the run.
	alice := &signer{id: unique("fault"), home: t.TempDir(), pass: "fault-pass-123", msp: e.org.MSPID}
	if err := e.org.RegisterUser(e.info.BinDir, alice.id, "fault-secret"); err != nil {
		t.Fatal(err)
	}
	hc, err := fabricca.HTTPClientTrusting(e.org.CA.TLSCertFile)
	if err != nil {
		t.Fatal(err)
	}
	res, err := (&fabricca.Enroller{URL: e.org.CA.URL, HTTP: hc}).Enroll(context.Background(), alice.id, "fault-secret")
	if err != nil {
		t.Fatal(err)
	}
	ks := &keystore.Keystore{Dir: alice.home, KDF: keystore.KDF{N: 1 << 14, R: 8, P: 1}}
	if err := ks.Save(keystore.Identity{ID: alice.id}, res.Key, res.CertPEM, res.ChainPEM, []byte(alice.pass), false); err != nil {
		t.Fatal(err)
	}

	// Phase 1: n documents, one per callback, uploaded before any fault.
	urls := make([]string, n)
	ids := make([]string, n)
	parallel(n, workers, func(i int) {
		u, err := e.tryUpload(t, fmt.Sprintf("Fault %d", i), content(fmt.Sprint("fault", i)), []*signer{alice}, []int{1})
		if err != nil {
			t.Error(err)
			return
		}
		ids[i], urls[i] = u.Document.ID, u.Signing[0].URL
	})
	if t.Failed() {
		return
	}

	// Phase 2: n callbacks through retrying clients while the faults happen.
	var acked, failed, replayed, retries, retried5xx, retried429, retriedConn atomic.Int64
	acks := make([]*api.CallbackResult, n)
	errs := make([]error, n)
	scanner := &flow.Scanner{Keystore: ks, Prompt: prompt.Static{Secret: []byte(alice.pass), Yes: true}, Yes: true,
		Retry: relayapi.Retry{Attempts: 60, Base: 200 * time.Millisecond, Max: 3 * time.Second},
		Configure: func(c *relayapi.Client) {
			c.OnRetry = func(_ int, _ time.Duration, cause error) {
				retries.Add(1)
				switch msg := cause.Error(); {
				case strings.HasPrefix(msg, "HTTP 5"):
					retried5xx.Add(1)
				case msg == "HTTP 429":
					retried429.Add(1)
				default:
					retriedConn.Add(1)
				}
			}
		}}
	faultsDone, restarts := make(chan []string, 1), make(chan map[string]int, 1)
	before, err := supervise.ReadStatus(e.info.StateDir)
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		var log []string
		step := func(format string, args ...any) {
			log = append(log, fmt.Sprintf("%s after %d acks: ", time.Now().UTC().Format("15:04:05.000"), acked.Load())+fmt.Sprintf(format, args...))
		}
		waitAcks := func(k int64) {
			for acked.Load()+failed.Load() < k {
				time.Sleep(20 * time.Millisecond)
			}
		}
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
	start := time.Now()
	parallel(n, workers, func(i int) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		out, err := scanner.Run(ctx, flow.Request{QR: urls[i], Action: api.ActionSign})
		if err != nil {
			errs[i] = err
			failed.Add(1)
			return
		}
		acks[i] = out.Result
		acked.Add(1)
		if out.Result.Replayed {
			replayed.Add(1)
		}
	})
	elapsed := time.Since(start)
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
	t.Logf("%d callbacks in %s: %d acknowledged (%d replayed answers), %d failed after retries, %d retries (%d on 5xx, %d on 429, %d on connection errors)",
		n, elapsed.Round(time.Millisecond), acked.Load(), replayed.Load(), failed.Load(), retries.Load(), retried5xx.Load(), retried429.Load(), retriedConn.Load())
	shown := 0
	for i, err := range errs {
		if err != nil && shown < 5 {
			t.Logf("doc %s not acknowledged: %v", ids[i], err)
			shown++
		}
	}

	// Phase 3: the ledger, read through the gateway (not the relay).
	conn, gw, err := e.org.Dial(e.org.Client, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	defer gw.Close()
	contract := gw.GetNetwork(e.info.Channel).GetContract(e.info.Chaincode)
	var missing, dup, wrongTx, onLedgerUnacked atomic.Int64
	parallel(n, workers, func(i int) {
		raw, err := contract.EvaluateTransaction("GetHistory", ids[i])
		if err != nil {
			t.Errorf("GetHistory %s: %v", ids[i], err)
			return
		}
		var h model.History
		if err := json.Unmarshal(raw, &h); err != nil {
			t.Errorf("GetHistory %s: %v", ids[i], err)
			return
		}
		claims, _ := token.Peek(token.FromURL(urls[i]))
		var sigs []model.Event
		for _, ev := range h.Events {
			if ev.Type == model.EventSignatureRecorded {
				sigs = append(sigs, ev)
			}
		}
		if len(sigs) > 1 {
			dup.Add(1)
			t.Errorf("%s: %d signatures", ids[i], len(sigs))
		}
		a := acks[i]
		if a == nil {
			if len(sigs) == 1 {
				onLedgerUnacked.Add(1) // committed, but the client gave up before hearing so: allowed
			}
			return
		}
		switch {
		case len(sigs) == 0:
			missing.Add(1)
			t.Errorf("%s: acknowledged in tx %s block %d but not on the ledger", ids[i], a.TxID, a.BlockNumber)
		case sigs[0].TxID != a.TxID || sigs[0].Signature.Nonce != claims.Nonce:
			wrongTx.Add(1)
			t.Errorf("%s: acknowledged tx %s, ledger has tx %s (nonce %s)", ids[i], a.TxID, sigs[0].TxID, sigs[0].Signature.Nonce)
		}
	})
	t.Logf("ledger: %d acknowledged missing, %d duplicated, %d in another tx; %d unacknowledged but committed",
		missing.Load(), dup.Load(), wrongTx.Load(), onLedgerUnacked.Load())
	perTx := map[string]int{} // the relay's group commit: acknowledgements sharing a transaction
	largest := 0
	for _, a := range acks {
		if a != nil {
			perTx[a.TxID]++
			largest = max(largest, perTx[a.TxID])
		}
	}
	t.Logf("acknowledged in %d transactions (largest group %d)", len(perTx), largest)
	if acked.Load() == 0 {
		t.Fatal("nothing was acknowledged")
	}
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
