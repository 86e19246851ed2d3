// Package token is the signing-session token a QR code carries: compact claims
// (document, hash, signer, nonce, expiry) and an HMAC-SHA256 tag by the relay,
// so a forged or edited QR is refused. Clients read the claims without the key
// (Peek) to check the document hash before anything else; only relays verify.
package token

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"time"
)

// Claims are what a token asserts. JSON keys are short: the token rides in a QR.
type Claims struct {
	Version  int    `json:"v"`
	DocID    string `json:"doc"`
	SHA256   string `json:"sha"` // document SHA-256, lowercase hex
	MSPID    string `json:"msp"`
	SignerID string `json:"sub"`
	Nonce    string `json:"n"`   // 32 lowercase hex, the ledger's one-use session nonce
	Expiry   int64  `json:"exp"` // unix seconds
}

// Version is the only claims version this package issues and accepts.
const Version = 1

var (
	// ErrMalformed: not a token of this format.
	ErrMalformed = errors.New("token: malformed")
	// ErrForged: the tag does not match (edited or not issued with this key).
	ErrForged = errors.New("token: signature mismatch")
	// ErrExpired: past its expiry.
	ErrExpired = errors.New("token: expired")
)

var b64 = base64.RawURLEncoding

// Sign encodes c and appends its tag under key.
func Sign(key []byte, c Claims) (string, error) {
	if len(key) < 32 {
		return "", errors.New("token: key must be at least 32 bytes")
	}
	c.Version = Version
	body, err := json.Marshal(c)
	if err != nil {
		return "", err
	}
	head := b64.EncodeToString(body)
	return head + "." + b64.EncodeToString(tag(key, head)), nil
}

// Verify checks the tag and expiry of tok and returns its claims.
func Verify(key []byte, tok string, now time.Time) (Claims, error) {
	c, head, mac, err := split(tok)
	if err != nil {
		return Claims{}, err
	}
	if !hmac.Equal(mac, tag(key, head)) {
		return Claims{}, ErrForged
	}
	if now.Unix() >= c.Expiry {
		return c, ErrExpired
	}
	return c, nil
}

// Peek returns the claims of tok without checking its tag or expiry. It is for
// clients, which never hold the key: they use the claims to check what they are
// shown, never to authorize anything.
func Peek(tok string) (Claims, error) {
	c, _, _, err := split(tok)
	return c, err
}

// FromURL extracts the token from a QR URL "<relay>/s/<token>", or returns s
// itself when it is already a bare token.
func FromURL(s string) string {
	if i := strings.LastIndex(s, "/s/"); i >= 0 {
		s = s[i+3:]
	}
	if i := strings.IndexAny(s, "?#"); i >= 0 {
		s = s[:i]
	}
	return s
}

func split(tok string) (Claims, string, []byte, error) {
	if len(tok) > 1024 {
		return Claims{}, "", nil, ErrMalformed
	}
	head, sig, ok := strings.Cut(tok, ".")
	if !ok || head == "" {
		return Claims{}, "", nil, ErrMalformed
	}
	body, err := b64.DecodeString(head)
	if err != nil {
		return Claims{}, "", nil, ErrMalformed
	}
	mac, err := b64.DecodeString(sig)
	if err != nil || len(mac) != sha256.Size {
		return Claims{}, "", nil, ErrMalformed
	}
	var c Claims
	if err := json.Unmarshal(body, &c); err != nil || c.Version != Version || c.DocID == "" || c.Nonce == "" {
		return Claims{}, "", nil, ErrMalformed
	}
	return c, head, mac, nil
}

func tag(key []byte, head string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("qrsign-token/1\n"))
	m.Write([]byte(head))
	return m.Sum(nil)
}
