package ledger

import (
	"context"
	"fmt"

	"github.com/hyperledger/fabric-gateway/pkg/client"

	"github.com/qrsign/qrsign/chaincode/model"
)

// OrgHistory is the answer of the chaincode's GetOrgHistory: every CA and
// CRL event of one org, oldest first.
type OrgHistory struct {
	MSPID  string        `json:"mspId"`
	Events []model.Event `json:"events"`
}

// BlockByTxID returns the raw block (common.Block protobuf) holding a
// committed transaction, as qscc GetBlockByTxID answers it. Evidence bundles
// carry the block so that inclusion can be checked offline.
func (g *Gateway) BlockByTxID(ctx context.Context, txID string) ([]byte, error) {
	var raw []byte
	err := g.pool.run(ctx, func(ctx context.Context, i int) error {
		ctx, cancel := context.WithTimeout(ctx, g.opt.EvaluateTimeout)
		defer cancel()
		var err error
		if raw, err = g.eps[i].qscc.EvaluateWithContext(ctx, "GetBlockByTxID", client.WithArguments(g.opt.Channel, txID)); err != nil {
			return classify("qscc.GetBlockByTxID", "", err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(raw) == 0 {
		return nil, fmt.Errorf("ledger: qscc block for %s: empty answer", txID)
	}
	return raw, nil
}

// GetOrgHistory evaluates GetOrgHistory.
func (g *Gateway) GetOrgHistory(ctx context.Context, mspID string) (*OrgHistory, error) {
	var h OrgHistory
	return &h, g.query(ctx, "GetOrgHistory", mspID, &h)
}

// ChannelName is the channel this gateway reads and writes.
func (g *Gateway) ChannelName() string { return g.opt.Channel }

// ChaincodeName is the chaincode this gateway calls.
func (g *Gateway) ChaincodeName() string { return g.opt.Chaincode }
