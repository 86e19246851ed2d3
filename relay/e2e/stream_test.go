//go:build integration && faults

package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/relay/api"
	"github.com/qrsign/qrsign/relay/fabricca"
	"github.com/qrsign/qrsign/relay/signer/flow"
	"github.com/qrsign/qrsign/relay/signer/keystore"
	"github.com/qrsign/qrsign/relay/signer/prompt"
	"github.com/qrsign/qrsign/relay/signer/relayapi"
	"github.com/qrsign/qrsign/relay/token"
)

// A stream of callbacks through retrying clients, for the tests that change
// the network under it; then the ledger is checked: every acknowledged
// signature once, in the transaction the acknowledgement named.

// fastSigner is one signer, enrolled from the real Fabric CA through the
// library with a cheap KDF: n unlocks of the interactive-strength one would
// dominate the run.
func (e *env) fastSigner(t *testing.T) (*signer, *keystore.Keystore) {
	t.Helper()
	s := &signer{id: unique("fault"), home: t.TempDir(), pass: "fault-pass-123", msp: e.org.MSPID}
	if err := e.org.RegisterUser(e.info.BinDir, s.id, "fault-secret"); err != nil {
		t.Fatal(err)
	}
	hc, err := fabricca.HTTPClientTrusting(e.org.CA.TLSCertFile)
	if err != nil {
		t.Fatal(err)
	}
	res, err := (&fabricca.Enroller{URL: e.org.CA.URL, HTTP: hc}).Enroll(context.Background(), s.id, "fault-secret")
	if err != nil {
		t.Fatal(err)
	}
	ks := &keystore.Keystore{Dir: s.home, KDF: keystore.KDF{N: 1 << 14, R: 8, P: 1}}
	if err := ks.Save(keystore.Identity{ID: s.id}, res.Key, res.CertPEM, res.ChainPEM, []byte(s.pass), false); err != nil {
		t.Fatal(err)
	}
	return s, ks
}

// uploadEach uploads n documents for s to sign, one per callback.
func (e *env) uploadEach(t *testing.T, s *signer, n, workers int) (ids, urls []string) {
	t.Helper()
	ids, urls = make([]string, n), make([]string, n)
	parallel(n, workers, func(i int) {
		u, err := e.tryUpload(t, fmt.Sprintf("Fault %d", i), content(fmt.Sprint("fault", i)), []*signer{s}, []int{1})
		if err != nil {
			t.Error(err)
			return
		}
		ids[i], urls[i] = u.Document.ID, u.Signing[0].URL
	})
	return ids, urls
}

// callbacks signs through a retrying client and counts what happened.
type callbacks struct {
	scanner                                                  *flow.Scanner
	acked, failed, replayed                                  atomic.Int64
	retries, retried5xx, retried429, retriedConn, retried503 atomic.Int64
	acks                                                     []*api.CallbackResult
	errs                                                     []error
}

func newCallbacks(ks *keystore.Keystore, s *signer, n int) *callbacks {
	c := &callbacks{acks: make([]*api.CallbackResult, n), errs: make([]error, n)}
	c.scanner = &flow.Scanner{Keystore: ks, Prompt: prompt.Static{Secret: []byte(s.pass), Yes: true}, Yes: true,
		Retry: relayapi.Retry{Attempts: 60, Base: 200 * time.Millisecond, Max: 3 * time.Second},
		Configure: func(rc *relayapi.Client) {
			rc.OnRetry = func(_ int, _ time.Duration, cause error) {
				c.retries.Add(1)
				switch msg := cause.Error(); {
				case strings.HasPrefix(msg, "HTTP 5"):
					c.retried5xx.Add(1)
					if msg == "HTTP 503" {
						c.retried503.Add(1)
					}
				case msg == "HTTP 429":
					c.retried429.Add(1)
				default:
					c.retriedConn.Add(1)
				}
			}
		}}
	return c
}

// run signs every url on workers goroutines and returns how long it took.
func (c *callbacks) run(urls []string, workers int) time.Duration {
	start := time.Now()
	parallel(len(urls), workers, func(i int) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		out, err := c.scanner.Run(ctx, flow.Request{QR: urls[i], Action: api.ActionSign})
		if err != nil {
			c.errs[i] = err
			c.failed.Add(1)
			return
		}
		c.acks[i] = out.Result
		c.acked.Add(1)
		if out.Result.Replayed {
			c.replayed.Add(1)
		}
	})
	return time.Since(start)
}

// waitAcks waits until k callbacks have ended, acknowledged or not.
func (c *callbacks) waitAcks(k int64) {
	for c.acked.Load()+c.failed.Load() < k {
		time.Sleep(20 * time.Millisecond)
	}
}

func (c *callbacks) report(t *testing.T, ids []string, elapsed time.Duration) {
	t.Helper()
	t.Logf("%d callbacks in %s: %d acknowledged (%d replayed answers), %d failed after retries, %d retries (%d on 5xx of which %d 503, %d on 429, %d on connection errors)",
		len(ids), elapsed.Round(time.Millisecond), c.acked.Load(), c.replayed.Load(), c.failed.Load(), c.retries.Load(),
		c.retried5xx.Load(), c.retried503.Load(), c.retried429.Load(), c.retriedConn.Load())
	shown := 0
	for i, err := range c.errs {
		if err != nil && shown < 5 {
			t.Logf("doc %s not acknowledged: %v", ids[i], err)
			shown++
		}
	}
	if c.acked.Load() == 0 {
		t.Fatal("nothing was acknowledged")
	}
}

// checkAcknowledged reads each document's history through the gateway (not
// the relay): no signature twice, every acknowledged one there in the
// acknowledged transaction with the session's nonce.
func (e *env) checkAcknowledged(t *testing.T, ids, urls []string, acks []*api.CallbackResult, workers int) {
	t.Helper()
	conn, gw, err := e.org.Dial(e.org.Client, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	defer gw.Close()
	contract := gw.GetNetwork(e.info.Channel).GetContract(e.info.Chaincode)
	var missing, dup, wrongTx, onLedgerUnacked atomic.Int64
	parallel(len(ids), workers, func(i int) {
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
}
