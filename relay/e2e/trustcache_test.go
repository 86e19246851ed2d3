//go:build integration

package e2e

import (
	"strings"
	"testing"
	"time"
)

// The relay caches org trust for its scan pre-check; a CRL published on the
// ledger reaches that cache through the chaincode event the relay follows.
// Every callback after PublishCRL committed is refused CERT_REVOKED (by the
// chaincode while the event is in flight, never accepted), and within the
// event delivery the relay's own pre-check refuses, before any submission.
func TestPublishedCRLRevokesOnTheNextCallback(t *testing.T) {
	e := setup(t)
	erin := e.enroll(t, "erin")
	warm := e.upload(t, "Warms the trust cache", content("tc1"), []*signer{erin}, []int{1})
	_, qr1 := warm.link(t, erin)
	if res, cb := erin.scan(t, "scan", e.scanQR(t, qr1)); cb == nil {
		t.Fatalf("erin before revocation: exit %d\n%s", res.code, res.stderr)
	}
	after := e.upload(t, "After the CRL", content("tc2"), []*signer{erin}, []int{1})
	_, qr2 := after.link(t, erin)
	url2 := e.scanQR(t, qr2)

	e.revoke(t, erin.id)
	published := time.Now()

	for {
		res, cb := erin.scan(t, "scan", url2)
		if cb != nil || res.code != 4 || !strings.Contains(res.stderr, "CERT_REVOKED") {
			t.Fatalf("revoked erin: exit %d %+v, want 4 with CERT_REVOKED\n%s", res.code, cb, res.stderr)
		}
		if strings.Contains(res.stderr, "that "+e.org.MSPID+" published") { // the relay's pre-check
			t.Logf("refused by the relay's pre-check %s after PublishCRL committed", time.Since(published).Round(time.Millisecond))
			break
		}
		if time.Since(published) > 10*time.Second {
			t.Fatalf("10 s after PublishCRL the relay still passes erin's chain to the chaincode:\n%s", res.stderr)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
