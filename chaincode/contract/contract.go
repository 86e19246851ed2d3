// Package contract is the qrsign signing-ledger chaincode: an event-sourced
// record of documents, signatures and org trust (signer CAs and CRLs).
package contract

import (
	"github.com/hyperledger/fabric-contract-api-go/v2/contractapi"
	"github.com/hyperledger/fabric-contract-api-go/v2/metadata"
)

// Contract holds the transactions. It has no state of its own: everything is
// on the ledger, so any number of chaincode servers behave the same.
type Contract struct {
	contractapi.Contract
}

// NewChaincode builds the chaincode with Contract as its default contract, so
// transactions are called by their bare names.
func NewChaincode() (*contractapi.ContractChaincode, error) {
	c := &Contract{}
	c.Info = metadata.InfoMetadata{Title: "qrsign", Version: "1.0.0",
		Description: "Event-sourced signing ledger: documents, signatures, signer CAs and CRLs"}
	c.Name = "qrsign"
	cc, err := contractapi.NewChaincode(c)
	if err != nil {
		return nil, err
	}
	cc.Info.Title = "qrsign"
	cc.Info.Version = "1.0.0"
	cc.DefaultContract = c.GetName()
	cc.TransactionSerializer = &stringSerializer{}
	return cc, nil
}

// GetEvaluateTransactions marks the queries as evaluate-only in the metadata.
func (c *Contract) GetEvaluateTransactions() []string {
	return []string{"GetDocument", "GetHistory", "ListBySigner", "ListByOwner", "ListPending", "ListByTag",
		"VerifyRecord", "GetNonce", "GetOrgTrust", "GetOrgHistory", "ListBatch", "ListByHash", "ListByTx"}
}

// Ping writes nothing and returns the transaction id: readiness probe and benchmark baseline.
func (c *Contract) Ping(ctx contractapi.TransactionContextInterface) (string, error) {
	return ctx.GetStub().GetTxID(), nil
}
