package contract

import (
	"encoding/json"
	"errors"

	"github.com/hyperledger/fabric-contract-api-go/v2/contractapi"

	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/chaincode/payload"
)

// RecordSignatures records independent signatures, each on its own document
// with its own nonce, in one transaction: the relay's group commit. Each item
// is proven and written exactly as RecordSignature would (the same claim, the
// same checks, its own events and nonce record); an item the chaincode
// refuses writes nothing and is answered in GroupResult.items with its code,
// and the others are still recorded. Only a malformed request or a ledger
// failure fails the whole transaction.
func (c *Contract) RecordSignatures(ctx contractapi.TransactionContextInterface, request string) (string, error) {
	out, err := recordSignatures(ctx, request)
	return out, asError(err)
}

func recordSignatures(ctx contractapi.TransactionContextInterface, request string) (string, error) {
	var req model.SignatureGroupRequest
	t, err := beginWrite(ctx, "record signatures", request, model.MaxBatchRequestBytes, &req)
	if err != nil {
		return "", err
	}
	items := make([]model.GroupItem, len(req.Items))
	var docs []*model.Document
	for i := range req.Items {
		r := &req.Items[i]
		items[i].DocumentID = r.DocumentID
		c := singleClaim(r, payload.PurposeSign, nil, "")
		c.pdf, c.p7s = r.PDF, r.P7S
		proofs, err := t.prove(c)
		if err != nil {
			var me *model.Error
			if !errors.As(err, &me) || me.Code == model.CodeInternal {
				return "", err // the ledger failed, not the item
			}
			// prove only reads: the refused item left nothing behind.
			items[i].Code, items[i].Message = me.Code, me.Message
			continue
		}
		d, err := t.settleClaim(c, proofs)
		if err != nil {
			return "", err
		}
		docs = append(docs, d...)
	}
	if len(docs) == 0 { // nothing to write: no event either
		return jsonResult(model.GroupResult{Documents: []model.DocumentView{}, Items: items})
	}
	out, err := t.emitDocs(docs, documentsOnly)
	if err != nil {
		return "", err
	}
	b, err := json.Marshal(items)
	if err != nil {
		return "", internal("encode items: %v", err)
	}
	// emitDocs' documents object, with the items added before its closing brace.
	return out[:len(out)-1] + `,"items":` + string(b) + "}", nil
}
