package login

import (
	"net/http"

	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/relay/problem"
)

// Codes this package adds. The others it uses are the relay's and the
// chaincode's (TOKEN_INVALID, TOKEN_EXPIRED, NONCE_REUSED, UNAUTHORIZED,
// BAD_SIGNATURE, UNTRUSTED_CHAIN, CERT_REVOKED, CERT_EXPIRED, ...).
const (
	// CodeSessionScope: a sign-in session used for anything but its own
	// signer's records and pending list (403).
	CodeSessionScope model.Code = "SESSION_SCOPE"
	// CodeLoginBusy: too many challenges are pending on this relay (503).
	CodeLoginBusy model.Code = "LOGIN_BUSY"
)

// fail makes a problem with an explicit status, for codes problem.Status
// does not know.
func fail(code model.Code, status int, detail string) *problem.Problem {
	p := problem.New(code, detail)
	p.Status, p.Title = status, http.StatusText(status)
	return p
}

// ErrScope is the problem of a session used out of its scope.
func ErrScope(detail string) *problem.Problem {
	return fail(CodeSessionScope, http.StatusForbidden, detail)
}

var errNoSession = problem.New(problem.CodeUnauthorized, "the sign-in session is not valid: it expired, was signed out, or the relay restarted; sign in again")

// ErrNoSession is the problem of an unknown, expired or ended session.
func ErrNoSession() *problem.Problem { p := *errNoSession; return &p }
