package login

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"time"
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
	errMalformed = errors.New("login token: malformed")
	errForged    = errors.New("login token: signature mismatch")
	errExpired   = errors.New("login token: expired")
)

// Strict: one encoding per token (no aliases differing in padding bits).
var b64 = base64.RawURLEncoding.Strict()

// tokenKey derives the challenge-token key from the relay's token key, so a
// signing-session token can never pass as a login token or the reverse.
func tokenKey(relayKey []byte) []byte {
	m := hmac.New(sha256.New, relayKey)
	m.Write([]byte("qrsign-login-key/1"))
	return m.Sum(nil)
}

func signToken(key []byte, c claims) string {
	c.Version = tokenVersion
	body, _ := json.Marshal(c)
	head := b64.EncodeToString(body)
	return head + "." + b64.EncodeToString(tokenTag(key, head))
}

// verifyToken checks the tag, then the expiry (the claims come back with errExpired).
func verifyToken(key []byte, tok string, now time.Time) (claims, error) {
	if len(tok) > 512 {
		return claims{}, errMalformed
	}
	head, sig, ok := strings.Cut(tok, ".")
	if !ok || head == "" {
		return claims{}, errMalformed
	}
	body, err := b64.DecodeString(head)
	if err != nil {
		return claims{}, errMalformed
	}
	mac, err := b64.DecodeString(sig)
	if err != nil || len(mac) != sha256.Size {
		return claims{}, errMalformed
	}
	if !hmac.Equal(mac, tokenTag(key, head)) {
		return claims{}, errForged
	}
	var c claims
	if err := json.Unmarshal(body, &c); err != nil || c.Version != tokenVersion || c.Challenge == "" || c.Nonce == "" {
		return claims{}, errMalformed
	}
	if now.Unix() >= c.Expiry {
		return c, errExpired
	}
	return c, nil
}

func tokenTag(key []byte, head string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("qrsign-login-token/1\n"))
	m.Write([]byte(head))
	return m.Sum(nil)
}
