package ledger

import (
	"context"
	"fmt"
	"os"

	"github.com/hyperledger/fabric-gateway/pkg/identity"
	"github.com/hyperledger/fabric-protos-go-apiv2/gateway"
	"google.golang.org/protobuf/proto"

	"github.com/qrsign/qrsign/chaincode/model"
)

// BlockByTxID returns the raw block (common.Block protobuf) holding a
// committed transaction, as qscc GetBlockByTxID answers it. Evidence bundles
// carry the block so that inclusion can be checked offline.
func (g *Gateway) BlockByTxID(ctx context.Context, txID string) ([]byte, error) {
	raw, err := g.evaluate(ctx, qsccOf, "qscc.GetBlockByTxID", "GetBlockByTxID", g.opt.Channel, txID)
	if err != nil {
		return nil, err
	}
	if len(raw) == 0 {
		return nil, fmt.Errorf("ledger: qscc block for %s: empty answer", txID)
	}
	return raw, nil
}

// GetOrgHistory evaluates GetOrgHistory.
func (g *Gateway) GetOrgHistory(ctx context.Context, mspID string) (*model.OrgHistory, error) {
	var h model.OrgHistory
	return &h, g.query(ctx, "GetOrgHistory", mspID, &h)
}

// ChannelName is the channel this gateway reads and writes.
func (g *Gateway) ChannelName() string { return g.opt.Channel }

// ChaincodeName is the chaincode this gateway calls.
func (g *Gateway) ChaincodeName() string { return g.opt.Chaincode }

// Witness endorses, and never submits, a GetDocument proposal: the
// evidence bundle's freshness witness. Its endorsed read set pins
// doc/<id> at the version the document's last valid transaction wrote.
// The gateway picks the endorsers by the chaincode's endorsement policy
// (as for any Endorse), so the witness carries as many orgs as a write.
// The envelope returned is the prepared transaction signed with the
// relay's identity (as Submit would sign it), so that a verifier checks its
// creator's signature as for any transaction; it is never submitted. Like a
// query, it is endorsed by the next peer when the current one is down.
func (g *Gateway) Witness(ctx context.Context, id string) ([]byte, error) {
	txn, _, _, err := g.endorse(ctx, "GetDocument (witness)", "GetDocument", id)
	if err != nil {
		return nil, err
	}
	raw, err := txn.Bytes()
	if err != nil {
		return nil, fmt.Errorf("ledger: witness: %w", err)
	}
	var pt gateway.PreparedTransaction
	if err := proto.Unmarshal(raw, &pt); err != nil {
		return nil, fmt.Errorf("ledger: witness: %w", err)
	}
	env := pt.GetEnvelope()
	if env.Signature, err = g.signDigest(txn.Digest()); err != nil {
		return nil, fmt.Errorf("ledger: witness: %w", err)
	}
	return proto.Marshal(env)
}

// signDigest signs a digest with the gateway's identity key (the gateway
// client keeps its signer to itself; the key file is read again).
func (g *Gateway) signDigest(digest []byte) ([]byte, error) {
	keyPEM, err := os.ReadFile(g.opt.KeyFile)
	if err != nil {
		return nil, fmt.Errorf("key: %w", err)
	}
	key, err := identity.PrivateKeyFromPEM(keyPEM)
	if err != nil {
		return nil, fmt.Errorf("key %s: %w", g.opt.KeyFile, err)
	}
	sign, err := identity.NewPrivateKeySign(key)
	if err != nil {
		return nil, fmt.Errorf("key %s: %w", g.opt.KeyFile, err)
	}
	return sign(digest)
}
