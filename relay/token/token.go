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

// Strict: one encoding per token (no aliases differing in padding bits).
var b64 = base64.RawURLEncoding.Strict()

// Sign encodes c and appends its tag under key.
func Sign(key []byte, c Claims) (string, error) {
	c.Version = Version
	return Seal(key, domain, c)
}

// Verify checks the tag and expiry of tok and returns its claims.
func Verify(key []byte, tok string, now time.Time) (Claims, error) {
	var c Claims
	if err := Open(key, domain, tok, &c); err != nil {
		return Claims{}, err
	}
	if !c.wellFormed() {
		return Claims{}, ErrMalformed
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
	var c Claims
	if _, _, err := split(tok, &c); err != nil || !c.wellFormed() {
		return Claims{}, ErrMalformed
	}
	return c, nil
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

func (c Claims) wellFormed() bool { return c.Version == Version && c.DocID != "" && c.Nonce != "" }

// domain separates signing-session tokens from every other token sealed
// with the same key.
const domain = "qrsign-token/1\n"

// MaxLen bounds a token: it rides in a QR code.
const MaxLen = 1024

// Seal encodes v as JSON and appends an HMAC-SHA256 tag over it under key and
// domain: a token sealed for one domain never opens in another. Other relay
// tokens (sign-in challenges) use it with their own domain.
func Seal(key []byte, domain string, v any) (string, error) {
	if len(key) < 32 {
		return "", errors.New("token: key must be at least 32 bytes")
	}
	body, err := json.Marshal(v)
	if err != nil {
		return "", err
	}
	head := b64.EncodeToString(body)
	return head + "." + b64.EncodeToString(tag(key, domain, head)), nil
}

// Open checks tok's tag under key and domain, then decodes its JSON into v.
// It checks neither expiry nor claims: that is the caller's.
func Open(key []byte, domain, tok string, v any) error {
	head, mac, err := split(tok, v)
	if err != nil {
		return err
	}
	if !hmac.Equal(mac, tag(key, domain, head)) {
		return ErrForged
	}
	return nil
}

// split decodes tok's body into v and returns the encoded head and the tag.
func split(tok string, v any) (string, []byte, error) {
	if len(tok) > MaxLen {
		return "", nil, ErrMalformed
	}
	head, sig, ok := strings.Cut(tok, ".")
	if !ok || head == "" {
		return "", nil, ErrMalformed
	}
	body, err := b64.DecodeString(head)
	if err != nil {
		return "", nil, ErrMalformed
	}
	mac, err := b64.DecodeString(sig)
	if err != nil || len(mac) != sha256.Size {
		return "", nil, ErrMalformed
	}
	if err := json.Unmarshal(body, v); err != nil {
		return "", nil, ErrMalformed
	}
	return head, mac, nil
}

func tag(key []byte, domain, head string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(domain))
	m.Write([]byte(head))
	return m.Sum(nil)
}
