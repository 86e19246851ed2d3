package contract

import (
	"regexp"

	"github.com/hyperledger/fabric-contract-api-go/v2/contractapi"

	"github.com/qrsign/qrsign/chaincode/model"
)

// ListByHash lists the documents registered with a content hash (sha256),
// oldest first: the public "is this file on the ledger?" lookup. The same
// bytes may be registered under several ids, so it is paged like the others.
func (c *Contract) ListByHash(ctx contractapi.TransactionContextInterface, query string) (string, error) {
	out, err := list(ctx, query, func(q *model.ListQuery) (string, bool, error) {
		if !model.ValidSHA256(q.SHA256) {
			return "", false, model.Errorf(model.CodeInvalidField, "ListByHash needs sha256 (64 lowercase hex)")
		}
		return hashPrefix(q.SHA256), true, nil
	})
	return out, asError(err)
}

// reTxID: Fabric transaction ids are 64 lowercase hex (the peer checks they
// are the hash of nonce and creator); anything made of key-safe characters is
// accepted so that the query itself never fails on a well-formed key part.
var reTxID = regexp.MustCompile(`^[A-Za-z0-9_-]{1,128}$`)

// ListByTx lists the documents a transaction appended events to, by document
// id. A transaction touches at most model.MaxBatchItems documents (a batch
// signature), so the answer is one unpaged Page.
func (c *Contract) ListByTx(ctx contractapi.TransactionContextInterface, txID string) (string, error) {
	out, err := listByTx(ctx, txID)
	return out, asError(err)
}

func listByTx(ctx contractapi.TransactionContextInterface, txID string) (string, error) {
	t, err := beginQuery(ctx)
	if err != nil {
		return "", err
	}
	if !reTxID.MatchString(txID) {
		return "", model.Errorf(model.CodeInvalidField, "transaction id %q is not valid", clip(txID))
	}
	ids, err := t.txDocs(txID)
	if err != nil {
		return "", err
	}
	page := model.Page{Records: make([]model.DocumentView, 0, len(ids))}
	for _, id := range ids {
		doc, err := t.loadDoc(id)
		if err != nil {
			return "", internal("tx index %s: %v", txID, err)
		}
		page.Records = append(page.Records, doc.View(t.now))
	}
	return jsonResult(page)
}
