// Package session issues and verifies the signing-session tokens QR codes carry
// (format in relay/token) and derives their nonces and match codes.
//
// Nonce design. A session's nonce is derived, not random:
//
//	nonce = hex(HMAC-SHA256(tokenKey, "qrsign-nonce/1\n" doc \n sha256 \n mspId/id \n epoch))[:32]
//	epoch = floor(issue time / TTL)
//
// so every QR rendered for one signer of one document within an epoch carries
// the same token (QR images cache, replicas sharing the key agree, a reloaded
// page shows the same code), and a new epoch gives a fresh nonce. The token
// expires at the end of the next epoch (between TTL and 2×TTL after issue),
// never after the document's own expiry. The ledger consumes a nonce only
// when a signature or decline commits, and a signer can sign a document only
// once, so a stable nonce is never needed twice.
//
// Match code: six decimal digits from SHA-256 of the token (MatchCode), shown
// next to the QR on the desktop and by the client after scanning, so the
// person can see both screens hold the same session. Anyone holding the token
// can compute it; it is a comparison aid, not a secret.
package session

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/relay/token"
)

// Issuer signs tokens with one org's key.
type Issuer struct {
	key []byte
	ttl time.Duration
}

// NewIssuer returns an issuer; key is at least 32 bytes, ttl at least a minute.
func NewIssuer(key []byte, ttl time.Duration) (*Issuer, error) {
	if len(key) < 32 {
		return nil, errors.New("session: key must be at least 32 bytes")
	}
	if ttl < time.Minute {
		return nil, errors.New("session: ttl must be at least a minute")
	}
	return &Issuer{key: key, ttl: ttl}, nil
}

// Session is an issued token and what it says.
type Session struct {
	Token     string
	Claims    token.Claims
	MatchCode string
	ExpiresAt time.Time
}

// Issue returns the session of signer on document (docID, sha256, expiring
// at docExpiry) as of now.
func (is *Issuer) Issue(docID, sha string, signer model.SignerSpec, docExpiry, now time.Time) (Session, error) {
	epoch := now.UnixNano() / int64(is.ttl)
	exp := time.Unix(0, (epoch+2)*int64(is.ttl)).UTC().Truncate(time.Second)
	if !docExpiry.IsZero() && docExpiry.Before(exp) {
		exp = docExpiry.UTC().Truncate(time.Second)
	}
	if !exp.After(now) {
		return Session{}, model.Errorf(model.CodeDocumentExpired, "document %s expired at %s", docID, docExpiry.UTC().Format(time.RFC3339))
	}
	c := token.Claims{DocID: docID, SHA256: sha, MSPID: signer.MSPID, SignerID: signer.ID,
		Nonce: is.nonce(docID, sha, signer.Key(), epoch), Expiry: exp.Unix()}
	tok, err := token.Sign(is.key, c)
	if err != nil {
		return Session{}, err
	}
	c.Version = token.Version
	return Session{Token: tok, Claims: c, MatchCode: MatchCode(tok), ExpiresAt: exp}, nil
}

func (is *Issuer) nonce(docID, sha, signer string, epoch int64) string {
	m := hmac.New(sha256.New, is.key)
	fmt.Fprintf(m, "qrsign-nonce/1\n%s\n%s\n%s\n%s", docID, sha, signer, strconv.FormatInt(epoch, 10))
	return hex.EncodeToString(m.Sum(nil))[:32]
}

// Verify checks a token's tag and expiry: token.ErrMalformed, token.ErrForged
// or token.ErrExpired (with the claims) on failure.
func (is *Issuer) Verify(tok string, now time.Time) (token.Claims, error) {
	return token.Verify(is.key, tok, now)
}

// MatchCode is the six-digit code of a token: the first four bytes of
// SHA-256(token) as a big-endian integer, modulo 10^6, zero-padded.
func MatchCode(tok string) string {
	h := sha256.Sum256([]byte(tok))
	return fmt.Sprintf("%06d", binary.BigEndian.Uint32(h[:4])%1_000_000)
}
