//go:build integration

package main

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/qrsign/qrsign/chaincode/model"
)

// RecordSignatures on the real network: Fabric CA-issued signers, one group
// of four with one item refused (out of turn). The three others commit in one
// transaction, each its own event and nonce record; the refused item writes
// nothing; ListByTx and VerifyRecord see the grouped signatures.
func TestIntegrationRecordSignaturesGroup(t *testing.T) {
	it := setup(t)
	ids := []string{"itest-g-a-" + randHex(4), "itest-g-b-" + randHex(4)}
	certA, keyA := it.enroll(ids[0])
	certB, keyB := it.enroll(ids[1])
	a := model.SignerSpec{ID: ids[0], MSPID: it.org.MSPID, RoutingOrder: 1}
	b := model.SignerSpec{ID: ids[1], MSPID: it.org.MSPID, RoutingOrder: 2}
	var reqs []model.SignatureRequest
	for i := range 3 {
		res := it.registerDoc(fmt.Sprintf("itest-grp-%s-%d", randHex(4), i), a)
		reqs = append(reqs, it.signatureRequest(res.Document, certA, keyA))
	}
	twoSigners := it.registerDoc("itest-grp-"+randHex(4), a, b)
	reqs = append(reqs, it.signatureRequest(twoSigners.Document, certB, keyB)) // b before a: out of turn

	out, err := it.submit(it.client, "RecordSignatures", model.SignatureGroupRequest{Items: reqs})
	if err != nil {
		t.Fatalf("RecordSignatures: %v", err)
	}
	var res model.GroupResult
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatal(err)
	}
	last := res.Items[3]
	if last.Code != model.CodeOutOfTurn || last.DocumentID != twoSigners.Document.ID {
		t.Fatalf("item 3: %+v", last)
	}
	if len(res.Documents) != 3 {
		t.Fatalf("%d documents", len(res.Documents))
	}
	tx := res.Documents[0].Signers[0].TxID // the group's: the signer's signature is its
	var page model.Page
	if err := json.Unmarshal([]byte(it.evaluate("ListByTx", tx)), &page); err != nil || len(page.Records) != 3 {
		t.Fatalf("ListByTx %s: %+v %v", tx, page, err)
	}
	for i, r := range reqs[:3] {
		if item := res.Items[i]; item.Code != "" {
			t.Fatalf("item %d refused: %+v", i, item)
		}
		var nr model.NonceRecord
		if err := json.Unmarshal([]byte(it.evaluate("GetNonce", r.Nonce)), &nr); err != nil || nr.TxID != tx || nr.DocumentID != r.DocumentID {
			t.Fatalf("nonce %d: %+v %v", i, nr, err)
		}
		var rep model.VerifyReport
		if err := json.Unmarshal([]byte(it.evaluate("VerifyRecord", r.DocumentID)), &rep); err != nil || !rep.OK {
			t.Fatalf("VerifyRecord %s: %+v %v", r.DocumentID, rep, err)
		}
	}
	var nr model.NonceRecord
	if err := json.Unmarshal([]byte(it.evaluate("GetNonce", reqs[3].Nonce)), &nr); err != nil || nr.Used {
		t.Fatalf("the refused item's nonce: %+v %v", nr, err)
	}
}
