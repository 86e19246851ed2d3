package service_test

import (
	"context"
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/qrsign/qrsign/chaincode/certchain"
	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/chaincode/payload"
	"github.com/qrsign/qrsign/chaincode/sigalg"
	"github.com/qrsign/qrsign/chaincode/testpki"
	"github.com/qrsign/qrsign/relay/api"
	"github.com/qrsign/qrsign/relay/fault"
	"github.com/qrsign/qrsign/relay/login"
)

// signIn signs s in with QR at m and returns the session token, or the
// callback's error.
func signIn(t *testing.T, m *login.Manager, s *testpki.Signer) (string, error) {
	t.Helper()
	ch, err := m.Create()
	if err != nil {
		t.Fatal(err)
	}
	info, err := m.Describe(ch.Token)
	if err != nil {
		t.Fatal(err)
	}
	msg, err := payload.Build(payload.Fields{Purpose: payload.PurposeLogin, Channel: info.Channel, DocumentID: info.ChallengeID,
		DocumentSHA256: info.SHA256, Nonce: info.Nonce, SignerFingerprint: payload.Fingerprint(s.Cert.Raw)})
	if err != nil {
		t.Fatal(err)
	}
	sig, err := sigalg.Sign(model.AlgECDSAP256DER, s.Key, msg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Approve(context.Background(), api.LoginCallbackRequest{Token: ch.Token, CertChainPEM: s.CertPEM,
		Signature: base64.StdEncoding.EncodeToString(sig), Algorithm: model.AlgECDSAP256DER}); err != nil {
		return "", err
	}
	p, err := m.Poll(ch.ChallengeID, ch.PollToken)
	if err != nil {
		t.Fatal(err)
	}
	return p.Session.Token, nil
}

func codeOf(err error) model.Code {
	if f, ok := err.(*fault.Error); ok {
		return f.Code
	}
	return ""
}

// Sign-in verifies with the scan's org-trust cache: one ledger read serves
// callbacks and session checks, and a CRL event revokes on the next attempt
// (both the session in use and a new sign-in), with no wait for the max age.
func TestSignInUsesTheTrustCache(t *testing.T) {
	r := newScanRig(t)
	m, err := login.New([]byte(strings.Repeat("k", 32)), r.svc.SignInTrust(), login.Options{PublicURL: "http://relay.test",
		Channel: "qrsign", MSPID: "Org1MSP", ChallengeTTL: 2 * time.Minute, SessionTTL: 15 * time.Minute, MaxPending: 10, Now: r.clock})
	if err != nil {
		t.Fatal(err)
	}
	alice := r.ca.Signer("alice")
	r.ledger.take()
	tok, err := signIn(t, m, alice)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Check(context.Background(), tok); err != nil {
		t.Fatal(err)
	}
	if got := r.ledger.take(); !sameCalls(got, map[string]int{"GetOrgTrust": 1}) {
		t.Fatalf("sign-in and a session check: peer calls %v, want one GetOrgTrust", got)
	}
	info, ev := crlEvent(t, r.ca, certchain.SerialHex(alice.Cert))
	r.ledger.Trust["Org1MSP"].CRLs = []model.CRLInfo{info}
	r.svc.TrustEvents(ev)
	if _, err := m.Check(context.Background(), tok); codeOf(err) != fault.CodeSessionRevoked {
		t.Fatalf("the session after the CRL event: %v, want SESSION_REVOKED", err)
	}
	if _, err := signIn(t, m, alice); codeOf(err) != model.CodeCertRevoked {
		t.Fatalf("a new sign-in after the CRL event: %v, want CERT_REVOKED", err)
	}
	if got := r.ledger.take(); !sameCalls(got, map[string]int{"GetOrgTrust": 1}) {
		t.Errorf("after the event: peer calls %v, want the trust read once again", got)
	}
}
