package service_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/chaincode/testpki"
	"github.com/qrsign/qrsign/relay/api"
	"github.com/qrsign/qrsign/relay/blob"
	"github.com/qrsign/qrsign/relay/fault"
	"github.com/qrsign/qrsign/relay/login"
	"github.com/qrsign/qrsign/relay/oplog"
	"github.com/qrsign/qrsign/relay/service"
	"github.com/qrsign/qrsign/relay/session"
)

// slowTrust is a ledger whose GetOrgTrust takes a peer round trip.
type slowTrust struct{ *counting }

func (s slowTrust) GetOrgTrust(ctx context.Context, msp string) (*model.OrgTrust, error) {
	time.Sleep(20 * time.Millisecond)
	return s.counting.GetOrgTrust(ctx, msp)
}

// MaxFailures (5 refused callbacks burn a sign-in QR) bounds the ledger
// reads one QR can cost: a callback whose caller hung up while its org's
// trust was read (the shared read goes on) counts as a refused attempt.
func TestHungUpSignInCallbacksCountAsFailures(t *testing.T) {
	r := newScanRig(t)
	iss, _ := session.NewIssuer([]byte(strings.Repeat("k", 32)), time.Hour)
	blobs, _ := blob.NewFS(filepath.Join(t.TempDir(), "blobs"), 1<<20)
	svc := service.New(slowTrust{r.ledger}, blobs, iss, "qrsign", "http://relay.test")
	svc.Now, svc.Ops = r.clock, oplog.New(nopWriter{})
	m, err := login.New([]byte(strings.Repeat("k", 32)), svc.SignInTrust(), login.Options{PublicURL: "http://relay.test",
		Channel: "qrsign", MSPID: "Org1MSP", ChallengeTTL: 2 * time.Minute, SessionTTL: 15 * time.Minute, MaxPending: 10, Now: r.clock})
	if err != nil {
		t.Fatal(err)
	}
	ch, _ := m.Create()
	now := r.clock()
	cert, _ := testpki.SelfSigned(testpki.Leaf{CN: "mallory", NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour)})
	r.ledger.take()
	const n = 30
	for i := range n {
		ctx, cancel := context.WithCancel(context.Background())
		cancel() // the caller hung up
		_, err := m.Approve(ctx, api.LoginCallbackRequest{Token: ch.Token, MSPID: fmt.Sprintf("X%dMSP", i),
			CertChainPEM: testpki.PEM(cert), Signature: "AAAA", Algorithm: model.AlgECDSAP256DER})
		if codeOf(err) == fault.CodeLoginLocked {
			return // burned, as a hang-up should count (MaxFailures)
		}
	}
	time.Sleep(100 * time.Millisecond) // the loads started finish
	reads := r.ledger.take()["GetOrgTrust"]
	t.Fatalf("%d hung-up callbacks on one QR cost %d ledger reads and the QR is still open (MaxFailures is 5)", n, reads)
}
