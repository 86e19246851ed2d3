//go:build integration && faults

package integration

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/hyperledger/fabric-gateway/pkg/client"

	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/relay/api"
)

// outcome is one scan callback attempt.
type outcome struct {
	doc        int
	code       int
	sent, done time.Time
	res        api.CallbackResult
}

// With two peers in the relay's org (the redundant profile), SIGKILL the
// relay's gateway peer while signature callbacks stream in: callbacks keep
// being acknowledged through the other peer, each acknowledged signature is
// on the ledger exactly once, events keep reaching an SSE subscriber, and the
// relay returns to the preferred peer once it is back.
func TestFaultGatewayPeerKilledCallbacksFailOver(t *testing.T) {
	e := setup(t)
	if len(e.org.Peers) < 2 {
		t.Fatalf("org %s has %d peer(s); run on the redundant profile (two peers per org)", e.org.Name, len(e.org.Peers))
	}
	if m := e.series(t, "qrsign_relay_gateway_endpoints"); m != float64(len(e.org.Peers)) {
		t.Fatalf("relay knows %v peers, the org has %d (network relay config without gateway.endpoints?)", m, len(e.org.Peers))
	}
	if m := e.series(t, "qrsign_relay_gateway_endpoint"); m != 0 {
		t.Fatalf("relay uses peer %v before the fault, want the preferred (0)", m)
	}
	preferred := e.org.Peers[0].Name
	t.Cleanup(func() { e.info.Kill(preferred, syscall.SIGCONT); e.info.StartNode(preferred) }) // leave the network whole

	const docs, workers, killAfter, watched = 60, 4, 12, 6
	// QRSIGN_FAILOVER_SIGNAL=STOP freezes the peer instead (connections stay
	// open, nothing answers); SIGCONT then brings it back.
	sig, resume := syscall.SIGKILL, func() error { return e.info.StartNode(preferred) }
	if os.Getenv("QRSIGN_FAILOVER_SIGNAL") == "STOP" {
		sig, resume = syscall.SIGSTOP, func() error { return e.info.Kill(preferred, syscall.SIGCONT) }
	}
	killDelay := 120 * time.Millisecond
	if v, err := time.ParseDuration(os.Getenv("QRSIGN_FAILOVER_KILL_DELAY")); err == nil {
		killDelay = v
	}
	signer := e.enroll(t, "fo")
	var bodies []api.CallbackRequest
	var ids []string
	for i := 0; i < docs+1; i++ { // the last one is signed after the peer returns
		reg := e.upload(t, signer.spec(e, 1))
		ids = append(ids, reg.Document.ID)
		bodies = append(bodies, e.callback(t, reg.Signing[0].Token, signer, "sign", ""))
	}

	// SSE subscribers on documents signed late, connected before the kill:
	// their signature events can only come from the live event stream.
	sse := &sseLog{got: map[string]string{}}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	for _, id := range ids[docs-watched : docs] {
		e.subscribe(t, ctx, id, sse)
	}

	var mu sync.Mutex
	var outs []outcome
	acked := 0
	var killedAt time.Time
	killed := make(chan struct{})
	next := make(chan int)
	go func() {
		for i := 0; i < docs; i++ {
			next <- i
		}
		close(next)
	}()
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				for attempt := 0; ; attempt++ {
					o := outcome{doc: i, sent: time.Now()}
					b, _ := json.Marshal(bodies[i])
					resp, err := http.Post(e.url+"/v1/callbacks/scan", "application/json", strings.NewReader(string(b)))
					if err != nil {
						t.Errorf("doc %d: %v", i, err)
						return
					}
					raw, _ := io.ReadAll(resp.Body)
					resp.Body.Close()
					o.code, o.done = resp.StatusCode, time.Now()
					json.Unmarshal(raw, &o.res)
					mu.Lock()
					outs = append(outs, o)
					if o.code == 200 {
						acked++
						if acked == killAfter {
							// Acks come in waves (one block each); a little
							// later the next wave waits on its commit status.
							time.AfterFunc(killDelay, func() {
								mu.Lock()
								defer mu.Unlock()
								killedAt = time.Now()
								if err := e.info.Kill(preferred, sig); err != nil {
									t.Error(err)
								}
								close(killed)
							})
						}
					}
					mu.Unlock()
					if o.code == 200 {
						break
					}
					if o.code != 503 || attempt > 300 {
						t.Errorf("doc %d: %d %s", i, o.code, raw)
						return
					}
					time.Sleep(100 * time.Millisecond) // finer than Retry-After, to measure the gap
				}
			}
		}()
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	<-killed

	// Numbers: 503s answered to requests sent after the kill, time to the
	// first acknowledgement of a request sent after it, latency of the
	// requests in flight when it happened.
	var unavailable, inFlight int
	var firstAfter time.Duration = -1
	var inFlightMax time.Duration
	sort.Slice(outs, func(a, b int) bool { return outs[a].done.Before(outs[b].done) })
	for _, o := range outs {
		switch {
		case o.sent.Before(killedAt) && o.done.After(killedAt):
			inFlight++
			inFlightMax = max(inFlightMax, o.done.Sub(o.sent))
			if o.code != 200 {
				unavailable++
			}
		case !o.sent.Before(killedAt):
			if o.code == 503 {
				unavailable++
			}
			if o.code == 200 && firstAfter < 0 {
				firstAfter = o.done.Sub(killedAt)
			}
		}
	}
	failovers := e.series(t, `qrsign_relay_gateway_failovers_total{from="`+e.org.Peers[0].Address+`",reason="down",to="`+e.org.Peers[1].Address+`"}`)
	cur := e.series(t, "qrsign_relay_gateway_endpoint")
	reread := e.series(t, `qrsign_relay_gateway_resumed_total{fn="RecordSignature",how="status"}`)
	resubmitted := e.series(t, `qrsign_relay_gateway_resumed_total{fn="RecordSignature",how="resubmitted"}`)
	t.Logf("FAILOVER: %d callbacks, %d workers, %s got signal %q %v after the %dth ack; attempts %d; 503s during the outage %d; "+
		"in flight at the kill %d (slowest %v); first ack of a request sent after the kill %v after it; failovers %v; peer in use %v; "+
		"transactions carried over: commit status re-read %v, resubmitted %v",
		docs, workers, preferred, sig, killDelay, killAfter, len(outs), unavailable, inFlight, inFlightMax.Round(time.Millisecond),
		firstAfter.Round(time.Millisecond), failovers, cur, reread, resubmitted)
	if firstAfter < 0 || cur != 1 || failovers < 1 {
		t.Fatalf("no failover: first ack after the kill %v, peer in use %v, failovers %v", firstAfter, cur, failovers)
	}

	// Every acknowledged signature is on the ledger exactly once, read
	// through the surviving peer.
	_, gw1, err := e.org.Dial(e.org.Client, 1)
	if err != nil {
		t.Fatal(err)
	}
	c1 := gw1.GetNetwork(e.info.Channel).GetContract(e.info.Chaincode)
	ackTx := map[int]string{}
	for _, o := range outs {
		if o.code == 200 {
			if prev, ok := ackTx[o.doc]; ok && prev != o.res.TxID {
				t.Fatalf("doc %d acknowledged with two tx ids %s and %s", o.doc, prev, o.res.TxID)
			}
			ackTx[o.doc] = o.res.TxID
		}
	}
	for i := 0; i < docs; i++ {
		sigs := signatures(t, c1, ids[i])
		if len(sigs) != 1 || sigs[0] != ackTx[i] {
			t.Fatalf("doc %d (%s): signature events %v, acknowledged tx %q", i, ids[i], sigs, ackTx[i])
		}
	}

	// The SSE subscribers saw their signatures, live, with the acknowledged tx id.
	deadline := time.Now().Add(30 * time.Second)
	for _, i := range seq(docs-watched, docs) {
		for sse.tx(ids[i]) == "" && time.Now().Before(deadline) {
			time.Sleep(100 * time.Millisecond)
		}
		if got := sse.tx(ids[i]); got != ackTx[i] {
			t.Fatalf("SSE for doc %d: signature tx %q, acknowledged %q", i, got, ackTx[i])
		}
	}

	// The preferred peer comes back (QRSIGN_FAILOVER_OUTAGE keeps it down
	// longer); the probe returns the relay to it.
	if v, err := time.ParseDuration(os.Getenv("QRSIGN_FAILOVER_OUTAGE")); err == nil {
		time.Sleep(time.Until(killedAt.Add(v)))
	}
	restarted := time.Now()
	if err := resume(); err != nil {
		t.Fatal(err)
	}
	for e.series(t, "qrsign_relay_gateway_endpoint") != 0 {
		if time.Since(restarted) > time.Minute {
			t.Fatal("the relay did not return to the preferred peer within a minute of its restart")
		}
		time.Sleep(50 * time.Millisecond)
	}
	back := time.Since(restarted)
	code, out := e.post(t, "/v1/callbacks/scan", bodies[docs])
	if code != 200 {
		t.Fatalf("after the return: %d %s", code, out)
	}
	var last api.CallbackResult
	json.Unmarshal(out, &last)
	if sigs := signatures(t, e.contract, ids[docs]); len(sigs) != 1 || sigs[0] != last.TxID { // e.contract reads peer 0
		t.Fatalf("after the return, on the preferred peer: %v, acknowledged %s", sigs, last.TxID)
	}
	t.Logf("FAILOVER: back on the preferred peer %v after its restart (probe every 2s); back-switches %v",
		back.Round(time.Millisecond),
		e.series(t, `qrsign_relay_gateway_failovers_total{from="`+e.org.Peers[1].Address+`",reason="back",to="`+e.org.Peers[0].Address+`"}`))
}

func seq(a, b int) []int {
	var out []int
	for i := a; i < b; i++ {
		out = append(out, i)
	}
	return out
}

// signatures is the tx ids of a document's SignatureRecorded events.
func signatures(t *testing.T, c *client.Contract, id string) []string {
	t.Helper()
	out, err := c.EvaluateWithContext(context.Background(), "GetHistory", client.WithArguments(id))
	if err != nil {
		t.Fatal(err)
	}
	var h model.History
	if err := json.Unmarshal(out, &h); err != nil {
		t.Fatal(err)
	}
	var txs []string
	for _, ev := range h.Events {
		if ev.Type == model.EventSignatureRecorded {
			txs = append(txs, ev.TxID)
		}
	}
	return txs
}

// series reads one sample of the relay's /metrics (0 when absent); labels
// are in the order the exposition sorts them (by name).
func (e *env) series(t *testing.T, series string) float64 {
	t.Helper()
	_, body, _ := e.do(t, "GET", "/metrics", nil, "Authorization", "Bearer "+e.metrics)
	re := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(series) + ` (\S+)$`)
	m := re.FindSubmatch(body)
	if m == nil {
		return 0
	}
	v, err := strconv.ParseFloat(string(m[1]), 64)
	if err != nil {
		t.Fatalf("metric %s: %v", series, err)
	}
	return v
}

// sseLog is the signature tx id each subscribed document's stream carried live.
type sseLog struct {
	mu  sync.Mutex
	got map[string]string
}

func (l *sseLog) tx(id string) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.got[id]
}

// subscribe follows a document's SSE stream until ctx ends, recording its
// live SignatureRecorded event; it returns once the stream is live.
func (e *env) subscribe(t *testing.T, ctx context.Context, id string, l *sseLog) {
	t.Helper()
	req, _ := http.NewRequestWithContext(ctx, "GET", e.url+"/v1/documents/"+id+"/events", nil)
	req.Header.Set("X-API-Key", e.key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("SSE %s: %v %v", id, err, resp)
	}
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() && sc.Text() != ": live" {
	}
	go func() {
		defer resp.Body.Close()
		for sc.Scan() {
			line := sc.Text()
			if !strings.HasPrefix(line, "data: ") {
				continue
			}
			var msg struct{ Event model.Event }
			if json.Unmarshal([]byte(line[len("data: "):]), &msg) == nil && msg.Event.Type == model.EventSignatureRecorded {
				l.mu.Lock()
				l.got[id] = msg.Event.TxID
				l.mu.Unlock()
			}
		}
	}()
}
