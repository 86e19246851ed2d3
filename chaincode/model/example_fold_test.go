package model_test

import (
	"fmt"
	"time"

	"github.com/qrsign/qrsign/chaincode/model"
)

// A relay or auditor rebuilds a document's state from its events (GetHistory
// or the qrsign.events chaincode events) with Fold.
func ExampleFold() {
	at := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	alice := model.SignerSpec{ID: "alice", MSPID: "Org1MSP", RoutingOrder: 1}
	events := []model.Event{
		{Type: model.EventDocumentRegistered, DocumentID: "d1", Seq: 0, TxID: "tx1", Timestamp: at,
			Registered: &model.DocumentRegistered{RegisterDocumentRequest: model.RegisterDocumentRequest{
				ID: "d1", Signers: []model.SignerSpec{alice}, ExpiresAt: at.Add(time.Hour)}, OwnerMSP: "Org1MSP"}},
		{Type: model.EventSignatureRecorded, DocumentID: "d1", Seq: 1, TxID: "tx2", Timestamp: at.Add(time.Minute),
			Signature: &model.SignatureEvidence{Signer: alice, CertFingerprint: "ab12"}},
		{Type: model.EventDocumentCompleted, DocumentID: "d1", Seq: 2, TxID: "tx2", Timestamp: at.Add(time.Minute),
			Completed: &model.Completed{Signatures: 1}},
	}
	doc, err := model.Fold(events)
	fmt.Println(doc.Status, doc.Signers[0].Status, doc.EventCount, doc.ClosedTxID, err)

	// The same signature again cannot follow.
	err = doc.Apply(model.Event{Type: model.EventSignatureRecorded, DocumentID: "d1", Seq: 3, Timestamp: at.Add(2 * time.Minute),
		Signature: events[1].Signature})
	fmt.Println(err)
	// Output:
	// COMPLETED SIGNED 3 tx2 <nil>
	// event rejected: SignatureRecorded seq 3: document is COMPLETED
}
