package relayapi

import (
	"context"
	"net/url"
	"time"
)

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
	MSPID       string    `json:"mspId,omitempty"`
	// Requester is where the sign-in was asked for (absent from older relays).
	Requester *LoginRequester `json:"requester,omitempty"`
}

// LoginRequester is who asked for a sign-in challenge, as the relay saw it.
type LoginRequester struct {
	IP        string    `json:"ip"`
	UserAgent string    `json:"userAgent"`
	CreatedAt time.Time `json:"createdAt"`
}

// LoginCallbackRequest is the body of POST /v1/callbacks/login.
type LoginCallbackRequest struct {
	Token        string `json:"token"`
	CertChainPEM string `json:"certChainPem"`
	Signature    string `json:"signature"`
	Algorithm    string `json:"algorithm"`
	MSPID        string `json:"mspId,omitempty"`
}

// LoginSigner is who signed in.
type LoginSigner struct {
	MSPID string `json:"mspId"`
	ID    string `json:"id"`
}

// LoginApproved is the answer of a login callback.
type LoginApproved struct {
	ChallengeID string      `json:"challengeId"`
	Signer      LoginSigner `json:"signer"`
}

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

// LoginPoll is the desktop's poll answer; Session is set once, when approved.
type LoginPoll struct {
	Status  string `json:"status"`
	Session *struct {
		Token     string      `json:"token"`
		Signer    LoginSigner `json:"signer"`
		ExpiresAt time.Time   `json:"expiresAt"`
	} `json:"session,omitempty"`
}

// LoginInfo reads the challenge of a login token.
func (c *Client) LoginInfo(ctx context.Context, token string) (*LoginInfo, error) {
	var i LoginInfo
	if err := c.getJSON(ctx, "/v1/login/"+url.PathEscape(token), &i); err != nil {
		return nil, err
	}
	return &i, nil
}

// LoginCallback posts a login proof. A retried post after a lost answer is
// refused with 409 NONCE_REUSED: the relay approves a challenge once.
func (c *Client) LoginCallback(ctx context.Context, req LoginCallbackRequest) (*LoginApproved, error) {
	var a LoginApproved
	if err := c.postJSON(ctx, "/v1/callbacks/login", req, &a); err != nil {
		return nil, err
	}
	return &a, nil
}

// CreateLoginChallenge starts a sign-in (what the records page does).
func (c *Client) CreateLoginChallenge(ctx context.Context) (*LoginChallenge, error) {
	var ch LoginChallenge
	cc := *c
	cc.APIKey = ""
	if err := cc.postJSON(ctx, "/v1/login/challenges", struct{}{}, &ch); err != nil {
		return nil, err
	}
	return &ch, nil
}

// PollLogin asks whether the challenge was signed, with its poll token.
func (c *Client) PollLogin(ctx context.Context, challengeID, pollToken string) (*LoginPoll, error) {
	var p LoginPoll
	cc := *c
	cc.APIKey = pollToken // sent as Authorization: Bearer
	if err := cc.getJSON(ctx, "/v1/login/challenges/"+url.PathEscape(challengeID), &p); err != nil {
		return nil, err
	}
	return &p, nil
}
