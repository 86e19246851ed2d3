package flow

import (
	"errors"
	"fmt"
)

// HashMismatchError: the bytes served are not the document the QR names.
// Nothing was signed.
type HashMismatchError struct {
	Source string // what disagreed with the QR: "content" or "session"
	Want   string // the QR's sha256
	Got    string
}

func (e *HashMismatchError) Error() string {
	return fmt.Sprintf("REFUSED: the %s's SHA-256 %s does not match the QR code's %s; the document may have been tampered with, nothing was signed",
		e.Source, e.Got, e.Want)
}

// Is makes errors.Is(err, ErrHashMismatch) true.
func (e *HashMismatchError) Is(target error) bool { return target == ErrHashMismatch }

var (
	// ErrHashMismatch is matched by every *HashMismatchError.
	ErrHashMismatch = errors.New("hash mismatch")
	// ErrSessionMismatch: the relay's session disagrees with the QR's claims.
	ErrSessionMismatch = errors.New("the relay's session does not match the QR code")
	// ErrNotConfirmed: the person said no.
	ErrNotConfirmed = errors.New("not confirmed; nothing was signed")
	// ErrWrongSigner: the QR is for someone other than the stored identity.
	ErrWrongSigner = errors.New("this QR code is for another signer")
)
