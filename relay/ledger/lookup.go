package ledger

import (
	"context"

	"github.com/qrsign/qrsign/chaincode/model"
)

// ListByTx evaluates ListByTx.
func (g *Gateway) ListByTx(ctx context.Context, txID string) (*model.Page, error) {
	var p model.Page
	return &p, g.query(ctx, "ListByTx", txID, &p)
}

// VerifyRecord evaluates VerifyRecord.
func (g *Gateway) VerifyRecord(ctx context.Context, id string) (*model.VerifyReport, error) {
	var r model.VerifyReport
	return &r, g.query(ctx, "VerifyRecord", id, &r)
}
