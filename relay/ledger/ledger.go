// Package ledger is the relay's view of the qrsign chaincode: typed calls
// over the Fabric gateway, the Ledger interface the domain depends on (so
// tests can fake it), and typed errors that say whether a call was refused by
// the chaincode (with its stable code), could not reach the network, or was
// invalidated at commit.
package ledger

import (
	"context"
	"errors"
	"fmt"

	"github.com/qrsign/qrsign/chaincode/model"
)

// Tx is where a committed transaction landed. The relay only reports a
// transaction after reading its commit status.
type Tx struct {
	TxID           string `json:"txId"`
	BlockNumber    uint64 `json:"blockNumber"`
	ValidationCode string `json:"validationCode"` // "VALID" for every Tx returned without error
}

// Written is a committed writing transaction and what the chaincode returned.
type Written struct {
	Tx
	Result model.WriteResult
}

// Ledger is what the relay's domain logic needs from the network.
type Ledger interface {
	// Ping evaluates the chaincode's Ping: the gateway and chaincode answer.
	Ping(ctx context.Context) error
	RegisterDocument(ctx context.Context, req model.RegisterDocumentRequest) (*Written, error)
	RecordSignature(ctx context.Context, req model.SignatureRequest) (*Written, error)
	DeclineSignature(ctx context.Context, req model.SignatureRequest) (*Written, error)
	GetDocument(ctx context.Context, id string) (*model.DocumentView, error)
	GetHistory(ctx context.Context, id string) (*model.History, error)
	GetNonce(ctx context.Context, nonce string) (*model.NonceRecord, error)
	// BlockOfTx is the number of the block holding a committed transaction.
	BlockOfTx(ctx context.Context, txID string) (uint64, error)
	// GetOrgTrust is an org's registered signer CAs and CRLs.
	GetOrgTrust(ctx context.Context, mspID string) (*model.OrgTrust, error)
	Annotate(ctx context.Context, req model.AnnotateRequest) (*Written, error)
	// RecordBatchSignature records one signature over a batch's Merkle root
	// on each listed document (one transaction).
	RecordBatchSignature(ctx context.Context, req model.BatchSignatureRequest) (*Written, error)
	// RecordBatchDecline records one decline (with its reason) over a
	// batch's Merkle root on each listed document (one transaction).
	RecordBatchDecline(ctx context.Context, req model.BatchSignatureRequest) (*Written, error)
	// RecordRevision records a PDF revision that is no signature (the DSS
	// of a completed document).
	RecordRevision(ctx context.Context, req model.RevisionRequest) (*Written, error)
	// List evaluates ListBySigner, ListByOwner, ListPending, ListByTag or ListByHash.
	List(ctx context.Context, fn ListFunc, q model.ListQuery) (*model.Page, error)
	// ListByTx is the documents a transaction appended events to.
	ListByTx(ctx context.Context, txID string) (*model.Page, error)
	// VerifyRecord is the chaincode's re-verification of a document's record.
	VerifyRecord(ctx context.Context, id string) (*model.VerifyReport, error)
}

// ListFunc names a list query of the chaincode.
type ListFunc string

// The chaincode's list queries.
const (
	ListBySigner ListFunc = "ListBySigner"
	ListByOwner  ListFunc = "ListByOwner"
	ListPending  ListFunc = "ListPending"
	ListByTag    ListFunc = "ListByTag"
	ListByHash   ListFunc = "ListByHash" // q.SHA256
)

// Kinds of failure; test with errors.Is.
var (
	// ErrRejected: the chaincode refused the request (Error.Code says why). Nothing was written.
	ErrRejected = errors.New("rejected by the chaincode")
	// ErrUnavailable: the network could not endorse, order or confirm the
	// transaction in time. Nothing is acknowledged; the caller may retry.
	ErrUnavailable = errors.New("network unavailable")
	// ErrInvalidated: ordered but marked invalid at commit (Error.ValidationCode).
	ErrInvalidated = errors.New("invalidated at commit")
	// ErrNotMember: the channel no longer admits the relay's org (its
	// identity is of an org the peers do not know: the org was removed).
	// Nothing was written; retrying will not help while it is not a member.
	ErrNotMember = errors.New("org not a member of the channel")
)

// Error is a failed ledger call. It unwraps to its kind (ErrRejected,
// ErrUnavailable, ErrInvalidated) and to its cause; a rejection's cause is a
// *model.Error carrying the chaincode's code and message.
type Error struct {
	Op             string     // chaincode function
	TxID           string     // empty for evaluations
	Code           model.Code // chaincode code, for rejections
	ValidationCode string     // for invalidations
	// Submitted: the transaction went to the orderer (or may have) but its
	// commit status was not read; its outcome is unknown.
	Submitted bool
	Kind      error
	Cause     error
}

func (e *Error) Error() string {
	s := "ledger: " + e.Op
	if e.TxID != "" {
		s += " (tx " + e.TxID + ")"
	}
	s += ": " + e.Kind.Error()
	if e.ValidationCode != "" {
		s += " " + e.ValidationCode
	}
	if e.Cause != nil {
		s += ": " + e.Cause.Error()
	}
	return s
}

// Unwrap exposes both the kind and the cause to errors.Is / errors.As.
func (e *Error) Unwrap() []error {
	if e.Cause == nil {
		return []error{e.Kind}
	}
	return []error{e.Kind, e.Cause}
}

// Rejected builds the error of a chaincode refusal; fakes use it too.
func Rejected(op, txID string, code model.Code, msg string) *Error {
	return &Error{Op: op, TxID: txID, Code: code, Kind: ErrRejected, Cause: &model.Error{Code: code, Message: msg}}
}

// Unavailable builds the error of a network failure.
func Unavailable(op, txID string, cause error) *Error {
	return &Error{Op: op, TxID: txID, Kind: ErrUnavailable, Cause: cause}
}

// NotMember builds the error of a transaction the channel refused because
// the relay's org is not a member.
func NotMember(op, txID string, cause error) *Error {
	return &Error{Op: op, TxID: txID, Kind: ErrNotMember, Cause: cause}
}

// Invalidated builds the error of a transaction invalidated at commit.
func Invalidated(op, txID, validationCode string) *Error {
	return &Error{Op: op, TxID: txID, ValidationCode: validationCode, Kind: ErrInvalidated,
		Cause: fmt.Errorf("validation code %s", validationCode)}
}

// CodeOf returns the chaincode code of a rejection.
func CodeOf(err error) (model.Code, bool) {
	var e *Error
	if errors.As(err, &e) && e.Code != "" {
		return e.Code, true
	}
	return "", false
}
