// Package proof is what a scanner signs to sign in with QR (relay/login),
// apart from the relay so clients can import it without server code: the
// digest binding the relay, the canonical payload, and the login URL's token.
package proof

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"

	"github.com/qrsign/qrsign/chaincode/payload"
)

// Digest is the "sha256" a login payload binds: lowercase hex SHA-256 of
// "qrsign-login/1\n" + relayURL + "\n" + challengeID, relayURL being the
// relay's publicURL. A signature made for one relay is useless at another.
func Digest(relayURL, challengeID string) string {
	h := sha256.Sum256([]byte("qrsign-login/1\n" + relayURL + "\n" + challengeID))
	return hex.EncodeToString(h[:])
}

// Fields are the payload fields of a login: signerFingerprint is the SHA-256
// hex of the signer's leaf certificate DER.
func Fields(channel, relayURL, challengeID, nonce, signerFingerprint string) payload.Fields {
	return payload.Fields{Purpose: payload.PurposeLogin, Channel: channel, DocumentID: challengeID,
		DocumentSHA256: Digest(relayURL, challengeID), Nonce: nonce, SignerFingerprint: signerFingerprint}
}

// FromURL extracts the token from a login URL "<relay>/l/<token>", or
// returns s itself when it is already a bare token.
func FromURL(s string) string {
	if i := strings.LastIndex(s, "/l/"); i >= 0 {
		s = s[i+3:]
	}
	if i := strings.IndexAny(s, "?#"); i >= 0 {
		s = s[:i]
	}
	return s
}

// IsLoginURL says whether s is a login URL (path /l/<token>) rather than a
// signing-session URL (/s/<token>).
func IsLoginURL(s string) bool {
	if i := strings.IndexAny(s, "?#"); i >= 0 {
		s = s[:i]
	}
	return strings.Contains(s, "/l/") && !strings.HasSuffix(s, "/l/")
}
