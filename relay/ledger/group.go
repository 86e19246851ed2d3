package ledger

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/qrsign/qrsign/chaincode/model"
)

// Group is a RecordSignatures transaction: its result per item, and where it
// committed. When the chaincode refused every item nothing was submitted
// (Submitted false, no block).
type Group struct {
	Tx
	Submitted bool
	Result    model.GroupResult
}

// RecordSignatures endorses RecordSignatures and, when the chaincode recorded
// at least one item, submits it and reads its commit status. Unlike Submit it
// does not retry a read conflict: the group committer splits the group
// instead, so one contended document does not hold back the others.
func (g *Gateway) RecordSignatures(ctx context.Context, reqs []model.SignatureRequest) (*Group, error) {
	const fn = "RecordSignatures"
	arg, err := json.Marshal(model.SignatureGroupRequest{Items: reqs})
	if err != nil {
		return nil, err
	}
	txn, txID, at, err := g.endorse(ctx, fn, fn, string(arg))
	if err = g.membership(fn, txID, err); err != nil { // as Submit: an org the channel refused is told so
		return nil, err
	}
	grp := &Group{Tx: Tx{TxID: txID}}
	if err := json.Unmarshal(txn.Result(), &grp.Result); err != nil {
		return nil, fmt.Errorf("ledger: %s (tx %s): result: %w", fn, txID, err)
	}
	if len(grp.Result.Items) != len(reqs) {
		return nil, fmt.Errorf("ledger: %s (tx %s): %d item results for %d items", fn, txID, len(grp.Result.Items), len(reqs))
	}
	if len(grp.Result.Documents) == 0 {
		return grp, nil
	}
	st, err := g.order(ctx, fn, txn, at)
	if err != nil {
		return nil, err
	}
	grp.BlockNumber, grp.ValidationCode, grp.Submitted = st.BlockNumber, st.Code.String(), true
	if !st.Successful {
		if g.opt.OnRetry != nil {
			g.opt.OnRetry(fn, txID, grp.ValidationCode)
		}
		return nil, Invalidated(fn, txID, grp.ValidationCode)
	}
	g.RememberBlock(txID, st.BlockNumber)
	return grp, nil
}

// Conflict: err says another transaction changed what this one read, at
// commit (MVCC or phantom read conflict) or already between the endorsing
// peers, or a membership change changed the endorsement policy between
// endorsement and validation; a fresh endorsement may succeed.
func Conflict(err error) bool {
	return readConflict(err) || policyChanged(err) || endorsementsDiverged(err)
}

// Item is what the group's item i answers for its own document: its
// document after the commit (as RecordSignature would have, without the
// events: a group's result does not repeat them, they are in its chaincode
// event and on the ledger), or the chaincode's refusal.
func (grp *Group) Item(i int) (*Written, error) {
	it := grp.Result.Items[i]
	if it.Code != "" {
		return nil, Rejected("RecordSignature", grp.TxID, it.Code, it.Message)
	}
	w := &Written{Tx: grp.Tx}
	for k := range grp.Result.Documents {
		if d := &grp.Result.Documents[k]; d.ID == it.DocumentID {
			w.Result.Document = d
		}
	}
	return w, nil
}
