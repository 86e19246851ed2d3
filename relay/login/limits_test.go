package login

import (
	"context"
	"crypto/ecdsa"
	"testing"
	"time"

	"github.com/qrsign/qrsign/chaincode/testpki"
	"github.com/qrsign/qrsign/relay/fault"
)

// signIn runs one whole sign-in for s and returns the challenge id, its poll
// token, the session token and the poll's error.
func (f *fixture) signIn(t *testing.T, s *testpki.Signer) (string, string, string, error) {
	t.Helper()
	ch, err := f.m.Create()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.m.Approve(context.Background(), f.proof(t, ch.Token, s, nil)); err != nil {
		t.Fatal(err)
	}
	r, err := f.m.Poll(ch.ChallengeID, ch.PollToken)
	if err != nil {
		return ch.ChallengeID, ch.PollToken, "", err
	}
	return ch.ChallengeID, ch.PollToken, r.Session.Token, nil
}

// A poll that finds the session table full is 503 LOGIN_BUSY and keeps the
// approval: the retry it asks for, once there is room, gets the session.
func TestPollAtTheSessionCapKeepsTheApproval(t *testing.T) {
	f := newFixture(t)
	f.m.opt.MaxPending = 2
	alice, bob, carol := f.org1.Signer("alice"), f.org1.Signer("bob"), f.org1.Signer("carol")
	_, _, aliceSession, err := f.signIn(t, alice)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := f.signIn(t, bob); err != nil {
		t.Fatal(err)
	}
	f.advance(3 * time.Minute) // the two challenges are swept; the two sessions (15 min) live on
	id, poll, _, err := f.signIn(t, carol)
	if codeOf(err) != fault.CodeLoginBusy {
		t.Fatalf("poll at the session cap: %v, want LOGIN_BUSY", err)
	}
	if _, err := f.m.Logout(aliceSession); err != nil { // there is room now
		t.Fatal(err)
	}
	f.advance(5 * time.Second) // Retry-After
	_, err = f.m.Poll(id, poll)
	if err != nil {
		t.Fatalf("the retry the 503 asked for: %v", err)
	}
}

// A session ends with the certificate it signed in with.
func TestSessionEndsWithItsCertificate(t *testing.T) {
	f := newFixture(t)
	now := f.clock()
	cert, key := f.org1.Issue(testpki.Leaf{CN: "dave", NotBefore: now.Add(-time.Hour), NotAfter: now.Add(5 * time.Minute)})
	dave := &testpki.Signer{Cert: cert, Key: key.(*ecdsa.PrivateKey), CertPEM: testpki.PEM(cert)}
	ch, _ := f.m.Create()
	if _, err := f.m.Approve(context.Background(), f.proof(t, ch.Token, dave, nil)); err != nil {
		t.Fatal(err)
	}
	r, err := f.m.Poll(ch.ChallengeID, ch.PollToken)
	if err != nil {
		t.Fatal(err)
	}
	if !r.Session.ExpiresAt.Equal(cert.NotAfter) {
		t.Errorf("session expires %s, its certificate %s", r.Session.ExpiresAt, cert.NotAfter)
	}
	f.advance(10 * time.Minute) // the certificate expired 5 minutes ago
	if _, err := f.m.Check(context.Background(), r.Session.Token); err == nil {
		t.Fatalf("a session signed in with a certificate that expired at %s still reads at %s", cert.NotAfter, f.clock())
	}
}
