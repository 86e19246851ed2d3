package ledger

import (
	"context"
	"errors"
	"fmt"

	"github.com/hyperledger/fabric-gateway/pkg/client"
	"github.com/hyperledger/fabric-protos-go-apiv2/peer"
)

// order submits an endorsed transaction (endorsed through peer at) and reads
// its commit status. From the first submit on, the transaction may be
// ordered, so it is never endorsed again: when the peer cannot be reached,
// the next peer gets
//   - the same signed envelope (same tx id) if the submit itself failed: the
//     orderer may then see it twice, and Fabric validates at most one
//     transaction per id (a later copy is DUPLICATE_TXID, and the commit
//     status of the id is that of the first), so it commits at most once;
//   - only the commit status request if the orderer had accepted it.
//
// When no peer answers, the error is ErrUnavailable with Submitted set: the
// outcome is unknown, and a retry is safe only because the chaincode refuses
// a used nonce (the relay then answers from GetNonce).
func (g *Gateway) order(ctx context.Context, fn string, txn *client.Transaction, at int) (*client.Status, error) {
	txID := txn.TransactionID()
	var commit *client.Commit // set once the orderer accepted the transaction
	var st *client.Status
	err := g.pool.run(ctx, func(ctx context.Context, i int) error {
		ep := g.eps[i]
		if commit == nil {
			t := txn
			if i != at {
				b, err := txn.Bytes()
				if err == nil {
					t, err = ep.gw.NewTransaction(b)
				}
				if err != nil {
					return submitted(Unavailable(fn, txID, fmt.Errorf("move to %s: %w", ep.addr, err)))
				}
				g.resumed(fn, txID, "resubmitted")
			}
			sctx, cancel := context.WithTimeout(ctx, g.opt.SubmitTimeout)
			c, err := t.SubmitWithContext(sctx)
			cancel()
			if err != nil {
				return submitted(classify(fn, txID, err))
			}
			commit, at = c, i
		} else if i != at {
			b, err := commit.Bytes()
			if err == nil {
				commit, err = ep.gw.NewCommit(b)
			}
			if err != nil {
				return submitted(Unavailable(fn, txID, fmt.Errorf("commit status via %s: %w", ep.addr, err)))
			}
			at = i
			g.resumed(fn, txID, "status")
		}
		cctx, cancel := context.WithTimeout(ctx, g.opt.CommitStatusTimeout)
		defer cancel()
		s, err := commit.StatusWithContext(cctx)
		if err == nil && s.Code == peer.TxValidationCode_DUPLICATE_TXID {
			// We may have sent this very envelope twice (resubmitted above):
			// that status is a later copy's, and the first copy may be on
			// the ledger. The status of a committed id is its first copy's;
			// read it again rather than report "nothing was recorded".
			if s, err = commit.StatusWithContext(cctx); err == nil && s.Code == peer.TxValidationCode_DUPLICATE_TXID {
				return submitted(Unavailable(fn, txID, errors.New("commit status DUPLICATE_TXID twice: the outcome of the first copy is unknown")))
			}
		}
		if err != nil {
			return submitted(classify(fn, txID, err))
		}
		st = s
		return nil
	})
	return st, err
}

func (g *Gateway) resumed(fn, txID, how string) {
	if g.opt.OnResume != nil {
		g.opt.OnResume(fn, txID, how)
	}
}
