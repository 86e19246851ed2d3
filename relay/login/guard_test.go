package login

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/chaincode/payload"
	"github.com/qrsign/qrsign/relay/api"
	"github.com/qrsign/qrsign/relay/fault"
	"github.com/qrsign/qrsign/relay/problem"
)

// counting is a Trust that counts ledger reads.
type counting struct {
	Trust
	n atomic.Int32
}

func (c *counting) GetOrgTrust(ctx context.Context, msp string) (*model.OrgTrust, error) {
	c.n.Add(1)
	return c.Trust.GetOrgTrust(ctx, msp)
}

func (c *counting) CachedOrgTrust(ctx context.Context, msp string) (*model.OrgTrust, error) {
	c.n.Add(1)
	return c.Trust.CachedOrgTrust(ctx, msp)
}

func TestDescribeShowsWhoAskedForTheChallenge(t *testing.T) {
	f := newFixture(t)
	ua := "Mozilla/5.0 (X11; Linux x86_64)\x1b[2J evil\u202e\n" + strings.Repeat("x", 300)
	ch, err := f.m.CreateFor(Requester{IP: "203.0.113.7", UserAgent: ua})
	if err != nil {
		t.Fatal(err)
	}
	info, err := f.m.Describe(ch.Token)
	if err != nil {
		t.Fatal(err)
	}
	r := info.Requester
	if r.IP != "203.0.113.7" || !r.CreatedAt.Equal(f.clock().Truncate(time.Second)) || len(r.UserAgent) != MaxUserAgent ||
		!strings.HasPrefix(r.UserAgent, `Mozilla/5.0 (X11; Linux x86_64)\u001b[2J evil\u202e\nxxx`) {
		t.Fatalf("requester %+v", r)
	}
}

// Malformed proofs are refused before the ledger is read, and every refused
// proof counts: the fifth burns the challenge, even for a valid proof after it.
func TestCallbacksParseFirstAndBurnTheChallengeAfterFiveRefusals(t *testing.T) {
	f := newFixture(t)
	c := &counting{Trust: f.trust}
	f.m.trust = c
	alice, mallory := f.org1.Signer("alice"), f.org2.Signer("alice")
	ch, _ := f.m.Create()
	good := f.proof(t, ch.Token, alice, nil)
	for i, tc := range []struct {
		mod  func(*api.LoginCallbackRequest)
		code model.Code
	}{
		{func(r *api.LoginCallbackRequest) { r.CertChainPEM = "junk" }, model.CodeBadCertificate},
		{func(r *api.LoginCallbackRequest) { r.Signature = "not base64!" }, model.CodeBadSignature},
		{func(r *api.LoginCallbackRequest) { r.MSPID = "bad/msp" }, model.CodeInvalidField},
		{func(r *api.LoginCallbackRequest) { r.CertChainPEM = "" }, model.CodeInvalidField},
	} {
		r := good
		tc.mod(&r)
		if _, err := f.m.Approve(context.Background(), r); codeOf(err) != tc.code {
			t.Fatalf("refusal %d: %v, want %s", i+1, err, tc.code)
		}
	}
	if n := c.n.Load(); n != 0 {
		t.Fatalf("malformed callbacks read the ledger %d times", n)
	}
	bad := f.proof(t, ch.Token, mallory, nil) // well-formed: needs the ledger, refused there
	if _, err := f.m.Approve(context.Background(), bad); codeOf(err) != model.CodeUntrustedChain || c.n.Load() != 1 {
		t.Fatalf("fifth refusal: %v, %d reads", err, c.n.Load())
	}
	_, err := f.m.Approve(context.Background(), good)
	if codeOf(err) != fault.CodeLoginLocked || err.Error() != "LOGIN_LOCKED: too many refused sign-in attempts on this QR; ask for a new one" {
		t.Fatalf("a valid proof after five refusals: %v", err)
	}
	var p *fault.Error
	if _, err := f.m.Poll(ch.ChallengeID, ch.PollToken); codeOf(err) != fault.CodeLoginLocked || !asProblem(err, &p) || problem.Status(p.Code) != 409 {
		t.Fatalf("poll of a burned challenge: %v", err)
	}
	if _, err := f.m.Describe(ch.Token); codeOf(err) != fault.CodeLoginLocked {
		t.Fatalf("describe of a burned challenge: %v", err)
	}
	// Another challenge is unaffected; the ledger being down does not count.
	ch2, _ := f.m.Create()
	f.m.trust = failing{}
	for range 6 {
		if _, err := f.m.Approve(context.Background(), f.proof(t, ch2.Token, alice, nil)); codeOf(err) != fault.CodeUnavailable {
			t.Fatalf("ledger down: %v", err)
		}
	}
	f.m.trust = c
	if _, err := f.m.Approve(context.Background(), f.proof(t, ch2.Token, alice, nil)); err != nil {
		t.Fatalf("after the ledger came back: %v", err)
	}
}

// A session is re-checked against its org's CRLs on every use (Trust
// answers them; the relay's answers are cached by relay/service): revoked →
// 401 SESSION_REVOKED and the session is gone.
func TestSessionsEndWhenTheCertificateIsRevoked(t *testing.T) {
	f := newFixture(t)
	c := &counting{Trust: f.trust}
	f.m.trust = c
	alice := f.org1.Signer("alice")
	ch, _ := f.m.Create()
	if _, err := f.m.Approve(context.Background(), f.proof(t, ch.Token, alice, nil)); err != nil {
		t.Fatal(err)
	}
	r, err := f.m.Poll(ch.ChallengeID, ch.PollToken)
	if err != nil {
		t.Fatal(err)
	}
	tok := r.Session.Token
	if _, err := f.m.Check(context.Background(), tok); err != nil || c.n.Load() != 2 {
		t.Fatalf("fresh session: %v (%d trust reads, want the callback's and the check's)", err, c.n.Load())
	}
	serial := alice.Cert.SerialNumber.Text(16)
	f.trust["Org1MSP"].CRLs = []model.CRLInfo{{CAFingerprint: payload.Fingerprint(f.org1.Cert.Raw), Number: "8", RevokedSerials: []string{serial}}}
	_, err = f.m.Check(context.Background(), tok)
	var p *fault.Error
	if codeOf(err) != fault.CodeSessionRevoked || !asProblem(err, &p) || problem.Status(p.Code) != 401 ||
		p.Detail != "the certificate this session signed in with was revoked (certificate serial "+serial+" (alice) is on CRL 8 of Org1MSP); sign in again with a valid one" {
		t.Fatalf("after the CRL: %v", err)
	}
	if _, err := f.m.Check(context.Background(), tok); codeOf(err) != fault.CodeUnauthorized {
		t.Fatalf("the revoked session lives on: %v", err)
	}
	// The ledger unreadable: 503, never a pass.
	ch, _ = f.m.Create()
	bob := f.org1.Signer("bob")
	f.m.Approve(context.Background(), f.proof(t, ch.Token, bob, nil))
	r, _ = f.m.Poll(ch.ChallengeID, ch.PollToken)
	f.m.trust = failing{}
	if _, err := f.m.Check(context.Background(), r.Session.Token); codeOf(err) != fault.CodeUnavailable {
		t.Fatalf("ledger down: %v", err)
	}
}

func asProblem(err error, p **fault.Error) bool {
	q, ok := err.(*fault.Error)
	*p = q
	return ok
}

// gated is a Trust whose reads wait for release: callbacks pile up in
// verification at once.
type gated struct {
	Trust
	n       atomic.Int32
	release chan struct{}
}

func (g *gated) GetOrgTrust(ctx context.Context, msp string) (*model.OrgTrust, error) {
	g.n.Add(1)
	<-g.release
	return g.Trust.GetOrgTrust(ctx, msp)
}

// Parallel bad callbacks cannot all reach the ledger: refused ones plus
// those being verified stay under the cap, the rest are told at once to
// retry (LOGIN_BUSY: those in flight may yet pass).
func TestParallelBadCallbacksReachTheLedgerAtMostTheCap(t *testing.T) {
	f := newFixture(t)
	g := &gated{Trust: f.trust, release: make(chan struct{})}
	f.m.trust = g
	ch, _ := f.m.Create()
	bad := f.proof(t, ch.Token, f.org2.Signer("alice"), nil) // well-formed: needs the ledger, refused there
	const n = 20
	errs := make(chan error, n)
	for range n {
		go func() { _, err := f.m.Approve(context.Background(), bad); errs <- err }()
	}
	busy := 0
	for range n - f.m.opt.MaxFailures { // those over the cap come back without waiting for the ledger
		if err := <-errs; codeOf(err) == fault.CodeLoginBusy {
			busy++
		}
	}
	close(g.release)
	for range f.m.opt.MaxFailures {
		if err := <-errs; codeOf(err) != model.CodeUntrustedChain {
			t.Errorf("a verified bad callback: %v", err)
		}
	}
	if reads := int(g.n.Load()); reads != f.m.opt.MaxFailures || busy != n-f.m.opt.MaxFailures {
		t.Fatalf("%d ledger reads and %d busy of %d callbacks; want %d reads", reads, busy, n, f.m.opt.MaxFailures)
	}
	// The cap's refusals burned the challenge: now it is locked.
	if _, err := f.m.Approve(context.Background(), bad); codeOf(err) != fault.CodeLoginLocked {
		t.Fatalf("after %d refusals: %v", f.m.opt.MaxFailures, err)
	}
}
