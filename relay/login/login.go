package login

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/qrsign/qrsign/chaincode/certchain"
	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/relay/ledger"
	"github.com/qrsign/qrsign/relay/login/proof"
	"github.com/qrsign/qrsign/relay/problem"
	"github.com/qrsign/qrsign/relay/session"
)

// Options configure a Manager.
type Options struct {
	PublicURL    string // the relay's public URL: login URLs and the digest use it
	Channel      string // bound into the signed payload
	MSPID        string // the org a proof's chain must lead to when the proof names none
	ChallengeTTL time.Duration
	SessionTTL   time.Duration
	MaxPending   int // challenges (and, separately, sessions) held at most
	Now          func() time.Time
	Log          *slog.Logger
}

// Manager holds challenges and sessions in memory (see the package comment).
type Manager struct {
	opt   Options
	key   []byte
	trust Trust

	mu         sync.Mutex
	challenges map[string]*challenge // by id
	sessions   map[[32]byte]*Session // by SHA-256 of the token
}

type state int

const (
	pending  state = iota
	approved       // signed by a signer; the session is not handed out yet
	consumed       // the session was handed out
)

type challenge struct {
	id, nonce, matchCode string
	url                  string // what its QR carries
	expires              time.Time
	pollHash             [32]byte
	state                state
	signer               Signer
}

// New returns a manager signing challenge tokens with a key derived from
// relayKey (the relay's token key, at least 32 bytes).
func New(relayKey []byte, trust Trust, opt Options) (*Manager, error) {
	if len(relayKey) < 32 {
		return nil, errors.New("login: key must be at least 32 bytes")
	}
	if opt.ChallengeTTL <= 0 || opt.SessionTTL <= 0 || opt.MaxPending <= 0 {
		return nil, errors.New("login: ChallengeTTL, SessionTTL and MaxPending must be positive")
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Log == nil {
		opt.Log = slog.Default()
	}
	return &Manager{opt: opt, key: tokenKey(relayKey), trust: trust,
		challenges: map[string]*challenge{}, sessions: map[[32]byte]*Session{}}, nil
}

func (m *Manager) now() time.Time { return m.opt.Now().UTC() }

// Challenge is the answer of POST /v1/login/challenges.
type Challenge struct {
	ChallengeID string    `json:"challengeId"`
	Token       string    `json:"token"`
	URL         string    `json:"url"`
	QRURL       string    `json:"qrUrl"`
	MatchCode   string    `json:"matchCode"`
	ExpiresAt   time.Time `json:"expiresAt"`
	PollToken   string    `json:"pollToken"`
}

// Create starts a challenge.
func (m *Manager) Create() (*Challenge, error) {
	now := m.now()
	id, nonce, poll := randHex(16), randHex(16), "qlp_"+base64.RawURLEncoding.EncodeToString(randBytes(32))
	exp := now.Add(m.opt.ChallengeTTL).Truncate(time.Second)
	tok := signToken(m.key, claims{Challenge: id, Nonce: nonce, Expiry: exp.Unix()})
	c := &challenge{id: id, nonce: nonce, matchCode: session.MatchCode(tok), url: m.opt.PublicURL + "/l/" + tok, expires: exp,
		pollHash: sha256.Sum256([]byte(poll))}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sweepLocked(now)
	if len(m.challenges) >= m.opt.MaxPending {
		p := fail(CodeLoginBusy, http.StatusServiceUnavailable, "too many sign-in challenges are open on this relay; retry shortly")
		p.RetryAfter = 5
		return nil, p
	}
	m.challenges[id] = c
	return &Challenge{ChallengeID: id, Token: tok, URL: c.url,
		QRURL: "/v1/login/challenges/" + id + "/qr.png", MatchCode: c.matchCode, ExpiresAt: exp, PollToken: poll}, nil
}

// sweepLocked drops expired challenges and sessions.
func (m *Manager) sweepLocked(now time.Time) {
	for id, c := range m.challenges {
		// An approved challenge waits one more TTL for its desktop's poll.
		if !now.Before(c.expires) && (c.state != approved || !now.Before(c.expires.Add(m.opt.ChallengeTTL))) {
			delete(m.challenges, id)
		}
	}
	for k, s := range m.sessions {
		if !now.Before(s.ExpiresAt) {
			delete(m.sessions, k)
		}
	}
}

// QRContent is what the QR of a pending challenge carries (its login URL)
// and its match code: 404 NOT_FOUND when unknown or expired, 409
// NONCE_REUSED once signed.
func (m *Manager) QRContent(challengeID string) (url, matchCode string, err error) {
	now := m.now()
	m.mu.Lock()
	defer m.mu.Unlock()
	ch, ok := m.challenges[challengeID]
	switch {
	case !ok || !now.Before(ch.expires):
		return "", "", problem.New(problem.CodeNotFound, "no such open sign-in challenge on this relay (it may have expired)")
	case ch.state != pending:
		return "", "", problem.New(model.CodeNonceReused, "this sign-in QR was already used")
	}
	return ch.url, ch.matchCode, nil
}

// Info is the answer of GET /v1/login/{token}: what a scanner needs to
// build the payload it signs.
type Info struct {
	ChallengeID string    `json:"challengeId"`
	Channel     string    `json:"channel"`
	RelayURL    string    `json:"relayUrl"`
	MatchCode   string    `json:"matchCode"`
	ExpiresAt   time.Time `json:"expiresAt"`
	Nonce       string    `json:"nonce"`
	SHA256      string    `json:"sha256"`
	CallbackURL string    `json:"callbackUrl"`
	MSPID       string    `json:"mspId"` // the org whose signer CAs a proof must lead to unless it names another
}

// lookup verifies tok and finds its pending challenge: 401 TOKEN_INVALID,
// 410 TOKEN_EXPIRED (also when this relay no longer knows it), 409
// NONCE_REUSED once signed.
func (m *Manager) lookup(tok string) (*challenge, error) {
	c, err := verifyToken(m.key, tok, m.now())
	switch {
	case errors.Is(err, errExpired):
		return nil, problem.Newf(problem.CodeTokenExpired, "the sign-in QR expired at %s; ask for a new one",
			time.Unix(c.Expiry, 0).UTC().Format(time.RFC3339))
	case err != nil:
		return nil, problem.New(problem.CodeTokenInvalid, "the sign-in token is not valid").WithCause(err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	ch, ok := m.challenges[c.Challenge]
	if !ok || ch.nonce != c.Nonce {
		return nil, problem.New(problem.CodeTokenExpired, "this relay no longer knows the sign-in challenge (it restarted or another replica issued it); ask for a new QR")
	}
	if ch.state != pending {
		return nil, problem.New(model.CodeNonceReused, "this sign-in QR was already used")
	}
	cp := *ch
	return &cp, nil
}

// Describe answers GET /v1/login/{token}.
func (m *Manager) Describe(tok string) (*Info, error) {
	c, err := m.lookup(tok)
	if err != nil {
		return nil, err
	}
	return &Info{ChallengeID: c.id, Channel: m.opt.Channel, RelayURL: m.opt.PublicURL, MatchCode: c.matchCode,
		ExpiresAt: c.expires, Nonce: c.nonce, SHA256: proof.Digest(m.opt.PublicURL, c.id),
		CallbackURL: m.opt.PublicURL + "/v1/callbacks/login", MSPID: m.opt.MSPID}, nil
}

// CallbackRequest is the body of POST /v1/callbacks/login. MSPID is
// optional (default: the relay's org).
type CallbackRequest struct {
	Token        string          `json:"token"`
	CertChainPEM string          `json:"certChainPem"`
	Signature    string          `json:"signature"`
	Algorithm    model.Algorithm `json:"algorithm"`
	MSPID        string          `json:"mspId,omitempty"`
}

// Approved is the answer of a login callback.
type Approved struct {
	ChallengeID string `json:"challengeId"`
	Signer      Signer `json:"signer"`
}

// Approve verifies a login proof and approves its challenge, once: of
// concurrent valid callbacks exactly one succeeds, the others get 409.
func (m *Manager) Approve(ctx context.Context, req CallbackRequest) (*Approved, error) {
	c, err := m.lookup(req.Token)
	if err != nil {
		return nil, err
	}
	msp := req.MSPID
	if msp == "" {
		msp = m.opt.MSPID
	}
	if !model.ValidID(msp) {
		return nil, problem.Newf(model.CodeInvalidField, "mspId %q is not a valid MSP id", certchain.Clip(msp))
	}
	trust, err := m.trust.GetOrgTrust(ctx, msp)
	if err != nil {
		return nil, ledgerProblem(err)
	}
	f := proof.Fields(m.opt.Channel, m.opt.PublicURL, c.id, c.nonce, "")
	v, err := verifyProof(m.now(), trust, Proof{MSPID: msp, CertChainPEM: req.CertChainPEM, Signature: req.Signature,
		Algorithm: req.Algorithm}, f)
	if err != nil {
		return nil, problem.From(err)
	}
	signer := Signer{MSPID: msp, ID: v.leaf.Subject.CommonName}
	m.mu.Lock()
	defer m.mu.Unlock()
	ch, ok := m.challenges[c.id]
	switch {
	case !ok || !m.now().Before(ch.expires):
		return nil, problem.New(problem.CodeTokenExpired, "the sign-in challenge expired while it was being verified; ask for a new QR")
	case ch.state != pending:
		return nil, problem.New(model.CodeNonceReused, "this sign-in QR was already used")
	}
	ch.state, ch.signer = approved, signer
	return &Approved{ChallengeID: c.id, Signer: signer}, nil
}

// PollResult is the answer of the desktop's poll.
type PollResult struct {
	Status  string   `json:"status"` // pending | approved
	Session *Session `json:"session,omitempty"`
}

// Poll answers the desktop holding pollToken: pending, or approved with a
// new session (handed out once; 409 NONCE_REUSED after), 410 once expired,
// 401 with a wrong poll token, 404 for an unknown challenge.
func (m *Manager) Poll(challengeID, pollToken string) (*PollResult, error) {
	now := m.now()
	m.mu.Lock()
	defer m.mu.Unlock()
	ch, ok := m.challenges[challengeID]
	if !ok {
		return nil, problem.New(problem.CodeNotFound, "no such sign-in challenge on this relay (it may have expired)")
	}
	h := sha256.Sum256([]byte(pollToken))
	if pollToken == "" || h != ch.pollHash {
		return nil, problem.New(problem.CodeUnauthorized, "the poll token of this challenge is required (Authorization: Bearer <pollToken>)")
	}
	switch {
	case ch.state == consumed:
		return nil, problem.New(model.CodeNonceReused, "the session of this sign-in was already handed out")
	case ch.state == approved:
		// Handed out even when the challenge expired since approval: the signer did sign in time.
	case !now.Before(ch.expires):
		return nil, problem.Newf(problem.CodeTokenExpired, "the sign-in challenge expired at %s", ch.expires.Format(time.RFC3339))
	default:
		return &PollResult{Status: "pending"}, nil
	}
	ch.state = consumed
	s, err := m.newSessionLocked(ch.signer, now)
	if err != nil {
		return nil, err
	}
	return &PollResult{Status: "approved", Session: s}, nil
}

func randBytes(n int) []byte {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("login: crypto/rand: %v", err)) // never happens on supported platforms
	}
	return b
}

func randHex(n int) string { return hex.EncodeToString(randBytes(n)) }

// Signer is who signed in: the org and the CN of the certificate its CA issued.
type Signer struct {
	MSPID string `json:"mspId"`
	ID    string `json:"id"`
}

// Key is "mspId/id".
func (s Signer) Key() string { return s.MSPID + "/" + s.ID }

// ledgerProblem: a chaincode refusal keeps its code; anything else is 503.
func ledgerProblem(err error) error {
	if code, ok := ledger.CodeOf(err); ok {
		var me *model.Error
		msg := err.Error()
		if errors.As(err, &me) {
			msg = me.Message
		}
		return problem.New(code, msg).WithCause(err)
	}
	p := problem.New(problem.CodeUnavailable, "the ledger cannot be read now; retry").WithCause(err)
	p.RetryAfter = 2
	return p
}
