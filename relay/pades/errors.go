package pades

import "fmt"

// Code is a stable error code; callers map it to their own (relay problem codes, CLI messages).
type Code string

const (
	CodeNotPDF       Code = "PDF_UNREADABLE"        // no usable cross-reference chain or catalog
	CodeUnsupported  Code = "PDF_UNSUPPORTED"       // encrypted, or a structure this writer will not rewrite
	CodeBadSignature Code = "SIGNATURE_INVALID"     // metadata out of bounds, CMS too large
	CodeNotAppended  Code = "REVISION_NOT_APPENDED" // next does not start with prev
	CodeIncrement    Code = "INCREMENT_REFUSED"     // the increment is not exactly a signature increment
)

// Error is every error this package returns.
type Error struct {
	Code Code
	Msg  string
}

func (e *Error) Error() string { return fmt.Sprintf("pades: %s: %s", e.Code, e.Msg) }

func errf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Msg: fmt.Sprintf(format, args...)}
}
