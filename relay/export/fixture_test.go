package export_test

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"testing"
	"time"

	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/relay/export"
)

var t0 = time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)

func at(min int) *time.Time { t := t0.Add(time.Duration(min) * time.Minute); return &t }

func txid(s string) string { h := sha256.Sum256([]byte("tx:" + s)); return hex.EncodeToString(h[:]) }

// completedRecord is a two-signer contract signed in order, with its events.
func completedRecord() export.Record {
	sum := sha256.Sum256([]byte("Master services agreement v3"))
	alice := model.SignerSpec{ID: "alice", MSPID: "Org1MSP", RoutingOrder: 1}
	bob := model.SignerSpec{ID: "bob@example.com", MSPID: "Org2MSP", RoutingOrder: 2}
	d := model.DocumentView{
		Document: model.Document{
			ID: "contract-42", SHA256: hex.EncodeToString(sum[:]), Size: 184320, MediaType: "application/pdf",
			Title:   "Master services agreement between Example Corp and Contoso Ltd, including annexes A-C",
			DocType: "contract", Owner: "carol", OwnerMSP: "Org1MSP", Priority: 5,
			ExpiresAt: t0.Add(30 * 24 * time.Hour), CreatedAt: t0, CreatedTxID: txid("register"),
			Status: model.StatusCompleted,
			Signers: []model.SignerState{
				{SignerSpec: alice, Status: model.SignerSigned, At: at(12), TxID: txid("alice"), CertFingerprint: fp("alice")},
				{SignerSpec: bob, Status: model.SignerSigned, At: at(47), TxID: txid("bob"), CertFingerprint: fp("bob")},
			},
			Tags: []string{"legal", "q4"}, ClosedAt: at(47), ClosedTxID: txid("bob"), EventCount: 4,
		},
		EffectiveStatus: model.StatusCompleted, AsOf: t0.Add(48 * time.Hour),
	}
	ev := func(seq int, typ model.EventType, tx string, min int, block uint64, sig *model.SignatureEvidence) export.Event {
		return export.Event{BlockNumber: block, Event: model.Event{Type: typ, DocumentID: d.ID, Seq: seq, TxID: txid(tx),
			Timestamp: *at(min), CreatorMSP: "Org1MSP", CreatorSubject: "CN=relay,OU=client,O=Org1", Signature: sig}}
	}
	return export.Record{Document: d, Events: []export.Event{
		ev(0, model.EventDocumentRegistered, "register", 0, 11, nil),
		ev(1, model.EventSignatureRecorded, "alice", 12, 14, evidence(alice, "Org1")),
		ev(2, model.EventSignatureRecorded, "bob", 47, 19, evidence(bob, "Org2")),
		ev(3, model.EventDocumentCompleted, "bob", 47, 19, nil),
	}}
}

func fp(s string) string { h := sha256.Sum256([]byte("cert:" + s)); return hex.EncodeToString(h[:]) }

func evidence(s model.SignerSpec, org string) *model.SignatureEvidence {
	return &model.SignatureEvidence{
		Signer: s, Algorithm: model.AlgECDSAP256DER, CertFingerprint: fp(s.ID),
		CertSubject: fmt.Sprintf("CN=%s,OU=client,O=%s,L=Raleigh,ST=North Carolina,C=US", s.ID, org),
		CertIssuer:  fmt.Sprintf("CN=fabric-ca-server,OU=Fabric,O=%s,ST=North Carolina,C=US", org),
		CertSerial:  "5a1f3c9e0d2b7a4468e1f0c3b2a19d8e7f6a5b4c",
	}
}

// pendingRecord has a decline-free pending signer and no events.
func pendingRecord() export.Record {
	r := completedRecord()
	d := r.Document
	d.ID, d.Title, d.Status, d.EffectiveStatus = "nda-7", "Mutual NDA", model.StatusPending, model.StatusPending
	d.Signers = append([]model.SignerState(nil), d.Signers...)
	d.Signers[1] = model.SignerState{SignerSpec: d.Signers[1].SignerSpec, Status: model.SignerPending}
	d.ClosedAt, d.ClosedTxID, d.Tags = nil, "", nil
	return export.Record{Document: d}
}

// fonts are the relay's default PDF font; the test machine must have it.
func fonts(t testing.TB) *export.Fonts {
	t.Helper()
	f, err := export.LoadFonts(export.DefaultFontPath)
	if err != nil {
		t.Fatalf("%v (apt-get install -y fonts-wqy-microhei): this test must not be skipped", err)
	}
	return f
}
