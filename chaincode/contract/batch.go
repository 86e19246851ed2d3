package contract

import (
	"github.com/hyperledger/fabric-contract-api-go/v2/contractapi"

	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/chaincode/payload"
)

// RecordBatchSignature records one scan's signature over a whole batch: the
// signer signed the batch-sign payload (batch id, Merkle root of the batch's
// document hashes, size), and each listed document is proven to be the leaf
// at its batchOrder by its inclusion proof. Every document gets its own
// SignatureRecorded event (and DocumentCompleted where it was the last
// signature), exactly as RecordSignature would record it; any failing
// document fails the whole transaction. The nonce is used once for the batch.
func (c *Contract) RecordBatchSignature(ctx contractapi.TransactionContextInterface, request string) (string, error) {
	out, err := recordBatch(ctx, request, false)
	return out, asError(err)
}

// RecordBatchDecline records one scan's refusal of a whole batch: the signer
// signed the batch-decline payload (batch-sign's fields and the reason), and
// every listed document gets a SignatureDeclined event that closes it as
// DECLINED, exactly as DeclineSignature would; as there, a signer may decline
// before their turn. Checks and atomicity are RecordBatchSignature's.
func (c *Contract) RecordBatchDecline(ctx contractapi.TransactionContextInterface, request string) (string, error) {
	out, err := recordBatch(ctx, request, true)
	return out, asError(err)
}

func recordBatch(ctx contractapi.TransactionContextInterface, request string, decline bool) (string, error) {
	var req model.BatchSignatureRequest
	verb, purpose := "record signatures", payload.PurposeBatchSign
	if decline {
		verb, purpose = "record declines", payload.PurposeBatchDecline
	}
	t, err := beginWrite(ctx, verb, request, model.MaxBatchRequestBytes, &req)
	if err != nil {
		return "", err
	}
	if !decline && req.Reason != "" {
		return "", model.Errorf(model.CodeInvalidField, "reason is bound only for RecordBatchDecline")
	}
	if decline {
		for i, it := range req.Items {
			if it.PDF != nil || it.P7S != nil {
				return "", model.Errorf(model.CodeInvalidField, "items[%d]: pdf and p7s are only for RecordBatchSignature", i)
			}
		}
	}
	c := batchClaim(&req, purpose)
	if c.pdfs, c.pdfProofs, err = model.BatchPDFTree(req.Items); err != nil {
		return "", err
	}
	return t.record(c)
}

// checkBatchSigned: each document of a batch signature gets what it signs
// beside the payload only if it is of its kind: a PDF revision the one after
// its latest recorded revision (else REVISION_STALE, nothing written), a
// .p7s only where it is not a PDF.
func (c *claim) checkBatchSigned(docs []*model.Document) error {
	if c.batch == nil {
		return nil
	}
	for i, it := range c.batch.Items {
		if it.PDF != nil {
			if err := docs[i].CheckNextRevision(it.PDF); err != nil {
				return err
			}
		}
		if it.P7S != nil {
			if err := docs[i].CheckP7S(); err != nil {
				return err
			}
		}
	}
	return nil
}

// ListBatch returns the documents of a batch in batchOrder.
func (c *Contract) ListBatch(ctx contractapi.TransactionContextInterface, batchID string) (string, error) {
	out, err := listBatch(ctx, batchID)
	return out, asError(err)
}

func listBatch(ctx contractapi.TransactionContextInterface, batchID string) (string, error) {
	t, err := beginQuery(ctx)
	if err != nil {
		return "", err
	}
	if !model.ValidID(batchID) {
		return "", model.Errorf(model.CodeInvalidField, "batch id %q is not valid", clip(batchID))
	}
	return t.indexPage(batchPrefix(batchID))
}

// indexPage is one unpaged page of the documents an index prefix names, in
// key order: for the small indexes (a batch, a transaction) bounded by
// model.MaxBatchItems.
func (t *txn) indexPage(prefix string) (string, error) {
	page := model.Page{Records: []model.DocumentView{}}
	err := t.scan(prefix, func(k string, _ []byte) error {
		doc, err := t.loadDoc(lastPart(k))
		if err != nil {
			return internal("index %s: %v", k, err)
		}
		page.Records = append(page.Records, doc.View(t.now))
		return nil
	})
	if err != nil {
		return "", err
	}
	return jsonResult(page)
}
