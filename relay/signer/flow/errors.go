package flow

import (
	"errors"

	"github.com/qrsign/qrsign/relay/signer/clearsign"
)

// HashMismatchError: the bytes served are not the document the QR names
// (clearsign's, which judges PDF revisions too). Nothing was signed.
type HashMismatchError = clearsign.HashMismatchError

var (
	// ErrHashMismatch is matched by every *HashMismatchError.
	ErrHashMismatch = clearsign.ErrHashMismatch
	// ErrSessionMismatch: the relay's session disagrees with the QR's claims.
	ErrSessionMismatch = clearsign.ErrSessionMismatch
	// ErrNotConfirmed: the person said no.
	ErrNotConfirmed = errors.New("not confirmed; nothing was signed")
	// ErrWrongSigner: the QR is for someone other than the stored identity.
	ErrWrongSigner = errors.New("this QR code is for another signer")
)
