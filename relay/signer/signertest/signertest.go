// Package signertest builds genuine-looking fixtures for tests of the signer
// client and its commands: real CAs, real certificates, real signatures.
package signertest

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"time"

	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/chaincode/payload"
	"github.com/qrsign/qrsign/chaincode/sigalg"
	"github.com/qrsign/qrsign/chaincode/testpki"
	"github.com/qrsign/qrsign/relay/api"
)

// CA is a self-signed test CA (chaincode/testpki).
type CA = testpki.CA

// Epoch starts the validity of every CA NewCA makes. The signer client never
// judges a certificate by the wall clock (verify checks chains at each
// event's ledger time), so its tests share one fixed year and never meet
// today's date.
var Epoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// NewCA makes a P-256 CA named cn, valid for the year from Epoch; the
// certificates it issues inherit that window.
func NewCA(cn string) *CA { return testpki.NewCA(cn, Epoch, Epoch.AddDate(1, 0, 0)) }

// DocSHA is the sha256 of the fixture document.
const DocSHA = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

// Provenance is what a relay serves for document doc-1 signed by alice of
// msp (certificate issued by ca) on channel "qrsign": registered, signed,
// completed, the document being the fold of its events. It all happens an
// hour into the CA's validity: the fixture's clock comes from the CA.
func Provenance(ca *CA, msp string) (*api.Provenance, error) {
	alice := ca.Signer("alice")
	key, certPEM, cert := alice.Key, []byte(alice.CertPEM), alice.Cert
	now := ca.Cert.NotBefore.Add(time.Hour).UTC()
	signer := model.SignerSpec{ID: "alice", MSPID: msp, RoutingOrder: 1}
	reg := model.RegisterDocumentRequest{ID: "doc-1", SHA256: DocSHA, MediaType: "application/pdf", Title: "Lease",
		DocType: "contract", Owner: "app", Signers: []model.SignerSpec{signer}, ExpiresAt: now.Add(time.Hour)}
	nonce := "0123456789abcdef0123456789abcdef"
	msg, _ := payload.Build(payload.Fields{Purpose: payload.PurposeSign, Channel: "qrsign", DocumentID: "doc-1",
		DocumentSHA256: DocSHA, Nonce: nonce, SignerFingerprint: payload.Fingerprint(cert.Raw)})
	sig, err := sigalg.Sign(model.AlgECDSAP256DER, key, msg)
	if err != nil {
		return nil, err
	}
	ph := sha256.Sum256(msg)
	events := []model.Event{
		{Type: model.EventDocumentRegistered, DocumentID: "doc-1", Seq: 0, TxID: "tx0", Timestamp: now, CreatorMSP: msp,
			Registered: &model.DocumentRegistered{RegisterDocumentRequest: reg, OwnerMSP: msp}},
		{Type: model.EventSignatureRecorded, DocumentID: "doc-1", Seq: 1, TxID: "tx1", Timestamp: now, CreatorMSP: msp,
			Signature: &model.SignatureEvidence{Signer: signer, Nonce: nonce, Algorithm: model.AlgECDSAP256DER,
				Signature: base64.StdEncoding.EncodeToString(sig), PayloadSHA256: hex.EncodeToString(ph[:]),
				CertChainPEM: string(certPEM), CertFingerprint: payload.Fingerprint(cert.Raw),
				CAFingerprint: payload.Fingerprint(ca.Cert.Raw)}},
		{Type: model.EventDocumentCompleted, DocumentID: "doc-1", Seq: 2, TxID: "tx1", Timestamp: now, CreatorMSP: msp,
			Completed: &model.Completed{Signatures: 1}},
	}
	doc, err := model.Fold(events)
	if err != nil {
		return nil, err
	}
	p := &api.Provenance{DocumentID: "doc-1", Document: &model.DocumentView{Document: *doc, EffectiveStatus: doc.Status, AsOf: now}}
	for i, e := range events {
		p.Events = append(p.Events, api.ProvenanceEvent{Event: e, BlockNumber: uint64(5 + i/2), ValidationCode: "VALID"})
	}
	return p, nil
}
