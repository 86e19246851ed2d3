package merkle

import (
	"errors"
	"fmt"
)

// The kinds of failure. Callers test them with errors.Is; the chaincode maps
// ErrMalformed to INVALID_FIELD and ErrMismatch to BAD_SIGNATURE.
var (
	// ErrMalformed: the input cannot be a tree or a proof (no leaves, bad hex,
	// index or size out of range, wrong path length).
	ErrMalformed = errors.New("malformed")
	// ErrMismatch: the proof is well formed but does not lead to the root.
	ErrMismatch = errors.New("proof does not lead to the root")
)

// Error is a failure with its kind and what exactly was wrong.
type Error struct {
	Kind   error // ErrMalformed or ErrMismatch
	Detail string
}

func (e *Error) Error() string {
	if e.Detail == "" {
		return "merkle: " + e.Kind.Error()
	}
	return "merkle: " + e.Kind.Error() + ": " + e.Detail
}

func (e *Error) Unwrap() error { return e.Kind }

func malformed(format string, args ...any) error {
	return &Error{Kind: ErrMalformed, Detail: fmt.Sprintf(format, args...)}
}
