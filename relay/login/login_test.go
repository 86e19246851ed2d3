package login

import (
	"context"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/chaincode/payload"
	"github.com/qrsign/qrsign/chaincode/sigalg"
	"github.com/qrsign/qrsign/chaincode/testpki"
	"github.com/qrsign/qrsign/relay/api"
	"github.com/qrsign/qrsign/relay/fault"
	"github.com/qrsign/qrsign/relay/ledger"
	"github.com/qrsign/qrsign/relay/login/proof"
	"github.com/qrsign/qrsign/relay/problem"
)

type trustMap map[string]*model.OrgTrust

func (t trustMap) GetOrgTrust(_ context.Context, msp string) (*model.OrgTrust, error) {
	if o, ok := t[msp]; ok {
		cp := *o // what the ledger answered then: later changes to the map are later ledger states
		return &cp, nil
	}
	return &model.OrgTrust{MSPID: msp}, nil
}

func (t trustMap) CachedOrgTrust(ctx context.Context, msp string) (*model.OrgTrust, error) {
	return t.GetOrgTrust(ctx, msp)
}

type fixture struct {
	m          *Manager
	org1, org2 *testpki.CA
	trust      trustMap
	mu         sync.Mutex
	now        time.Time
}

func caPEM(c *x509.Certificate) string {
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw}))
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	return newFixtureAt(t, time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC))
}

// newFixtureAt starts the test's clock at now, the CAs valid from an hour
// before it to a day after.
func newFixtureAt(t *testing.T, now time.Time) *fixture {
	t.Helper()
	f := &fixture{org1: testpki.NewCA("Org1 CA", now.Add(-time.Hour), now.Add(24*time.Hour)),
		org2: testpki.NewCA("Org2 CA", now.Add(-time.Hour), now.Add(24*time.Hour)), now: now}
	f.trust = trustMap{
		"Org1MSP": {MSPID: "Org1MSP", CAs: []model.SignerCA{{Fingerprint: payload.Fingerprint(f.org1.Cert.Raw), CertPEM: caPEM(f.org1.Cert)}}},
		"Org2MSP": {MSPID: "Org2MSP", CAs: []model.SignerCA{{Fingerprint: payload.Fingerprint(f.org2.Cert.Raw), CertPEM: caPEM(f.org2.Cert)}}},
	}
	m, err := New([]byte(strings.Repeat("k", 32)), f.trust, Options{PublicURL: "http://relay.test", Channel: "qrsign",
		MSPID: "Org1MSP", ChallengeTTL: 2 * time.Minute, SessionTTL: 15 * time.Minute, MaxPending: 100, Now: f.clock})
	if err != nil {
		t.Fatal(err)
	}
	f.m = m
	return f
}

func (f *fixture) clock() time.Time { f.mu.Lock(); defer f.mu.Unlock(); return f.now }
func (f *fixture) advance(d time.Duration) {
	f.mu.Lock()
	f.now = f.now.Add(d)
	f.mu.Unlock()
}

// proof signs the challenge of tok as s would, with fields changed by mod.
func (f *fixture) proof(t *testing.T, tok string, s *testpki.Signer, mod func(*payload.Fields)) api.LoginCallbackRequest {
	t.Helper()
	info, err := f.m.Describe(tok)
	if err != nil {
		t.Fatal(err)
	}
	fl := payload.Fields{Purpose: payload.PurposeLogin, Channel: info.Channel, DocumentID: info.ChallengeID,
		DocumentSHA256: info.SHA256, Nonce: info.Nonce, SignerFingerprint: payload.Fingerprint(s.Cert.Raw)}
	if mod != nil {
		mod(&fl)
	}
	msg, err := payload.Build(fl)
	if err != nil {
		t.Fatal(err)
	}
	sig, err := sigalg.Sign(model.AlgECDSAP256DER, s.Key, msg)
	if err != nil {
		t.Fatal(err)
	}
	return api.LoginCallbackRequest{Token: tok, CertChainPEM: s.CertPEM, Signature: base64.StdEncoding.EncodeToString(sig),
		Algorithm: model.AlgECDSAP256DER}
}

func codeOf(err error) model.Code {
	var p *fault.Error
	if errors.As(err, &p) {
		return p.Code
	}
	return ""
}

func TestApproveRefuses(t *testing.T) {
	f := newFixture(t)
	alice := f.org1.Signer("alice")
	revoked := f.org1.Signer("rob")
	f.trust["Org1MSP"].CRLs = []model.CRLInfo{{CAFingerprint: payload.Fingerprint(f.org1.Cert.Raw), Number: "7",
		RevokedSerials: []string{revoked.Cert.SerialNumber.Text(16)}}}
	mallory := f.org2.Signer("alice") // right CN, another org's CA
	tests := []struct {
		name   string
		req    func(tok string) api.LoginCallbackRequest
		status int
		code   model.Code
		detail string
	}{
		{"a forged token is TOKEN_INVALID", func(tok string) api.LoginCallbackRequest {
			r := f.proof(t, tok, alice, nil)
			// A character inside the tag (the last one carries padding bits).
			i := len(tok) - 10
			c := "A"
			if tok[i] == 'A' {
				c = "B"
			}
			r.Token = tok[:i] + c + tok[i+1:]
			return r
		}, 401, fault.CodeTokenInvalid, "the sign-in token is not valid"},
		{"a signature over the sign purpose is BAD_SIGNATURE", func(tok string) api.LoginCallbackRequest {
			return f.proof(t, tok, alice, func(p *payload.Fields) { p.Purpose = payload.PurposeSign })
		}, 422, model.CodeBadSignature, ""},
		{"a signature for another relay's digest is BAD_SIGNATURE", func(tok string) api.LoginCallbackRequest {
			return f.proof(t, tok, alice, func(p *payload.Fields) { p.DocumentSHA256 = proof.Digest("http://evil.test", p.DocumentID) })
		}, 422, model.CodeBadSignature, ""},
		{"a certificate from another org's CA is UNTRUSTED_CHAIN", func(tok string) api.LoginCallbackRequest {
			return f.proof(t, tok, mallory, nil)
		}, 422, model.CodeUntrustedChain, ""},
		{"a revoked certificate is CERT_REVOKED", func(tok string) api.LoginCallbackRequest {
			return f.proof(t, tok, revoked, nil)
		}, 422, model.CodeCertRevoked, fmt.Sprintf("certificate serial %s (rob) is on CRL 7 of Org1MSP", revoked.Cert.SerialNumber.Text(16))},
		{"a chain that is not PEM is BAD_CERTIFICATE", func(tok string) api.LoginCallbackRequest {
			r := f.proof(t, tok, alice, nil)
			r.CertChainPEM = "junk"
			return r
		}, 422, model.CodeBadCertificate, "certChainPem holds data outside PEM blocks"},
		{"a signature that is not base64 is BAD_SIGNATURE", func(tok string) api.LoginCallbackRequest {
			r := f.proof(t, tok, alice, nil)
			r.Signature = "***"
			return r
		}, 422, model.CodeBadSignature, "signature is not standard base64"},
		{"an unknown algorithm is UNKNOWN_ALGORITHM", func(tok string) api.LoginCallbackRequest {
			r := f.proof(t, tok, alice, nil)
			r.Algorithm = "RSA"
			return r
		}, 422, model.CodeUnknownAlgorithm, ""},
		{"a bad mspId is INVALID_FIELD", func(tok string) api.LoginCallbackRequest {
			r := f.proof(t, tok, alice, nil)
			r.MSPID = "no spaces"
			return r
		}, 400, model.CodeInvalidField, `mspId "no spaces" is not a valid MSP id`},
		{"an org that registered no CA is UNTRUSTED_CHAIN", func(tok string) api.LoginCallbackRequest {
			r := f.proof(t, tok, alice, nil)
			r.MSPID = "Org9MSP"
			return r
		}, 422, model.CodeUntrustedChain, "the org has registered no signer CA"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ch, err := f.m.Create()
			if err != nil {
				t.Fatal(err)
			}
			_, err = f.m.Approve(context.Background(), tc.req(ch.Token))
			var p *fault.Error
			if !errors.As(err, &p) || p.Code != tc.code || problem.Status(p.Code) != tc.status {
				t.Fatalf("got %v, want %s (%d)", err, tc.code, tc.status)
			}
			if tc.detail != "" && p.Detail != tc.detail {
				t.Fatalf("detail %q, want %q", p.Detail, tc.detail)
			}
			// Nothing was approved: the right signer can still sign in.
			if _, err := f.m.Approve(context.Background(), f.proof(t, ch.Token, alice, nil)); err != nil {
				t.Fatalf("the challenge is spent after a refused callback: %v", err)
			}
		})
	}
}

func TestExpiredCertificateIsRefused(t *testing.T) {
	f := newFixture(t)
	alice := f.org1.Signer("alice") // valid now-1h .. now+24h
	f.advance(25 * time.Hour)       // past the leaf's NotAfter
	ch, err := f.m.Create()
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.m.Approve(context.Background(), f.proof(t, ch.Token, alice, nil))
	if codeOf(err) != model.CodeCertExpired {
		t.Fatalf("got %v, want CERT_EXPIRED", err)
	}
}

// Sign-in judges certificates and tokens at the manager's clock alone: the
// same steps give the same answers in 1999 and in 2199, whatever today is.
func TestSignInIsTheSameOnAnyDate(t *testing.T) {
	for _, now := range []time.Time{time.Date(1999, 3, 1, 8, 0, 0, 0, time.UTC), time.Date(2199, 3, 1, 8, 0, 0, 0, time.UTC)} {
		t.Run(now.Format("2006"), func(t *testing.T) {
			f := newFixtureAt(t, now)
			alice := f.org1.Signer("alice")
			ch, err := f.m.Create()
			if err != nil {
				t.Fatal(err)
			}
			if got, err := f.m.Approve(context.Background(), f.proof(t, ch.Token, alice, nil)); err != nil || got.Signer.ID != "alice" {
				t.Fatalf("approve: %+v, %v", got, err)
			}
			f.advance(25 * time.Hour) // past the certificate's NotAfter
			ch, err = f.m.Create()
			if err != nil {
				t.Fatal(err)
			}
			if _, err := f.m.Approve(context.Background(), f.proof(t, ch.Token, alice, nil)); codeOf(err) != model.CodeCertExpired {
				t.Fatalf("a day later: %v, want CERT_EXPIRED", err)
			}
		})
	}
}

func TestChallengeLifecycle(t *testing.T) {
	f := newFixture(t)
	alice := f.org1.Signer("alice")
	ch, err := f.m.Create()
	if err != nil {
		t.Fatal(err)
	}
	if ch.URL != "http://relay.test/l/"+ch.Token || len(ch.MatchCode) != 6 || !ch.ExpiresAt.Equal(f.clock().Add(2*time.Minute).Truncate(time.Second)) {
		t.Fatalf("challenge %+v", ch)
	}
	if r, err := f.m.Poll(ch.ChallengeID, ch.PollToken); err != nil || r.Status != "pending" || r.Session != nil {
		t.Fatalf("poll before signing: %+v, %v", r, err)
	}
	if _, err := f.m.Poll(ch.ChallengeID, "qlp_wrong"); codeOf(err) != fault.CodeUnauthorized {
		t.Fatalf("poll with a wrong token: %v", err)
	}
	info, err := f.m.Describe(ch.Token)
	if err != nil {
		t.Fatal(err)
	}
	if info.SHA256 != proof.Digest("http://relay.test", ch.ChallengeID) || info.CallbackURL != "http://relay.test/v1/callbacks/login" || info.Channel != "qrsign" {
		t.Fatalf("info %+v", info)
	}
	req := f.proof(t, ch.Token, alice, nil)
	got, err := f.m.Approve(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if got.Signer != (api.LoginSigner{MSPID: "Org1MSP", ID: "alice"}) || got.ChallengeID != ch.ChallengeID {
		t.Fatalf("approved %+v", got)
	}
	if _, err := f.m.Approve(context.Background(), req); codeOf(err) != model.CodeNonceReused {
		t.Fatalf("replayed callback: %v, want NONCE_REUSED", err)
	}
	if _, err := f.m.Describe(ch.Token); codeOf(err) != model.CodeNonceReused {
		t.Fatalf("describe after use: %v, want NONCE_REUSED", err)
	}
	r, err := f.m.Poll(ch.ChallengeID, ch.PollToken)
	if err != nil || r.Status != "approved" || r.Session == nil || !IsSessionToken(r.Session.Token) || r.Session.Signer.Key() != "Org1MSP/alice" {
		t.Fatalf("poll after signing: %+v, %v", r, err)
	}
	if _, err := f.m.Poll(ch.ChallengeID, ch.PollToken); codeOf(err) != model.CodeNonceReused {
		t.Fatalf("second poll: %v, want NONCE_REUSED (handed out once)", err)
	}
	s, err := f.m.Authenticate(r.Session.Token)
	if err != nil || s.Scope("Org1MSP", "alice") != nil {
		t.Fatalf("session: %+v %v", s, err)
	}
	if err := s.Scope("Org1MSP", "bob"); codeOf(err) != fault.CodeSessionScope || err.Error() != "SESSION_SCOPE: this sign-in session reads only the records of Org1MSP/alice" {
		t.Fatalf("scope: %v", err)
	}
	if _, err := f.m.Logout(r.Session.Token); err != nil {
		t.Fatal(err)
	}
	if _, err := f.m.Authenticate(r.Session.Token); codeOf(err) != fault.CodeUnauthorized {
		t.Fatalf("after logout: %v", err)
	}
}

func TestExpiry(t *testing.T) {
	f := newFixture(t)
	alice := f.org1.Signer("alice")
	t.Run("an expired challenge is TOKEN_EXPIRED to scanner and desktop", func(t *testing.T) {
		ch, _ := f.m.Create()
		req := f.proof(t, ch.Token, alice, nil)
		f.advance(2 * time.Minute)
		if _, err := f.m.Approve(context.Background(), req); codeOf(err) != fault.CodeTokenExpired {
			t.Fatalf("callback: %v", err)
		}
		if _, err := f.m.Poll(ch.ChallengeID, ch.PollToken); codeOf(err) != fault.CodeTokenExpired {
			t.Fatalf("poll: %v", err)
		}
	})
	t.Run("a session expires after its TTL", func(t *testing.T) {
		ch, _ := f.m.Create()
		if _, err := f.m.Approve(context.Background(), f.proof(t, ch.Token, alice, nil)); err != nil {
			t.Fatal(err)
		}
		r, err := f.m.Poll(ch.ChallengeID, ch.PollToken)
		if err != nil {
			t.Fatal(err)
		}
		f.advance(15*time.Minute - time.Second)
		if _, err := f.m.Authenticate(r.Session.Token); err != nil {
			t.Fatalf("before expiry: %v", err)
		}
		f.advance(time.Second)
		if _, err := f.m.Authenticate(r.Session.Token); codeOf(err) != fault.CodeUnauthorized {
			t.Fatalf("after expiry: %v", err)
		}
	})
	t.Run("a token of another relay key is TOKEN_INVALID", func(t *testing.T) {
		other, _ := New([]byte(strings.Repeat("x", 32)), f.trust, f.m.opt)
		ch, _ := other.Create()
		if _, err := f.m.Describe(ch.Token); codeOf(err) != fault.CodeTokenInvalid {
			t.Fatalf("describe: %v", err)
		}
	})
}

func TestConcurrentCallbacksApproveOnce(t *testing.T) {
	f := newFixture(t)
	alice := f.org1.Signer("alice")
	ch, _ := f.m.Create()
	req := f.proof(t, ch.Token, alice, nil)
	const n = 32
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = f.m.Approve(context.Background(), req)
		}()
	}
	wg.Wait()
	ok, refused := 0, 0
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case codeOf(err) == model.CodeNonceReused, codeOf(err) == fault.CodeLoginBusy: // busy: over the in-flight cap, retry
			refused++
		default:
			t.Fatalf("unexpected %v", err) // never LOGIN_LOCKED: no callback was refused
		}
	}
	if ok != 1 || refused != n-1 {
		t.Fatalf("%d succeeded, %d NONCE_REUSED or LOGIN_BUSY; want exactly 1 and %d", ok, refused, n-1)
	}
	// A retry after the approval is NONCE_REUSED.
	if _, err := f.m.Approve(context.Background(), req); codeOf(err) != model.CodeNonceReused {
		t.Fatalf("a retry after the approval: %v", err)
	}
}

func TestLedgerTroubleIsUnavailable(t *testing.T) {
	f := newFixture(t)
	f.m.trust = failing{}
	ch, _ := f.m.Create()
	_, err := f.m.Approve(context.Background(), f.proof(t, ch.Token, f.org1.Signer("alice"), nil))
	if codeOf(err) != fault.CodeUnavailable {
		t.Fatalf("got %v", err)
	}
}

type failing struct{}

func (failing) GetOrgTrust(context.Context, string) (*model.OrgTrust, error) {
	return nil, ledger.Unavailable("GetOrgTrust", "", errors.New("connection refused"))
}

func (f failing) CachedOrgTrust(ctx context.Context, msp string) (*model.OrgTrust, error) {
	return f.GetOrgTrust(ctx, msp)
}

func TestChallengeCap(t *testing.T) {
	f := newFixture(t)
	f.m.opt.MaxPending = 2
	for range 2 {
		if _, err := f.m.Create(); err != nil {
			t.Fatal(err)
		}
	}
	_, err := f.m.Create()
	var p *fault.Error
	if !errors.As(err, &p) || p.Code != fault.CodeLoginBusy || problem.Status(p.Code) != 503 || p.RetryAfter != 5 {
		t.Fatalf("got %v", err)
	}
	f.advance(2 * time.Minute) // the two expire and are swept
	if _, err := f.m.Create(); err != nil {
		t.Fatalf("after expiry: %v", err)
	}
}
