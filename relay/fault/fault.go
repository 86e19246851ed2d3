// Package fault is the relay's one error type: a stable code, the text a
// user reads, and the internal cause kept apart (logged, never sent). The
// domain (relay/service, relay/login, relay/webhook) returns it and knows no
// HTTP; relay/problem maps each code to its status in one table and renders
// it as an RFC 9457 problem.
package fault

import (
	"errors"
	"fmt"

	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/relay/api"
)

// Error is a coded error. Detail is written for the user: no Go type names,
// no parser internals (those go in the cause).
type Error struct {
	Code       model.Code
	Detail     string
	TxID       string // the transaction it is about, when one was made
	RetryAfter int    // seconds; > 0 when a retry later may succeed
	// Errors are the refused documents of a batch (BATCH_INVALID); Batch
	// the state of a batch whose registration was cut short.
	Errors []api.DocError
	Batch  *api.Batch

	cause error
}

// New makes a coded error.
func New(code model.Code, detail string) *Error { return &Error{Code: code, Detail: detail} }

// Newf is New with a formatted detail.
func Newf(code model.Code, format string, args ...any) *Error {
	return New(code, fmt.Sprintf(format, args...))
}

// WithCause attaches the internal cause.
func (e *Error) WithCause(err error) *Error { e.cause = err; return e }

func (e *Error) Error() string { return string(e.Code) + ": " + e.Detail }

// Unwrap returns the internal cause.
func (e *Error) Unwrap() error { return e.cause }

// Cause is the internal cause, if any.
func (e *Error) Cause() error { return e.cause }

// From turns any error into a coded one: *Error passes through, a
// chaincode error keeps its code and message, anything else is an opaque
// INTERNAL.
func From(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	var me *model.Error
	if errors.As(err, &me) {
		return New(me.Code, me.Message).WithCause(err)
	}
	return New(model.CodeInternal, "internal error").WithCause(err)
}
