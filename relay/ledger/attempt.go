package ledger

import (
	"context"
	"fmt"
	"time"

	"github.com/hyperledger/fabric-gateway/pkg/client"
)

// evaluateOn evaluates fn on contract c (one peer's) within timeout; an
// error is classified as op's.
func evaluateOn(ctx context.Context, c *client.Contract, timeout time.Duration, op, fn string, args ...string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	out, err := c.EvaluateWithContext(ctx, fn, client.WithArguments(args...))
	if err != nil {
		return nil, classify(op, "", err)
	}
	return out, nil
}

// endorseOn endorses, and does not submit, a fresh proposal of fn on
// contract c (one peer's) within timeout. txID is the proposal's, also on
// failure; an error is classified as op's.
func endorseOn(ctx context.Context, c *client.Contract, timeout time.Duration, op, fn string, args ...string) (txn *client.Transaction, txID string, err error) {
	prop, err := c.NewProposal(fn, client.WithArguments(args...))
	if err != nil {
		return nil, "", fmt.Errorf("ledger: %s: proposal: %w", op, err)
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if txn, err = prop.EndorseWithContext(ctx); err != nil {
		return nil, prop.TransactionID(), classify(op, prop.TransactionID(), err)
	}
	return txn, prop.TransactionID(), nil
}

// evaluate evaluates fn through the pool: on the current peer's contract
// (pick chooses the chaincode's or qscc), then the next ones while a peer
// cannot be reached. A query has no effect, so moving on is always safe.
func (g *Gateway) evaluate(ctx context.Context, pick func(*endpoint) *client.Contract, op, fn string, args ...string) ([]byte, error) {
	var out []byte
	err := g.pool.run(ctx, func(ctx context.Context, i int) error {
		var err error
		out, err = evaluateOn(ctx, pick(g.eps[i]), g.opt.EvaluateTimeout, op, fn, args...)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// endorse endorses fn through the pool, with a fresh proposal on each peer
// tried (endorsement writes nothing). at is the peer that endorsed; txID is
// the last proposal's, also on failure.
func (g *Gateway) endorse(ctx context.Context, op, fn string, args ...string) (txn *client.Transaction, txID string, at int, err error) {
	at = -1
	err = g.pool.run(ctx, func(ctx context.Context, i int) error {
		t, id, err := endorseOn(ctx, g.eps[i].contract, g.opt.EndorseTimeout, op, fn, args...)
		txID = id
		if err != nil {
			return err
		}
		txn, at = t, i
		return nil
	})
	return txn, txID, at, err
}

func chaincodeOf(ep *endpoint) *client.Contract { return ep.contract }
func qsccOf(ep *endpoint) *client.Contract      { return ep.qscc }
