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
	"sync"
	"time"

	"github.com/qrsign/qrsign/chaincode/certchain"
	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/chaincode/text"
	"github.com/qrsign/qrsign/relay/api"
	"github.com/qrsign/qrsign/relay/fault"
	"github.com/qrsign/qrsign/relay/ledger"
	"github.com/qrsign/qrsign/relay/login/proof"
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
	// MaxPerClient is how many of those challenges one client key may hold
	// (default 20): else a few clients fill the table and every signer gets
	// LOGIN_BUSY for a whole TTL.
	MaxPerClient int
	// MaxFailures is how many refused callbacks burn a challenge (default 5):
	// a challenge's proof cannot be guessed, but each try costs a ledger read.
	MaxFailures int
	Now         func() time.Time
	Log         *slog.Logger
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
	burned         // too many refused callbacks: nobody signs in with it
)

type challenge struct {
	id, nonce, matchCode string
	url                  string // what its QR carries
	expires              time.Time
	pollHash             [32]byte
	state                state
	signer               api.LoginSigner
	links                []certchain.Link // of the approving certificate chain
	notAfter             time.Time        // the earliest NotAfter of that chain
	requester            api.LoginRequester
	client               string // the key it counts against (MaxPerClient); "" counts against none
	failures             int
	verifying            int // callbacks being verified now (attempt/done)
}

// MaxUserAgent is how much of a requester's User-Agent is kept.
const MaxUserAgent = 160

// clipUserAgent keeps what the scanner is shown: a browser's header is not
// refused, but every control, bidi or invisible character in it is written
// visibly (\u202e), so it can neither forge a line nor hide its end.
func clipUserAgent(ua string) string {
	ua, _ = text.EscapeClip(ua, MaxUserAgent)
	return ua
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
	if opt.MaxFailures <= 0 {
		opt.MaxFailures = 5
	}
	if opt.MaxPerClient <= 0 {
		opt.MaxPerClient = 20
	}
	return &Manager{opt: opt, key: tokenKey(relayKey), trust: trust,
		challenges: map[string]*challenge{}, sessions: map[[32]byte]*Session{}}, nil
}

func (m *Manager) now() time.Time { return m.opt.Now().UTC() }

// Create starts a challenge without a known requester.
func (m *Manager) Create() (*api.LoginChallenge, error) { return m.CreateFor(Requester{}) }

// Requester is who asks for a challenge.
type Requester struct {
	IP, UserAgent string // shown to the scanner
	Client        string // the key its MaxPerClient counts against (the rate limiters' key); "" for none
}

// CreateFor starts a challenge asked for by r: 429 RATE_LIMITED when r's
// client already holds MaxPerClient, 503 LOGIN_BUSY when the relay holds MaxPending.
func (m *Manager) CreateFor(r Requester) (*api.LoginChallenge, error) {
	ip, userAgent := r.IP, r.UserAgent
	now := m.now()
	id, nonce, poll := randHex(16), randHex(16), "qlp_"+base64.RawURLEncoding.EncodeToString(randBytes(32))
	exp := now.Add(m.opt.ChallengeTTL).Truncate(time.Second)
	tok := signToken(m.key, claims{Challenge: id, Nonce: nonce, Expiry: exp.Unix()})
	c := &challenge{id: id, nonce: nonce, matchCode: session.MatchCode(tok), url: m.opt.PublicURL + "/l/" + tok, expires: exp,
		pollHash: sha256.Sum256([]byte(poll)), requester: api.LoginRequester{IP: ip, UserAgent: clipUserAgent(userAgent), CreatedAt: now.Truncate(time.Second)},
		client: r.Client}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sweepLocked(now)
	if n, first := m.heldLocked(r.Client); n >= m.opt.MaxPerClient {
		p := fault.Newf(fault.CodeRateLimited, "this client holds %d open sign-in challenges; use one or wait for one to expire", n)
		p.RetryAfter = int((first.Sub(now) + time.Second - 1) / time.Second)
		return nil, p
	}
	if len(m.challenges) >= m.opt.MaxPending {
		p := fault.New(fault.CodeLoginBusy, "too many sign-in challenges are open on this relay; retry shortly")
		p.RetryAfter = 5
		return nil, p
	}
	m.challenges[id] = c
	return &api.LoginChallenge{ChallengeID: id, Token: tok, URL: c.url,
		QRURL: "/v1/login/challenges/" + id + "/qr.png", MatchCode: c.matchCode, ExpiresAt: exp, PollToken: poll}, nil
}

// dropAt is when the sweep drops c: an approved challenge waits one more
// TTL for its desktop's poll.
func (m *Manager) dropAt(c *challenge) time.Time {
	if c.state == approved {
		return c.expires.Add(m.opt.ChallengeTTL)
	}
	return c.expires
}

// sweepLocked drops expired challenges and sessions.
func (m *Manager) sweepLocked(now time.Time) {
	for id, c := range m.challenges {
		if !now.Before(m.dropAt(c)) {
			delete(m.challenges, id)
		}
	}
	for k, s := range m.sessions {
		if !now.Before(s.ExpiresAt) {
			delete(m.sessions, k)
		}
	}
}

// heldLocked counts the challenges held for client and says when the first
// of them is dropped. A scan like the sweep's: creation is rate-limited.
func (m *Manager) heldLocked(client string) (n int, first time.Time) {
	if client == "" {
		return 0, first
	}
	for _, c := range m.challenges {
		if c.client == client {
			if t := m.dropAt(c); n == 0 || t.Before(first) {
				first = t
			}
			n++
		}
	}
	return n, first
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
		return "", "", fault.New(fault.CodeNotFound, "no such open sign-in challenge on this relay (it may have expired)")
	case ch.state == burned:
		return "", "", errLocked()
	case ch.state != pending:
		return "", "", fault.New(model.CodeNonceReused, "this sign-in QR was already used")
	}
	return ch.url, ch.matchCode, nil
}

// lookup verifies tok and finds its pending challenge: 401 TOKEN_INVALID,
// 410 TOKEN_EXPIRED (also when this relay no longer knows it), 409
// NONCE_REUSED once signed.
func (m *Manager) lookup(tok string) (*challenge, error) {
	c, err := verifyToken(m.key, tok, m.now())
	switch {
	case errors.Is(err, errExpired):
		return nil, fault.Newf(fault.CodeTokenExpired, "the sign-in QR expired at %s; ask for a new one",
			time.Unix(c.Expiry, 0).UTC().Format(time.RFC3339))
	case err != nil:
		return nil, fault.New(fault.CodeTokenInvalid, "the sign-in token is not valid").WithCause(err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	ch, ok := m.challenges[c.Challenge]
	if !ok || ch.nonce != c.Nonce {
		return nil, fault.New(fault.CodeTokenExpired, "this relay no longer knows the sign-in challenge (it restarted or another replica issued it); ask for a new QR")
	}
	if ch.state == burned {
		return nil, errLocked()
	}
	if ch.state != pending {
		return nil, fault.New(model.CodeNonceReused, "this sign-in QR was already used")
	}
	cp := *ch
	return &cp, nil
}

// Describe answers GET /v1/login/{token}.
func (m *Manager) Describe(tok string) (*api.LoginInfo, error) {
	c, err := m.lookup(tok)
	if err != nil {
		return nil, err
	}
	return &api.LoginInfo{ChallengeID: c.id, Channel: m.opt.Channel, RelayURL: m.opt.PublicURL, MatchCode: c.matchCode,
		ExpiresAt: c.expires, Nonce: c.nonce, SHA256: proof.Digest(m.opt.PublicURL, c.id),
		CallbackURL: m.opt.PublicURL + "/v1/callbacks/login", MSPID: m.opt.MSPID, Requester: c.requester}, nil
}

// Approve verifies a login proof and approves its challenge, once: of
// concurrent valid callbacks exactly one succeeds, the others get 409.
// What needs no ledger (mspId, chain parsing, leaf use, validity, signature
// encoding) is checked before the org's trust is read; every refused proof
// counts against the challenge, which MaxFailures refusals burn (409
// LOGIN_LOCKED).
func (m *Manager) Approve(ctx context.Context, req api.LoginCallbackRequest) (*api.LoginApproved, error) {
	c, err := m.lookup(req.Token)
	if err != nil {
		return nil, err
	}
	if err := m.attempt(c.id); err != nil {
		return nil, err
	}
	v, err := m.verifyCallback(ctx, c, req)
	m.done(c.id, err != nil && (!unavailable(err) || ctx.Err() != nil)) // the ledger's trouble is not the caller's attempt; its hang-up is
	if err != nil {
		return nil, err
	}
	signer := api.LoginSigner{MSPID: v.msp, ID: v.leaf.Subject.CommonName}
	m.mu.Lock()
	defer m.mu.Unlock()
	ch, ok := m.challenges[c.id]
	switch {
	case !ok || !m.now().Before(ch.expires):
		return nil, fault.New(fault.CodeTokenExpired, "the sign-in challenge expired while it was being verified; ask for a new QR")
	case ch.state == burned:
		return nil, errLocked()
	case ch.state != pending:
		return nil, fault.New(model.CodeNonceReused, "this sign-in QR was already used")
	}
	ch.state, ch.signer, ch.links, ch.notAfter = approved, signer, v.links, v.notAfter
	return &api.LoginApproved{ChallengeID: c.id, Signer: signer}, nil
}

// Poll answers the desktop holding pollToken: pending, or approved with a
// new session (handed out once; 409 NONCE_REUSED after), 410 once expired,
// 401 with a wrong poll token, 404 for an unknown challenge.
func (m *Manager) Poll(challengeID, pollToken string) (*api.LoginPoll, error) {
	now := m.now()
	m.mu.Lock()
	defer m.mu.Unlock()
	ch, ok := m.challenges[challengeID]
	if !ok {
		return nil, fault.New(fault.CodeNotFound, "no such sign-in challenge on this relay (it may have expired)")
	}
	h := sha256.Sum256([]byte(pollToken))
	if pollToken == "" || h != ch.pollHash {
		return nil, fault.New(fault.CodeUnauthorized, "the poll token of this challenge is required (Authorization: Bearer <pollToken>)")
	}
	switch {
	case ch.state == burned:
		return nil, errLocked()
	case ch.state == consumed:
		return nil, fault.New(model.CodeNonceReused, "the session of this sign-in was already handed out")
	case ch.state == approved:
		// Handed out even when the challenge expired since approval: the signer did sign in time.
	case !now.Before(ch.expires):
		return nil, fault.Newf(fault.CodeTokenExpired, "the sign-in challenge expired at %s", ch.expires.Format(time.RFC3339))
	default:
		return &api.LoginPoll{Status: api.LoginStatusPending}, nil
	}
	s, err := m.newSessionLocked(ch.signer, ch.links, ch.notAfter, now)
	if err != nil {
		return nil, err // still approved: the retry the 503 asks for can succeed
	}
	ch.state = consumed
	return &api.LoginPoll{Status: api.LoginStatusApproved, Session: &s.LoginSession}, nil
}

func randBytes(n int) []byte {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("login: crypto/rand: %v", err)) // never happens on supported platforms
	}
	return b
}

func randHex(n int) string { return hex.EncodeToString(randBytes(n)) }

// ledgerProblem: a chaincode refusal keeps its code; anything else is 503.
func ledgerProblem(err error) error {
	if code, ok := ledger.CodeOf(err); ok {
		var me *model.Error
		msg := err.Error()
		if errors.As(err, &me) {
			msg = me.Message
		}
		return fault.New(code, msg).WithCause(err)
	}
	p := fault.New(fault.CodeUnavailable, "the ledger cannot be read now; retry").WithCause(err)
	p.RetryAfter = 2
	return p
}
