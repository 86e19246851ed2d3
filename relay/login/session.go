package login

import (
	"crypto/sha256"
	"encoding/base64"
	"strings"
	"time"

	"github.com/qrsign/qrsign/chaincode/certchain"
	"github.com/qrsign/qrsign/relay/api"
	"github.com/qrsign/qrsign/relay/fault"
)

// SessionPrefix starts every session token, so the relay tells a session
// from an API key without a lookup (and refuses it where keys are needed).
const SessionPrefix = "qls_"

// Session is a signed-in desktop's bearer token and whose records it reads.
// Token is set only in the poll answer that hands the session out.
type Session struct {
	api.LoginSession
	// links are the serials and issuing CAs of the chain that signed in:
	// each use re-checks them against the org's ledger CRLs (Check).
	links []certchain.Link
}

// IsSessionToken says whether a bearer value is shaped like a session token.
func IsSessionToken(s string) bool { return strings.HasPrefix(s, SessionPrefix) }

func (m *Manager) newSessionLocked(signer api.LoginSigner, links []certchain.Link, notAfter, now time.Time) (*Session, error) {
	if len(m.sessions) >= m.opt.MaxPending {
		m.sweepLocked(now)
		if len(m.sessions) >= m.opt.MaxPending {
			p := fault.New(fault.CodeLoginBusy, "too many sign-in sessions are open on this relay; retry shortly")
			p.RetryAfter = 5
			return nil, p
		}
	}
	tok := SessionPrefix + base64.RawURLEncoding.EncodeToString(randBytes(32))
	exp := now.Add(m.opt.SessionTTL).Truncate(time.Second)
	if !notAfter.IsZero() && notAfter.Before(exp) {
		exp = notAfter // a session ends with the certificate it signed in with
	}
	s := &Session{LoginSession: api.LoginSession{Signer: signer, ExpiresAt: exp}, links: links}
	m.sessions[sha256.Sum256([]byte(tok))] = s
	out := *s
	out.Token = tok
	return &out, nil
}

// Authenticate returns the live session of tok (401 UNAUTHORIZED otherwise).
func (m *Manager) Authenticate(tok string) (Session, error) {
	now := m.now()
	k := sha256.Sum256([]byte(tok))
	m.mu.Lock()
	defer m.mu.Unlock()
	s, ok := m.sessions[k]
	if !ok || !IsSessionToken(tok) {
		return Session{}, ErrNoSession()
	}
	if !now.Before(s.ExpiresAt) {
		delete(m.sessions, k)
		return Session{}, ErrNoSession()
	}
	return *s, nil
}

// Logout ends the session of tok; 401 when it is not live.
func (m *Manager) Logout(tok string) (Session, error) {
	s, err := m.Authenticate(tok)
	if err != nil {
		return s, err
	}
	m.mu.Lock()
	delete(m.sessions, sha256.Sum256([]byte(tok)))
	m.mu.Unlock()
	return s, nil
}

// Scope refuses a session reading another signer's data (403 SESSION_SCOPE).
func (s Session) Scope(mspID, signerID string) error {
	if s.Signer.MSPID != mspID || s.Signer.ID != signerID {
		return ErrScope("this sign-in session reads only the records of " + s.Signer.Key())
	}
	return nil
}
