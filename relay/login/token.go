package login

import (
	"crypto/hmac"
	"crypto/sha256"
	"time"

	"github.com/qrsign/qrsign/relay/token"
)

// claims are what a challenge token asserts. Keys are short: it rides in a QR.
type claims struct {
	Version   int    `json:"v"`
	Challenge string `json:"c"`
	Nonce     string `json:"n"`
	Expiry    int64  `json:"exp"` // unix seconds
}

const tokenVersion = 1

var (
	errMalformed = token.ErrMalformed
	errForged    = token.ErrForged
	errExpired   = token.ErrExpired
)

// tokenKey derives the challenge-token key from the relay's token key, so a
// signing-session token can never pass as a login token or the reverse.
func tokenKey(relayKey []byte) []byte {
	m := hmac.New(sha256.New, relayKey)
	m.Write([]byte("qrsign-login-key/1"))
	return m.Sum(nil)
}

const tokenDomain = "qrsign-login-token/1\n"

func signToken(key []byte, c claims) string {
	c.Version = tokenVersion
	tok, err := token.Seal(key, tokenDomain, c)
	if err != nil { // only a short key, which tokenKey never makes
		panic(err)
	}
	return tok
}

// verifyToken checks the tag, then the expiry (the claims come back with errExpired).
func verifyToken(key []byte, tok string, now time.Time) (claims, error) {
	if len(tok) > 512 {
		return claims{}, errMalformed
	}
	var c claims
	if err := token.Open(key, tokenDomain, tok, &c); err != nil {
		return claims{}, err
	}
	if c.Version != tokenVersion || c.Challenge == "" || c.Nonce == "" {
		return claims{}, errMalformed
	}
	if now.Unix() >= c.Expiry {
		return c, errExpired
	}
	return c, nil
}
