package contract

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/chaincode/payload"
)

func (w *world) group(items ...model.SignatureRequest) (string, error) {
	return w.invoke(w.orgs["Org1MSP"].client, "RecordSignatures", js(model.SignatureGroupRequest{Items: items}))
}

func (w *world) signReq(s *signer, doc string) model.SignatureRequest {
	return w.sigRequest(s, doc, payload.PurposeSign, "", nil, "")
}

// A group records each signature as RecordSignature would: its own event
// (and DocumentCompleted after the last signature), its own nonce record, the
// tx index of each document, one chaincode event with every event; and
// VerifyRecord re-verifies each document.
func TestRecordSignaturesRecordsEachItemAsRecordSignature(t *testing.T) {
	w := newWorld(t)
	alice, bob := w.signer("Org1MSP", "alice", 1), w.signer("Org2MSP", "bob", 2)
	w.register("g1", alice)
	w.register("g2", alice, bob)
	w.register("g3", bob)
	reqs := []model.SignatureRequest{w.signReq(alice, "g1"), w.signReq(alice, "g2"), w.signReq(bob, "g3")}
	out := mustOK(t)(w.group(reqs...))
	res := decode[model.GroupResult](t, out)
	tx := w.lastTx()

	wantItems := `[{"documentId":"g1"},{"documentId":"g2"},{"documentId":"g3"}]`
	if got := js(res.Items); got != wantItems {
		t.Fatalf("items %s, want %s", got, wantItems)
	}
	if strings.Contains(out, `"events"`) {
		t.Fatalf("the group's result repeats its events: %s", out)
	}
	// The events are in the one chaincode event (and on the ledger).
	var emitted []model.Event
	if err := json.Unmarshal(w.last.Event.Payload, &emitted); err != nil {
		t.Fatalf("chaincode event: %v", err)
	}
	var types []string
	for _, e := range emitted {
		types = append(types, e.DocumentID+":"+string(e.Type))
		if e.TxID != tx {
			t.Fatalf("event %+v not of tx %s", e, tx)
		}
	}
	wantEvents := "g1:SignatureRecorded g1:DocumentCompleted g2:SignatureRecorded g3:SignatureRecorded g3:DocumentCompleted"
	if got := strings.Join(types, " "); got != wantEvents {
		t.Fatalf("events %s, want %s", got, wantEvents)
	}
	var status []string
	for _, d := range res.Documents {
		status = append(status, d.ID+":"+string(d.Status))
	}
	if got := strings.Join(status, " "); got != "g1:COMPLETED g2:PENDING g3:COMPLETED" {
		t.Fatalf("documents %s", got)
	}
	for i, r := range reqs {
		nr := decode[model.NonceRecord](t, w.must(nil, "GetNonce", r.Nonce))
		if !nr.Used || nr.TxID != tx || nr.DocumentID != r.DocumentID || nr.EventType != model.EventSignatureRecorded {
			t.Fatalf("item %d nonce record %+v", i, nr)
		}
		if rep := decode[model.VerifyReport](t, w.must(nil, "VerifyRecord", r.DocumentID)); !rep.OK {
			t.Fatalf("VerifyRecord %s: %+v", r.DocumentID, rep)
		}
	}
	if got := ids(decode[model.Page](t, w.must(nil, "ListByTx", tx))); got != "g1,g2,g3" {
		t.Fatalf("ListByTx %s", got)
	}
	// g2's next signer signs alone afterwards, on top of the grouped event.
	mustOK(t)(w.sign(bob, "g2"))
	if rep := decode[model.VerifyReport](t, w.must(nil, "VerifyRecord", "g2")); !rep.OK {
		t.Fatalf("VerifyRecord g2: %+v", rep)
	}
}

// An item the chaincode refuses is answered with RecordSignature's exact
// error and writes nothing (its document and nonce stay as they were); the
// other items are recorded. Nothing recorded: no write and no event.
func TestRecordSignaturesRefusesItemsOneByOne(t *testing.T) {
	w := newWorld(t)
	alice, bob := w.signer("Org1MSP", "alice", 1), w.signer("Org2MSP", "bob", 2)
	w.register("r1", alice)
	w.register("r2", alice, bob)
	w.register("r3", alice)
	w.register("r4", alice)
	mustOK(t)(w.sign(alice, "r3"))
	forged := w.signReq(alice, "r4")
	forged.Signature = w.signReq(alice, "r1").Signature

	reqs := []model.SignatureRequest{
		w.signReq(alice, "r1"),
		w.signReq(bob, "r2"),   // bob's turn comes after alice's
		w.signReq(alice, "r3"), // already completed
		forged,
		w.signReq(alice, "nope"),
	}
	before := map[string]string{}
	for _, d := range []string{"r2", "r3", "r4"} {
		before[d] = string(w.L.State[docKey(d)])
	}
	res := decode[model.GroupResult](t, mustOK(t)(w.group(reqs...)))
	want := []model.GroupItem{
		{DocumentID: "r1"},
		{DocumentID: "r2", Code: model.CodeOutOfTurn, Message: "Org2MSP/bob has routing order 2; order 1 has not finished"},
		{DocumentID: "r3", Code: model.CodeDocumentClosed, Message: "document r3 is COMPLETED"},
		{DocumentID: "r4", Code: model.CodeBadSignature, Message: "signature does not verify"},
		{DocumentID: "nope", Code: model.CodeDocumentNotFound, Message: "document nope not found"},
	}
	if got := js(res.Items); got != js(want) {
		t.Fatalf("items\n got  %s\n want %s", got, js(want))
	}
	for i, r := range reqs[1:] {
		if b := string(w.L.State[docKey(r.DocumentID)]); b != before[r.DocumentID] {
			t.Errorf("refused item %d changed document %s", i+1, r.DocumentID)
		}
		if w.L.State[nonceKey(r.Nonce)] != nil {
			t.Errorf("refused item %d spent its nonce", i+1)
		}
		// Refused alone, each item gets the same answer.
		if _, err := w.sign(bob, "r2"); err == nil || err.Error() != string(want[1].Code)+": "+want[1].Message {
			t.Errorf("alone: %v", err)
		}
	}
	if len(res.Documents) != 1 || res.Documents[0].ID != "r1" || res.Documents[0].Status != model.StatusCompleted {
		t.Fatalf("documents %+v", res.Documents)
	}

	out := mustOK(t)(w.group(w.signReq(alice, "r3")))
	if len(w.last.Writes()) != 0 || w.last.Event != nil {
		t.Fatalf("an all-refused group wrote %d keys, event %v", len(w.last.Writes()), w.last.Event)
	}
	if want := `{"documents":[],"items":[{"documentId":"r3","code":"DOCUMENT_CLOSED","message":"document r3 is COMPLETED"}]}`; out != want {
		t.Fatalf("all refused: %s", out)
	}
}

// A malformed group is refused whole, with the item it names.
func TestRecordSignaturesRefusesMalformedGroups(t *testing.T) {
	w := newWorld(t)
	alice := w.signer("Org1MSP", "alice", 1)
	w.register("m1", alice)
	w.register("m2", alice)
	a, b := w.signReq(alice, "m1"), w.signReq(alice, "m2")
	sameDoc := w.signReq(alice, "m1")
	sameNonce := b
	sameNonce.Nonce = a.Nonce
	badNonce := b
	badNonce.Nonce = "xyz"
	withReason := b
	withReason.Reason = "because"
	many := make([]model.SignatureRequest, model.MaxGroupItems+1)
	for i := range many {
		many[i] = a
		many[i].DocumentID = fmt.Sprintf("m%d", i)
	}
	cases := []struct {
		name    string
		arg     string
		creator []byte
		want    string
	}{
		{"empty", `{"items":[]}`, nil, "INVALID_FIELD: items must list 1..64 signatures"},
		{"too many", js(model.SignatureGroupRequest{Items: many}), nil, "INVALID_FIELD: items must list 1..64 signatures"},
		{"same document", js(model.SignatureGroupRequest{Items: []model.SignatureRequest{a, sameDoc}}), nil,
			"INVALID_FIELD: items[1]: document m1 is also items[0]; one signature per document in a group"},
		{"same nonce", js(model.SignatureGroupRequest{Items: []model.SignatureRequest{a, sameNonce}}), nil,
			"INVALID_FIELD: items[1]: nonce " + a.Nonce + " is also items[0]'s"},
		{"bad item", js(model.SignatureGroupRequest{Items: []model.SignatureRequest{a, badNonce}}), nil,
			"INVALID_FIELD: items[1]: nonce must be 32 lowercase hex characters"},
		{"reason", js(model.SignatureGroupRequest{Items: []model.SignatureRequest{withReason}}), nil,
			"INVALID_FIELD: items[0]: reason is bound only for DeclineSignature"},
		{"unknown field", `{"items":[],"x":1}`, nil, `BAD_REQUEST: request JSON: json: unknown field "x"`},
		{"member", js(model.SignatureGroupRequest{Items: []model.SignatureRequest{a}}), w.orgs["Org1MSP"].member,
			"FORBIDDEN: only a relay (attribute qrsign.role=relay) or an org admin may record signatures; the submitter of Org1MSP has neither"},
	}
	for _, c := range cases {
		creator := c.creator
		if creator == nil {
			creator = w.orgs["Org1MSP"].client
		}
		if _, err := w.invoke(creator, "RecordSignatures", c.arg); err == nil || err.Error() != c.want {
			t.Errorf("%s: got %v\nwant %q", c.name, err, c.want)
		}
	}
}
