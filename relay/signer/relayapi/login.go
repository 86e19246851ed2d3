package relayapi

import (
	"context"
	"net/url"

	"github.com/qrsign/qrsign/relay/api"
)

// LoginInfo reads the challenge of a login token.
func (c *Client) LoginInfo(ctx context.Context, token string) (*api.LoginInfo, error) {
	var i api.LoginInfo
	if err := c.getJSON(ctx, "/v1/login/"+url.PathEscape(token), &i); err != nil {
		return nil, err
	}
	return &i, nil
}

// LoginCallback posts a login proof. A retried post after a lost answer is
// refused with 409 NONCE_REUSED: the relay approves a challenge once.
func (c *Client) LoginCallback(ctx context.Context, req api.LoginCallbackRequest) (*api.LoginApproved, error) {
	var a api.LoginApproved
	if err := c.postJSON(ctx, "/v1/callbacks/login", req, &a); err != nil {
		return nil, err
	}
	return &a, nil
}

// CreateLoginChallenge starts a sign-in (what the records page does).
func (c *Client) CreateLoginChallenge(ctx context.Context) (*api.LoginChallenge, error) {
	var ch api.LoginChallenge
	cc := *c
	cc.APIKey = ""
	if err := cc.postJSON(ctx, "/v1/login/challenges", struct{}{}, &ch); err != nil {
		return nil, err
	}
	return &ch, nil
}

// PollLogin asks whether the challenge was signed, with its poll token.
func (c *Client) PollLogin(ctx context.Context, challengeID, pollToken string) (*api.LoginPoll, error) {
	var p api.LoginPoll
	cc := *c
	cc.APIKey = pollToken // sent as Authorization: Bearer
	if err := cc.getJSON(ctx, "/v1/login/challenges/"+url.PathEscape(challengeID), &p); err != nil {
		return nil, err
	}
	return &p, nil
}
