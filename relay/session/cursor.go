package session

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
)

// A ledger bookmark is the next index key, which names a document and its
// time: public answers must not show it. Cursors handed to clients are the
// bookmark encrypted and authenticated (AES-256-GCM) under a key derived from
// the org's token key, bound to what they continue (scope), so replicas
// sharing the key accept each other's cursors and nobody can forge or read one.

// ErrCursor: a cursor this relay (or a replica) did not issue for that scope.
var ErrCursor = errors.New("session: cursor not issued for this lookup")

func (is *Issuer) cursorAEAD() cipher.AEAD {
	m := hmac.New(sha256.New, is.key)
	m.Write([]byte("qrsign-cursor-key/1"))
	block, _ := aes.NewCipher(m.Sum(nil)) // a 32-byte key cannot fail
	aead, _ := cipher.NewGCM(block)
	return aead
}

// SealCursor makes the opaque cursor of bookmark for scope ("" stays "").
func (is *Issuer) SealCursor(scope, bookmark string) string {
	if bookmark == "" {
		return ""
	}
	aead := is.cursorAEAD()
	nonce := make([]byte, aead.NonceSize())
	rand.Read(nonce)
	return base64.RawURLEncoding.EncodeToString(aead.Seal(nonce, nonce, []byte(bookmark), []byte(scope)))
}

// OpenCursor returns the bookmark a cursor sealed for scope.
func (is *Issuer) OpenCursor(scope, cursor string) (string, error) {
	raw, err := base64.RawURLEncoding.Strict().DecodeString(cursor)
	aead := is.cursorAEAD()
	if err != nil || len(raw) < aead.NonceSize()+aead.Overhead() {
		return "", ErrCursor
	}
	n := aead.NonceSize()
	plain, err := aead.Open(nil, raw[:n], raw[n:], []byte(scope))
	if err != nil {
		return "", ErrCursor
	}
	return string(plain), nil
}
