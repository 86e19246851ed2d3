package contract

import (
	"strings"
	"testing"

	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/chaincode/payload"
)

func TestRegisterDocumentRejects(t *testing.T) {
	w := newWorld(t)
	alice := w.signer("Org1MSP", "alice", 1)
	w.register("d1", alice)
	past := docRequest("d2", alice)
	past.ExpiresAt = t0
	noSigners := docRequest("d3")
	cases := []struct{ name, req, want string }{
		{"duplicate id", js(docRequest("d1", alice)), "DOCUMENT_EXISTS: document d1 already exists"},
		{"expiry in the past", js(past), "INVALID_FIELD: expiresAt must be after the transaction time"},
		{"no signers", js(noSigners), "INVALID_FIELD: signers must list 1..32 signers"},
		{"not JSON", "id=d4", "BAD_REQUEST: request JSON: invalid character 'i' looking for beginning of value"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := w.invoke(w.orgs["Org1MSP"].client, "RegisterDocument", c.req)
			if err == nil || err.Error() != c.want {
				t.Fatalf("got  %v\nwant %s", err, c.want)
			}
		})
	}
}

func TestVoidDocument(t *testing.T) {
	f := newFixture(t)
	void := func(creator []byte, reason string) error {
		_, err := f.invoke(creator, "VoidDocument", js(model.VoidRequest{DocumentID: "d1", Reason: reason}))
		return err
	}
	if err := void(f.orgs["Org2MSP"].admin, "not mine"); err == nil || err.Error() != "FORBIDDEN: only the owner's org Org1MSP may void document d1" {
		t.Fatalf("other org: %v", err)
	}
	if err := void(f.orgs["Org1MSP"].client, " "); err == nil || err.Error() != "INVALID_FIELD: reason must be 1..1024 bytes, not blank" {
		t.Fatalf("blank reason: %v", err)
	}
	if err := void(f.orgs["Org1MSP"].client, "superseded"); err != nil {
		t.Fatal(err)
	}
	if n := countPrefix(f.world, pPending+"/"); n != 0 {
		t.Fatalf("%d pending index keys left after void", n)
	}
	if err := void(f.orgs["Org1MSP"].client, "again"); err == nil || err.Error() != "DOCUMENT_CLOSED: document d1 is VOIDED" {
		t.Fatalf("second void: %v", err)
	}
}

func TestDeclineClosesDocument(t *testing.T) {
	f := newFixture(t)
	// bob may decline before his turn.
	req := f.sigRequest(f.bob, "d1", payload.PurposeDecline, "terms unacceptable", nil, "")
	res := decode[model.WriteResult](t, f.must(f.orgs["Org2MSP"].client, "DeclineSignature", js(req)))
	d := res.Document
	if d.Status != model.StatusDeclined || d.Signers[1].Status != model.SignerDeclined || d.ClosedTxID != f.last.TxID ||
		res.Events[0].Signature.Reason != "terms unacceptable" {
		t.Fatalf("declined: %+v", d)
	}
	if n := countPrefix(f.world, pPending+"/"); n != 0 {
		t.Fatalf("%d pending index keys left after decline", n)
	}
	other := f.sigRequest(f.alice, "d1", payload.PurposeDecline, "a", nil, "")
	if _, err := f.invoke(f.orgs["Org1MSP"].client, "DeclineSignature", js(other)); err == nil ||
		err.Error() != "DOCUMENT_CLOSED: document d1 is DECLINED" {
		t.Fatalf("decline on closed: %v", err)
	}
	if _, err := f.sign(f.alice, "d1"); err == nil || err.Error() != "DOCUMENT_CLOSED: document d1 is DECLINED" {
		t.Fatalf("sign on declined: %v", err)
	}
}

func TestDeclineReasonIsSigned(t *testing.T) {
	f := newFixture(t)
	req := f.sigRequest(f.alice, "d1", payload.PurposeDecline, "a", nil, "")
	req.Reason = "b"
	if _, err := f.invoke(f.orgs["Org1MSP"].client, "DeclineSignature", js(req)); err == nil || err.Error() != "BAD_SIGNATURE: signature does not verify" {
		t.Fatalf("got %v", err)
	}
}

func TestParallelSignersThenSequential(t *testing.T) {
	w := newWorld(t)
	a, b, c := w.signer("Org1MSP", "a", 1), w.signer("Org2MSP", "b", 1), w.signer("Org1MSP", "c", 2)
	w.register("p1", a, b, c)
	if _, err := w.sign(c, "p1"); err == nil || err.Error() != "OUT_OF_TURN: Org1MSP/c has routing order 2; order 1 has not finished" {
		t.Fatalf("c early: %v", err)
	}
	mustOK(t)(w.sign(b, "p1"))
	if _, err := w.sign(c, "p1"); err == nil || err.Error() != "OUT_OF_TURN: Org1MSP/c has routing order 2; order 1 has not finished" {
		t.Fatalf("c after b: %v", err)
	}
	mustOK(t)(w.sign(a, "p1"))
	res := decode[model.WriteResult](t, mustOK(t)(w.sign(c, "p1")))
	if res.Document.Status != model.StatusCompleted || res.Document.Signers[2].Status != model.SignerSigned {
		t.Fatalf("%+v", res.Document)
	}
}

func TestAnnotate(t *testing.T) {
	f := newFixture(t)
	annotate := func(s *signer, tags []string, note string) (string, error) {
		r := f.sigRequest(s, "d1", payload.PurposeAnnotate, "", tags, note)
		return f.invoke(f.orgs["Org1MSP"].client, "Annotate", js(model.AnnotateRequest{SignatureRequest: r, Tags: tags, Note: note}))
	}
	mustOK(t)(annotate(f.alice, []string{"urgent", "hr"}, "check clause 4"))
	f.must(f.orgs["Org1MSP"].client, "VoidDocument", js(model.VoidRequest{DocumentID: "d1", Reason: "x"}))
	// Annotations are allowed on closed documents.
	res := decode[model.WriteResult](t, mustOK(t)(annotate(f.bob, []string{"hr", "archive"}, "")))
	if strings.Join(res.Document.Tags, ",") != "archive,hr,urgent" || res.Document.Notes != 1 || res.Document.Status != model.StatusVoided {
		t.Fatalf("%+v", res.Document)
	}
	if n := countPrefix(f.world, pTag+"/"); n != 3 {
		t.Fatalf("%d tag index keys, want 3", n)
	}
	// Tags are bound by the signature.
	r := f.sigRequest(f.alice, "d1", payload.PurposeAnnotate, "", []string{"a"}, "")
	_, err := f.invoke(f.orgs["Org1MSP"].client, "Annotate", js(model.AnnotateRequest{SignatureRequest: r, Tags: []string{"b"}}))
	if err == nil || err.Error() != "BAD_SIGNATURE: signature does not verify" {
		t.Fatalf("swapped tags: %v", err)
	}
	mallory := f.aliceWith(f.orgs["Org1MSP"].ca, testLeaf("mallory"))
	if _, err := annotate(mallory, []string{"x"}, ""); err == nil || err.Error() != `NOT_A_SIGNER: certificate CN "mallory" is not a signer of document d1` {
		t.Fatalf("non-signer: %v", err)
	}
	rep := decode[model.VerifyReport](t, f.must(nil, "VerifyRecord", "d1"))
	if !rep.OK || len(rep.Checks) != 2+3*2 {
		t.Fatalf("VerifyRecord %+v", rep)
	}
}

func TestQueriesOfOneDocument(t *testing.T) {
	f := newFixture(t)
	req := f.sigRequest(f.alice, "d1", payload.PurposeSign, "", nil, "")
	f.must(f.orgs["Org1MSP"].client, "RecordSignature", js(req))
	txID := f.last.TxID
	nr := decode[model.NonceRecord](t, f.must(nil, "GetNonce", req.Nonce))
	if !nr.Used || nr.TxID != txID || nr.DocumentID != "d1" || nr.EventType != model.EventSignatureRecorded {
		t.Fatalf("nonce %+v", nr)
	}
	unused := decode[model.NonceRecord](t, f.must(nil, "GetNonce", strings.Repeat("ab", 16)))
	if unused.Used || unused.Nonce != strings.Repeat("ab", 16) {
		t.Fatalf("unused nonce %+v", unused)
	}
	h := decode[model.History](t, f.must(nil, "GetHistory", "d1"))
	if len(h.Events) != 2 || h.Events[1].TxID != txID || h.Events[1].CreatorMSP != "Org1MSP" ||
		!strings.Contains(h.Events[1].CreatorSubject, "CN=relay") {
		t.Fatalf("history %+v", h)
	}
	f.now = t0.AddDate(0, 2, 0)
	v := decode[model.DocumentView](t, f.must(nil, "GetDocument", "d1"))
	if v.Status != model.StatusPending || v.EffectiveStatus != model.StatusExpired || !v.AsOf.Equal(f.now) {
		t.Fatalf("view %+v", v)
	}
	for _, c := range []struct{ fn, arg, want string }{
		{"GetDocument", "nope", "DOCUMENT_NOT_FOUND: document nope not found"},
		{"GetHistory", "nope", "DOCUMENT_NOT_FOUND: document nope not found"},
		{"VerifyRecord", "nope", "DOCUMENT_NOT_FOUND: document nope not found"},
		{"GetDocument", "../x", `INVALID_FIELD: document id "../x" is not valid`},
		{"GetNonce", "xyz", "INVALID_FIELD: nonce must be 32 lowercase hex characters"},
	} {
		if _, err := f.invoke(nil, c.fn, c.arg); err == nil || err.Error() != c.want {
			t.Errorf("%s(%s): got %v want %s", c.fn, c.arg, err, c.want)
		}
	}
}

func countPrefix(w *world, prefix string) int {
	n := 0
	for k := range w.L.State {
		if strings.HasPrefix(k, prefix) {
			n++
		}
	}
	return n
}

func TestDeclineSignatureRejects(t *testing.T) {
	f := newFixture(t)
	mustOK(t)(f.sign(f.alice, "d1"))
	decline := func(s *signer, mod func(*model.SignatureRequest)) error {
		r := f.sigRequest(s, "d1", payload.PurposeDecline, "no", nil, "")
		if mod != nil {
			mod(&r)
		}
		_, err := f.invoke(f.orgs["Org1MSP"].client, "DeclineSignature", js(r))
		return err
	}
	for _, c := range []struct {
		name string
		s    *signer
		mod  func(*model.SignatureRequest)
		want string
	}{
		{"after signing", f.alice, nil, "ALREADY_SIGNED: Org1MSP/alice already signed document d1"},
		{"sign signature used to decline", f.bob, func(r *model.SignatureRequest) {
			sr := f.sigRequest(f.bob, "d1", payload.PurposeSign, "", nil, "")
			r.Nonce, r.Signature = sr.Nonce, sr.Signature
		}, "BAD_SIGNATURE: signature does not verify"},
		{"reason too long", f.bob, func(r *model.SignatureRequest) { r.Reason = strings.Repeat("x", 1025) },
			"INVALID_FIELD: reason must be at most 1024 bytes"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if err := decline(c.s, c.mod); err == nil || err.Error() != c.want {
				t.Fatalf("got  %v\nwant %s", err, c.want)
			}
		})
	}
}
