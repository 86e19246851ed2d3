package contract

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"github.com/qrsign/qrsign/chaincode/certchain"
	"strings"

	"github.com/hyperledger/fabric-contract-api-go/v2/contractapi"

	"github.com/qrsign/qrsign/chaincode/merkle"
	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/chaincode/payload"
	"github.com/qrsign/qrsign/chaincode/sigalg"
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
	verb, purpose, evType := "record signatures", payload.PurposeBatchSign, model.EventSignatureRecorded
	if decline {
		verb, purpose, evType = "record declines", payload.PurposeBatchDecline, model.EventSignatureDeclined
	}
	t, err := beginWrite(ctx, verb, request, model.MaxBatchRequestBytes, &req)
	if err != nil {
		return "", err
	}
	if !decline && req.Reason != "" {
		return "", model.Errorf(model.CodeInvalidField, "reason is bound only for RecordBatchDecline")
	}
	// The checks run in RecordSignature's order (README), each over every document.
	docs := make([]*model.Document, len(req.Items))
	for i, it := range req.Items {
		doc, err := t.loadDoc(it.DocumentID)
		if err != nil {
			return "", err
		}
		if err := t.checkClock(doc); err != nil {
			return "", err
		}
		if doc.BatchID != req.BatchID {
			return "", model.Errorf(model.CodeInvalidField, "items[%d]: document %s is not in batch %s", i, doc.ID, req.BatchID)
		}
		if it.Proof.Index != doc.BatchOrder {
			return "", model.Errorf(model.CodeInvalidField, "items[%d]: proof index %d is not document %s's batchOrder %d",
				i, it.Proof.Index, doc.ID, doc.BatchOrder)
		}
		docs[i] = doc
	}
	var used model.NonceRecord
	if found, err := t.getJSON(nonceKey(req.Nonce), &used); err != nil {
		return "", err
	} else if found {
		return "", model.Errorf(model.CodeNonceReused, "nonce %s was used by transaction %s", req.Nonce, used.TxID)
	}
	for _, doc := range docs {
		if doc.Status != model.StatusPending {
			return "", model.Errorf(model.CodeDocumentClosed, "document %s is %s", doc.ID, doc.Status)
		}
		if !t.now.Before(doc.ExpiresAt) {
			return "", model.Errorf(model.CodeDocumentExpired, "document %s expired at %s", doc.ID,
				doc.ExpiresAt.Format("2006-01-02T15:04:05Z07:00"))
		}
	}
	chain, err := certchain.Parse(req.CertChainPEM)
	if err != nil {
		return "", err
	}
	leaf := chain[0]
	if err := certchain.CheckLeaf(leaf); err != nil {
		return "", err
	}
	if err := certchain.CheckValidity(t.now, chain...); err != nil {
		return "", err
	}
	idxs := make([]int, len(docs))
	verdicts := make([]certchain.Verdict, len(docs))
	for i, doc := range docs {
		if idxs[i], verdicts[i], err = t.identify(doc, chain, req.MSPID); err != nil {
			return "", err
		}
	}
	fp := payload.Fingerprint(leaf.Raw)
	msg, err := payload.Build(payload.Fields{Purpose: purpose, Channel: t.channel, DocumentID: req.BatchID,
		DocumentSHA256: req.Root, Nonce: req.Nonce, SignerFingerprint: fp, Size: req.Size, Reason: req.Reason})
	if err != nil {
		return "", model.Errorf(model.CodeInvalidField, "%v", err)
	}
	sig, err := base64.StdEncoding.Strict().DecodeString(req.Signature)
	if err != nil {
		return "", model.Errorf(model.CodeBadSignature, "signature is not standard base64")
	}
	if err := sigalg.Verify(req.Algorithm, leaf.PublicKey, msg, sig); err != nil {
		return "", err
	}
	batch, err := merkle.ParseBatch(req.Root, req.Size)
	if err != nil {
		return "", model.Errorf(model.CodeInvalidField, "%v", err)
	}
	for i, doc := range docs {
		if err := verifyLeaf(batch, doc, req.Items[i].Proof); err != nil {
			return "", model.Errorf(codeOfMerkle(err), "items[%d]: %v", i, err)
		}
	}
	revoked := map[string]revocationResult{} // per org: the chain and its verdict are the same for every document
	sum := sha256.Sum256(msg)
	evidence := make([]model.SignatureEvidence, len(docs))
	for i, doc := range docs {
		signer := doc.Signers[idxs[i]]
		r, ok := revoked[signer.MSPID]
		if !ok {
			if r, err = t.checkRevocation(signer.MSPID, verdicts[i]); err != nil {
				return "", err
			}
			revoked[signer.MSPID] = r
		}
		if signer.Status != model.SignerPending {
			return "", model.Errorf(model.CodeAlreadySigned, "%s already %s document %s", signer.Key(),
				strings.ToLower(string(signer.Status)), doc.ID)
		}
		if !decline && signer.RoutingOrder != doc.CurrentOrder {
			return "", model.Errorf(model.CodeOutOfTurn, "%s has routing order %d; order %d has not finished",
				signer.Key(), signer.RoutingOrder, doc.CurrentOrder)
		}
		p := req.Items[i].Proof
		ev := model.SignatureEvidence{
			Signer: signer.SignerSpec, Nonce: req.Nonce, Algorithm: req.Algorithm, Signature: req.Signature,
			PayloadSHA256: hex.EncodeToString(sum[:]), CertChainPEM: chainPEM(chain), CertFingerprint: fp,
			CertSubject: leaf.Subject.String(), CertIssuer: leaf.Issuer.String(), CertSerial: certchain.SerialHex(leaf),
			CertNotBefore: leaf.NotBefore.UTC(), CertNotAfter: leaf.NotAfter.UTC(), CAFingerprint: verdicts[i].Anchor.Fingerprint,
			Reason: req.Reason,
			Batch: &model.BatchEvidence{BatchID: req.BatchID, Root: req.Root, Size: req.Size, Index: p.Index,
				Proof: append([]string{}, p.Path...)},
		}
		evidenceCRL(&ev, r)
		evidence[i] = ev
	}
	// Every check passed: now write.
	var first model.Event
	for i, doc := range docs {
		signer := doc.Signers[idxs[i]]
		done := []model.SignerSpec{signer.SignerSpec}
		if decline { // closes the document: nobody is waited for any more
			done = pendingSigners(doc)
		}
		e := t.event(evType, doc.ID, doc.EventCount)
		e.Signature = &evidence[i]
		if err := t.apply(doc, e); err != nil {
			return "", err
		}
		if i == 0 {
			first = e
		}
		if !decline && doc.CurrentOrder == 0 {
			c := t.event(model.EventDocumentCompleted, doc.ID, doc.EventCount)
			c.Completed = &model.Completed{Signatures: len(doc.Signers)}
			if err := t.apply(doc, c); err != nil {
				return "", err
			}
		}
		if err := t.dropPending(doc, done); err != nil {
			return "", err
		}
	}
	ts := first.Timestamp
	if err := t.putJSON(nonceKey(req.Nonce), model.NonceRecord{Nonce: req.Nonce, Used: true, TxID: t.id,
		BatchID: req.BatchID, EventType: evType, Timestamp: &ts}); err != nil {
		return "", err
	}
	return t.emitDocs(docs, true)
}

// verifyLeaf checks that doc's SHA-256 is leaf p.Index of batch.
func verifyLeaf(batch merkle.Batch, doc *model.Document, p merkle.Proof) error {
	h, err := merkle.ParseHash(doc.SHA256)
	if err != nil {
		return err
	}
	if err := batch.Verify(h, p); err != nil {
		return &leafError{doc: doc.ID, index: p.Index, err: err}
	}
	return nil
}

type leafError struct {
	doc   string
	index int
	err   error
}

func (e *leafError) Error() string {
	return fmt.Sprintf("document %s is not leaf %d of the signed batch: %v", e.doc, e.index, e.err)
}
func (e *leafError) Unwrap() error { return e.err }

// codeOfMerkle: a malformed proof is bad input; a well-formed proof that does
// not lead to the signed root means the signature does not cover the document.
func codeOfMerkle(err error) model.Code {
	if errors.Is(err, merkle.ErrMismatch) {
		return model.CodeBadSignature
	}
	return model.CodeInvalidField
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
