package service

import (
	"errors"

	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/relay/fault"
	"github.com/qrsign/qrsign/relay/ledger"
)

// fromLedger turns a ledger error into a problem: rejections keep the
// chaincode's code and message, network trouble is 503 with Retry-After.
func fromLedger(err error) error {
	if err == nil {
		return nil
	}
	var le *ledger.Error
	if !errors.As(err, &le) {
		return fault.From(err)
	}
	switch {
	case errors.Is(err, ledger.ErrRejected):
		var me *model.Error
		errors.As(err, &me)
		p := fault.New(le.Code, me.Message).WithCause(err)
		p.TxID = le.TxID
		return p
	case errors.Is(err, ledger.ErrInvalidated) && le.ValidationCode == "DUPLICATE_TXID", le.Submitted:
		// Endorsed (maybe submitted) but the commit status was not read: the
		// outcome is unknown. DUPLICATE_TXID is the same: the ledger resends
		// the same envelope on another peer, so an earlier copy of this very
		// transaction may be the one recorded. The nonce / document id make a
		// retry safe.
		p := fault.New(fault.CodeUnavailable, "the network did not confirm the transaction in time; its outcome is unknown, and retrying is safe (it is never recorded twice)").WithCause(err)
		p.TxID = le.TxID
		p.RetryAfter = 2
		return p
	case errors.Is(err, ledger.ErrInvalidated) && retryable(le.ValidationCode):
		p := fault.Newf(fault.CodeUnavailable, "the transaction was invalidated at commit (%s) by concurrent writes; nothing was recorded, retry", le.ValidationCode).WithCause(err)
		p.TxID = le.TxID
		p.RetryAfter = 1
		return p
	case errors.Is(err, ledger.ErrInvalidated):
		// Permanent: the same transaction would be invalidated again.
		p := fault.Newf(fault.CodeNotCommitted, "the transaction was invalidated at commit (%s); nothing was recorded and retrying will not help", le.ValidationCode).WithCause(err)
		p.TxID = le.TxID
		return p
	case errors.Is(err, ledger.ErrNotMember):
		p := fault.New(fault.CodeOrgNotMember, "this relay's organisation is not a member of the channel (it left the consortium): nothing was recorded, and retrying through this relay will not help; use a member's relay").WithCause(err)
		p.TxID = le.TxID
		return p
	default:
		p := fault.New(fault.CodeUnavailable, "the network cannot take the transaction now; nothing was recorded, retry").WithCause(err)
		p.TxID = le.TxID
		p.RetryAfter = 2
		return p
	}
}

// retryable says whether an invalidation is transient (read conflicts with
// concurrent writers, past the gateway's own retries).
func retryable(validationCode string) bool {
	switch validationCode {
	case "MVCC_READ_CONFLICT", "PHANTOM_READ_CONFLICT":
		return true
	}
	return false
}

func codeOf(err error) model.Code {
	var p *fault.Error
	if errors.As(err, &p) {
		return p.Code
	}
	if c, ok := ledger.CodeOf(err); ok {
		return c
	}
	if c, ok := model.CodeOf(err); ok {
		return c
	}
	return model.CodeInternal
}
