package api

import (
	"time"

	"github.com/qrsign/qrsign/chaincode/model"
)

// LoginChallenge is the answer of POST /v1/login/challenges (the desktop's side).
type LoginChallenge struct {
	ChallengeID string    `json:"challengeId"`
	Token       string    `json:"token"`
	URL         string    `json:"url"`
	QRURL       string    `json:"qrUrl"`
	MatchCode   string    `json:"matchCode"`
	ExpiresAt   time.Time `json:"expiresAt"`
	PollToken   string    `json:"pollToken"`
}

// LoginInfo is the answer of GET /v1/login/{token}: the challenge a scanner
// signs to sign a desktop in (relay/login/proof builds the payload).
type LoginInfo struct {
	ChallengeID string    `json:"challengeId"`
	Channel     string    `json:"channel"`
	RelayURL    string    `json:"relayUrl"`
	MatchCode   string    `json:"matchCode"`
	ExpiresAt   time.Time `json:"expiresAt"`
	Nonce       string    `json:"nonce"`
	SHA256      string    `json:"sha256"`
	CallbackURL string    `json:"callbackUrl"`
	MSPID       string    `json:"mspId"` // the org whose signer CAs a proof must lead to unless it names another
	// Requester is where the challenge was asked for: the scanner compares
	// it with the screen in front of them before signing.
	Requester LoginRequester `json:"requester"`
}

// LoginRequester is who asked for a challenge, as the relay saw it: a
// phishing page can show a genuine QR, but not hide where it asked from.
type LoginRequester struct {
	IP        string    `json:"ip"`
	UserAgent string    `json:"userAgent"`
	CreatedAt time.Time `json:"createdAt"`
}

// LoginCallbackRequest is the body of POST /v1/callbacks/login. MSPID is
// optional (default: the relay's org).
type LoginCallbackRequest struct {
	Token        string          `json:"token"`
	CertChainPEM string          `json:"certChainPem"`
	Signature    string          `json:"signature"`
	Algorithm    model.Algorithm `json:"algorithm"`
	MSPID        string          `json:"mspId,omitempty"`
}

// LoginSigner is who signed in: the org and the CN of the certificate its CA issued.
type LoginSigner struct {
	MSPID string `json:"mspId"`
	ID    string `json:"id"`
}

// LoginApproved is the answer of a login callback.
type LoginApproved struct {
	ChallengeID string      `json:"challengeId"`
	Signer      LoginSigner `json:"signer"`
}

// Login poll statuses.
const (
	LoginStatusPending  = "pending"
	LoginStatusApproved = "approved"
)

// LoginPoll is the desktop's poll answer; Session is set once, when approved.
type LoginPoll struct {
	Status  string        `json:"status"` // LoginStatusPending | LoginStatusApproved
	Session *LoginSession `json:"session,omitempty"`
}

// LoginSession is a signed-in desktop's bearer token and whose records it
// reads. Token is set only in the poll answer that hands the session out.
type LoginSession struct {
	Token     string      `json:"token,omitempty"`
	Signer    LoginSigner `json:"signer"`
	ExpiresAt time.Time   `json:"expiresAt"`
}

// Key is "mspId/id".
func (s LoginSigner) Key() string { return s.MSPID + "/" + s.ID }
