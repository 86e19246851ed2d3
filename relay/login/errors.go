package login

import "github.com/qrsign/qrsign/relay/fault"

// The codes this package returns are relay/fault's (SESSION_SCOPE,
// LOGIN_BUSY, LOGIN_LOCKED, SESSION_REVOKED, TOKEN_INVALID, TOKEN_EXPIRED,
// UNAUTHORIZED, ...) and the chaincode's (NONCE_REUSED, BAD_SIGNATURE,
// UNTRUSTED_CHAIN, CERT_REVOKED, CERT_EXPIRED, ...).

// ErrScope is the error of a session used out of its scope.
func ErrScope(detail string) *fault.Error {
	return fault.New(fault.CodeSessionScope, detail)
}

// ErrNoSession is the error of an unknown, expired or ended session.
func ErrNoSession() *fault.Error {
	return fault.New(fault.CodeUnauthorized, "the sign-in session is not valid: it expired, was signed out, or the relay restarted; sign in again")
}
