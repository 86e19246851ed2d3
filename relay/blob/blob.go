// Package blob stores document bytes off-chain, addressed by their SHA-256.
// The ledger holds only the hash, so a stored blob can always be checked.
package blob

import (
	"context"
	"errors"
	"fmt"
	"io"
)

// ErrNotFound: no blob with that hash.
var ErrNotFound = errors.New("blob: not found")

// ErrTooLarge: the content exceeded the store's size limit; nothing was kept.
var ErrTooLarge = errors.New("blob: too large")

// HashMismatchError: the content's hash is not the one the caller expected;
// nothing was kept.
type HashMismatchError struct{ Want, Got string }

func (e *HashMismatchError) Error() string {
	return fmt.Sprintf("blob: content sha256 is %s, expected %s", e.Got, e.Want)
}

// ReadError is a failure to read the content given to Put (the client's
// upload broke off, was cut by a size limit, the request was cancelled), as
// opposed to a failure of the store itself (disk full, a directory gone).
type ReadError struct{ Err error }

func (e *ReadError) Error() string { return "blob: read: " + e.Err.Error() }
func (e *ReadError) Unwrap() error { return e.Err }

// Reading wraps r so that its read errors (not io.EOF) are *ReadError: a
// copy from it to storage then tells whose side failed.
func Reading(r io.Reader) io.Reader { return readSide{r} }

type readSide struct{ r io.Reader }

func (r readSide) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	if err != nil && err != io.EOF {
		var re *ReadError
		if !errors.As(err, &re) {
			err = &ReadError{Err: err}
		}
	}
	return n, err
}

// Info describes a stored blob.
type Info struct {
	SHA256 string
	Size   int64
}

// Store is a content-addressed blob store. The filesystem store implements
// it; an S3-style store can later.
type Store interface {
	// Put reads r to the end and stores it under its SHA-256. If want is not
	// empty the hash must equal it. Storing existing content is a no-op. A
	// failure to read r (or a cancelled ctx) is a *ReadError; any other
	// error is the store's.
	Put(ctx context.Context, r io.Reader, want string) (Info, error)
	// Open returns the content with the given hash.
	Open(ctx context.Context, sha string) (io.ReadSeekCloser, Info, error)
	// Stat says whether the content is stored.
	Stat(ctx context.Context, sha string) (Info, error)
	// Delete removes the content (none stored is no error): for content
	// stored ahead of a ledger write that was refused.
	Delete(ctx context.Context, sha string) error
}
