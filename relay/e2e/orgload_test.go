//go:build integration && faults

package e2e

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/qrsign/qrsign/network/cli"
)

// While a stream of callbacks runs through the harness org's relay, org3
// joins the channel (`network org add org3`) and leaves it again: every
// acknowledged signature is on the ledger once, in the transaction named;
// no callback failed; the only 5xx the clients retried on were 503s (the
// documented retry-later answer).
func TestFaultOrgAddUnderLoad(t *testing.T) {
	e := setup(t)
	if _, err := e.info.Org("org3"); err == nil {
		t.Fatal("org3 is a member already: run on a network brought up without it")
	}
	n, workers := faultN(t), 8
	alice, ks := e.fastSigner(t)
	ids, urls := e.uploadEach(t, alice, n, workers)
	if t.Failed() {
		return
	}

	cb := newCallbacks(ks, alice, n)
	streamed := make(chan time.Duration, 1)
	go func() { streamed <- cb.run(urls, workers) }()
	cb.waitAcks(int64(n) / 10)
	ackedBefore := cb.acked.Load()
	block, took := orgChange(t, e.info, "add", "org3")
	ackedDuring := cb.acked.Load() - ackedBefore
	t.Logf("measure: network org add org3 under load: %v, took effect at configuration block %d; %d callbacks acknowledged meanwhile",
		took, block, ackedDuring)
	ackedBefore = cb.acked.Load()
	block, took = orgChange(t, e.info, "remove", "org3")
	t.Logf("measure: network org remove org3 under load: %v, took effect at configuration block %d; %d callbacks acknowledged meanwhile",
		took, block, cb.acked.Load()-ackedBefore)
	elapsed := <-streamed
	cb.report(t, ids, elapsed)
	if ackedDuring == 0 {
		t.Errorf("no callback was acknowledged while org3 joined: the stream did not overlap the update (raise QRSIGN_FAULT_N above %d)", n)
	}
	if f := cb.failed.Load(); f != 0 {
		t.Errorf("%d callbacks failed after retries while the membership changed", f)
	}
	if other := cb.retried5xx.Load() - cb.retried503.Load(); other != 0 {
		t.Errorf("%d retries on a 5xx other than 503", other)
	}
	for i, err := range cb.errs {
		if err != nil && strings.Contains(err.Error(), "HTTP 5") && !strings.Contains(err.Error(), "HTTP 503") {
			t.Errorf("doc %s: %v", ids[i], err)
		}
	}
	e.checkAcknowledged(t, ids, urls, cb.acks, workers)
	// org3's side of leaving: the network is as the test found it.
	var out bytes.Buffer
	if code := cli.Main([]string{"org", "leave", "org3", "--state", e.info.StateDir}, &out, &out); code != 0 {
		t.Errorf("network org leave org3: exit %d\n%s", code, out.String())
	}
}
