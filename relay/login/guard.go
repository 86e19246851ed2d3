package login

import (
	"context"
	"crypto/sha256"
	"errors"

	"github.com/qrsign/qrsign/chaincode/certchain"
	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/relay/api"
	"github.com/qrsign/qrsign/relay/fault"
	"github.com/qrsign/qrsign/relay/login/proof"
)

func errLocked() *fault.Error {
	return fault.New(fault.CodeLoginLocked, "too many refused sign-in attempts on this QR; ask for a new one")
}

func unavailable(err error) bool {
	var p *fault.Error
	return errors.As(err, &p) && p.Code == fault.CodeUnavailable
}

// verifyCallback checks a callback for challenge c: cheap checks first, then
// the org's trust read from the ledger.
func (m *Manager) verifyCallback(ctx context.Context, c *challenge, req api.LoginCallbackRequest) (verified, error) {
	msp := req.MSPID
	if msp == "" {
		msp = m.opt.MSPID
	}
	if !model.ValidID(msp) {
		return verified{}, fault.Newf(model.CodeInvalidField, "mspId %q is not a valid MSP id", certchain.Clip(msp))
	}
	now := m.now()
	pp, err := parseProof(now, Proof{MSPID: msp, CertChainPEM: req.CertChainPEM, Signature: req.Signature, Algorithm: req.Algorithm})
	if err != nil {
		return verified{}, fault.From(err)
	}
	trust, err := m.trust.GetOrgTrust(ctx, msp)
	if err != nil {
		return verified{}, ledgerProblem(err)
	}
	v, err := verifyProof(now, trust, pp, proof.Fields(m.opt.Channel, m.opt.PublicURL, c.id, c.nonce, ""))
	if err != nil {
		return verified{}, fault.From(err)
	}
	v.msp = msp
	return v, nil
}

// attempt reserves one verification of a callback for challenge id: the
// refused callbacks so far plus those being verified stay under MaxFailures,
// so parallel bad callbacks cannot all reach the ledger past the cap. A
// callback over the cap while none was refused enough to burn the challenge
// is told to retry (LOGIN_BUSY), not that the QR is locked; one for a
// challenge already approved is NONCE_REUSED without a verification.
func (m *Manager) attempt(id string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	ch, ok := m.challenges[id]
	if !ok {
		return nil // lookup's answers (expired, unknown) come later
	}
	switch {
	case ch.state == burned:
		return errLocked()
	case ch.state != pending:
		return fault.New(model.CodeNonceReused, "this sign-in QR was already used")
	case ch.failures+ch.verifying >= m.opt.MaxFailures:
		p := fault.New(fault.CodeLoginBusy, "other sign-in attempts on this QR are being verified; retry shortly")
		p.RetryAfter = 1
		return p
	}
	ch.verifying++
	return nil
}

// done ends a verification attempt; a refused one counts against the
// challenge, which MaxFailures refusals burn.
func (m *Manager) done(id string, refused bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	ch, ok := m.challenges[id]
	if !ok {
		return
	}
	ch.verifying--
	if refused && ch.state == pending {
		ch.failures++
		if ch.failures >= m.opt.MaxFailures {
			ch.state = burned
			m.opt.Log.Warn("sign-in challenge burned after refused callbacks", "challengeId", id, "failures", ch.failures)
		}
	}
}

// Check is Authenticate plus revocation: the certificate chain the session
// signed in with is checked against its org's CRLs, cached (Trust).
// Revoked → 401 SESSION_REVOKED and the session ends; the ledger unreadable
// → 503, never a pass.
func (m *Manager) Check(ctx context.Context, tok string) (Session, error) {
	s, err := m.Authenticate(tok)
	if err != nil {
		return s, err
	}
	trust, err := m.trust.CachedOrgTrust(ctx, s.Signer.MSPID)
	if err != nil {
		return Session{}, ledgerProblem(err)
	}
	if err := checkRevocation(trust, s.links); err != nil {
		m.mu.Lock()
		delete(m.sessions, sha256.Sum256([]byte(tok)))
		m.mu.Unlock()
		m.opt.Log.Warn("sign-in session ended: certificate revoked", "signer", s.Signer.Key())
		msg := err.Error()
		var me *model.Error
		if errors.As(err, &me) {
			msg = me.Message
		}
		return Session{}, fault.New(fault.CodeSessionRevoked,
			"the certificate this session signed in with was revoked ("+msg+"); sign in again with a valid one").WithCause(err)
	}
	return s, nil
}
