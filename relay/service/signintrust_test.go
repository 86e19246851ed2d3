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

func signInManager(t *testing.T, r *scanRig) *login.Manager {
	t.Helper()
	m, err := login.New([]byte(strings.Repeat("k", 32)), r.svc.SignInTrust(), login.Options{PublicURL: "http://relay.test",
		Channel: "qrsign", MSPID: "Org1MSP", ChallengeTTL: 2 * time.Minute, SessionTTL: 15 * time.Minute, MaxPending: 10, Now: r.clock})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// Sign-in verifies with the scan's org-trust cache: session checks answer
// from it, and a CRL event revokes on the next attempt (the session in use
// and a new sign-in), with no wait for the max age.
func TestSignInCRLEventRevokesOnNextAttempt(t *testing.T) {
	r := newScanRig(t)
	m := signInManager(t, r)
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
	if _, err := m.Check(context.Background(), tok); err != nil {
		t.Fatalf("before the event the cache (within its max age) still passes the session: %v", err)
	}
	r.svc.TrustEvents(ev)
	if _, err := m.Check(context.Background(), tok); codeOf(err) != fault.CodeSessionRevoked {
		t.Fatalf("the session after the CRL event: %v, want SESSION_REVOKED", err)
	}
	if _, err := signIn(t, m, alice); codeOf(err) != model.CodeCertRevoked {
		t.Fatalf("a new sign-in after the CRL event: %v, want CERT_REVOKED", err)
	}
	if got := r.ledger.take(); !sameCalls(got, map[string]int{"GetOrgTrust": 2}) {
		t.Errorf("after the CRL: peer calls %v, want the session check's read after the event and the callback's", got)
	}
}

// A sign-in callback reads the ledger itself (nothing re-verifies it after
// the relay): a committed CRL refuses it before its event arrives, and the
// read refreshes the shared cache, so the signer's open session ends too.
func TestSignInCallbackReadsTheLedger(t *testing.T) {
	r := newScanRig(t)
	m := signInManager(t, r)
	bob := r.ca.Signer("bob")
	tok, err := signIn(t, m, bob)
	if err != nil {
		t.Fatal(err)
	}
	info, _ := crlEvent(t, r.ca, certchain.SerialHex(bob.Cert))
	r.ledger.Trust["Org1MSP"].CRLs = []model.CRLInfo{info}
	if _, err := signIn(t, m, bob); codeOf(err) != model.CodeCertRevoked {
		t.Fatalf("a sign-in with a committed CRL, no event: %v, want CERT_REVOKED", err)
	}
	if _, err := m.Check(context.Background(), tok); codeOf(err) != fault.CodeSessionRevoked {
		t.Fatalf("the open session after the callback's read: %v, want SESSION_REVOKED", err)
	}
}
