// Package problem renders errors as RFC 9457 problem details with stable codes.
// What a user reads (Detail) is kept apart from the internal cause, which is
// logged but never sent.
package problem

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/qrsign/qrsign/chaincode/model"
)

// Codes the relay adds to the chaincode's (model.Code*), which pass through.
const (
	CodeUnauthorized    model.Code = "UNAUTHORIZED"      // no or wrong API key
	CodeForbiddenScope  model.Code = "FORBIDDEN"         // key lacks the scope
	CodeTokenInvalid    model.Code = "TOKEN_INVALID"     // malformed or forged session token
	CodeTokenExpired    model.Code = "TOKEN_EXPIRED"     // session token past its expiry
	CodePayloadTooLarge model.Code = "PAYLOAD_TOO_LARGE" // body over the limit
	CodeRateLimited     model.Code = "RATE_LIMITED"      // client over its request rate
	CodeUnavailable     model.Code = "UNAVAILABLE"       // network cannot endorse or order now; retry
	CodeNotFound        model.Code = "NOT_FOUND"         // no such route or resource
	CodeHashMismatch    model.Code = "HASH_MISMATCH"     // uploaded bytes do not match the declared sha256
	CodeMethodNotAllow  model.Code = "METHOD_NOT_ALLOWED"
	CodeNotCommitted    model.Code = "NOT_COMMITTED" // invalidated at commit for good (validation code in detail); 502, do not retry
	CodeBatchInvalid    model.Code = "BATCH_INVALID" // a batch upload with invalid documents (per-document errors listed)
)

// Problem is an RFC 9457 problem details object.
type Problem struct {
	Type      string     `json:"type"`
	Title     string     `json:"title"`
	Status    int        `json:"status"`
	Detail    string     `json:"detail"`
	Code      model.Code `json:"code"`
	RequestID string     `json:"requestId,omitempty"`
	TxID      string     `json:"txId,omitempty"`

	cause      error // internal; logged, not rendered
	RetryAfter int   `json:"-"` // seconds; sets Retry-After when > 0
}

// Error is the user-facing text.
func (p *Problem) Error() string { return string(p.Code) + ": " + p.Detail }

// Unwrap returns the internal cause.
func (p *Problem) Unwrap() error { return p.cause }

// Cause is the internal cause, if any.
func (p *Problem) Cause() error { return p.cause }

// ContentType is the media type of a rendered problem.
const ContentType = "application/problem+json"

// TypeBase prefixes the type URI of each code.
const TypeBase = "https://qrsign.dev/problems/"

// New makes a problem with the status for code.
func New(code model.Code, detail string) *Problem {
	st := Status(code)
	return &Problem{Type: TypeBase + string(code), Title: http.StatusText(st), Status: st, Detail: detail, Code: code}
}

// Newf is New with a formatted detail.
func Newf(code model.Code, format string, args ...any) *Problem {
	return New(code, fmt.Sprintf(format, args...))
}

// WithCause attaches an internal cause.
func (p *Problem) WithCause(err error) *Problem { p.cause = err; return p }

// Status maps a code to its HTTP status.
func Status(code model.Code) int {
	switch code {
	case model.CodeInvalidField, model.CodeBadRequest, CodeBatchInvalid:
		return http.StatusBadRequest
	case CodeUnauthorized, CodeTokenInvalid:
		return http.StatusUnauthorized
	case model.CodeNotASigner, model.CodeForbidden:
		return http.StatusForbidden
	case model.CodeDocumentNotFound, CodeNotFound, model.CodeCANotFound:
		return http.StatusNotFound
	case CodeMethodNotAllow:
		return http.StatusMethodNotAllowed
	case model.CodeOutOfTurn, model.CodeNonceReused, model.CodeAlreadySigned, model.CodeDocumentClosed,
		model.CodeDocumentExists, model.CodeCAExists:
		return http.StatusConflict
	case model.CodeDocumentExpired, CodeTokenExpired:
		return http.StatusGone
	case CodePayloadTooLarge:
		return http.StatusRequestEntityTooLarge
	case model.CodeBadSignature, model.CodeBadCertificate, model.CodeUntrustedChain, model.CodeCertExpired,
		model.CodeCertRevoked, model.CodeUnknownAlgorithm, model.CodeBadCRL, CodeHashMismatch:
		return http.StatusUnprocessableEntity
	case CodeRateLimited:
		return http.StatusTooManyRequests
	case CodeUnavailable:
		return http.StatusServiceUnavailable
	case CodeNotCommitted:
		return http.StatusBadGateway
	}
	return http.StatusInternalServerError
}

// From turns any error into a problem: problems pass through, chaincode
// errors keep their code and message, anything else is an opaque INTERNAL.
func From(err error) *Problem {
	var p *Problem
	if errors.As(err, &p) {
		return p
	}
	var me *model.Error
	if errors.As(err, &me) {
		return New(me.Code, me.Message).WithCause(err)
	}
	return New(model.CodeInternal, "internal error").WithCause(err)
}
