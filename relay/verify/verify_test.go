package verify_test

import (
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"strings"
	"testing"
	"time"

	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/chaincode/payload"
	"github.com/qrsign/qrsign/chaincode/sigalg"
	"github.com/qrsign/qrsign/relay/internal/testpki"
	"github.com/qrsign/qrsign/relay/verify"

	"github.com/qrsign/qrsign/relay/api"
)

const docSHA = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

// provenance builds what the relay would serve for a one-signer document
// signed by alice: registered, signed, completed; the document is the fold.
func provenance(t *testing.T, ca *testpki.CA) *api.Provenance {
	t.Helper()
	s := ca.Issue("alice")
	key, certPEM, cert := s.Key, s.CertPEM, s.Cert
	now := time.Now().UTC().Truncate(time.Second)
	signer := model.SignerSpec{ID: "alice", MSPID: "Org1MSP", RoutingOrder: 1}
	reg := model.RegisterDocumentRequest{ID: "doc-1", SHA256: docSHA, MediaType: "application/pdf", Title: "Lease",
		DocType: "contract", Owner: "app", Signers: []model.SignerSpec{signer}, ExpiresAt: now.Add(time.Hour)}
	nonce := "0123456789abcdef0123456789abcdef"
	msg, _ := payload.Build(payload.Fields{Purpose: payload.PurposeSign, Channel: "qrsign", DocumentID: "doc-1",
		DocumentSHA256: docSHA, Nonce: nonce, SignerFingerprint: payload.Fingerprint(cert.Raw)})
	sig, err := sigalg.Sign(model.AlgECDSAP256DER, key, msg)
	if err != nil {
		t.Fatal(err)
	}
	ph := sha256.Sum256(msg)
	events := []model.Event{
		{Type: model.EventDocumentRegistered, DocumentID: "doc-1", Seq: 0, TxID: "tx0", Timestamp: now, CreatorMSP: "Org1MSP",
			Registered: &model.DocumentRegistered{RegisterDocumentRequest: reg, OwnerMSP: "Org1MSP"}},
		{Type: model.EventSignatureRecorded, DocumentID: "doc-1", Seq: 1, TxID: "tx1", Timestamp: now, CreatorMSP: "Org1MSP",
			Signature: &model.SignatureEvidence{Signer: signer, Nonce: nonce, Algorithm: model.AlgECDSAP256DER,
				Signature: base64.StdEncoding.EncodeToString(sig), PayloadSHA256: hex.EncodeToString(ph[:]),
				CertChainPEM: string(certPEM), CertFingerprint: payload.Fingerprint(cert.Raw),
				CAFingerprint: payload.Fingerprint(ca.Cert.Raw)}},
		{Type: model.EventDocumentCompleted, DocumentID: "doc-1", Seq: 2, TxID: "tx1", Timestamp: now, CreatorMSP: "Org1MSP",
			Completed: &model.Completed{Signatures: 1}},
	}
	doc, err := model.Fold(events)
	if err != nil {
		t.Fatal(err)
	}
	p := &api.Provenance{DocumentID: "doc-1", Document: &model.DocumentView{Document: *doc, EffectiveStatus: doc.Status, AsOf: now}}
	for i, e := range events {
		p.Events = append(p.Events, api.ProvenanceEvent{Event: e, BlockNumber: uint64(5 + i/2), ValidationCode: "VALID"})
	}
	return p
}

func TestAGenuineRecordVerifies(t *testing.T) {
	ca := testpki.NewCA("ca-org1")
	v := &verify.Verifier{Channel: "qrsign", Roots: roots("Org1MSP", ca)}
	r := v.Provenance(provenance(t, ca))
	if !r.OK() || r.Signatures != 1 {
		t.Fatalf("report %+v", r)
	}
}

func TestTamperingIsFound(t *testing.T) {
	ca := testpki.NewCA("ca-org1")
	other := testpki.NewCA("ca-elsewhere")
	for _, tc := range []struct {
		name   string
		v      verify.Verifier
		tamper func(p *api.Provenance)
		check  string // the failing check's name
		want   string // its detail starts with this
	}{
		{"a signature over another document hash", verify.Verifier{Channel: "qrsign", Roots: roots("Org1MSP", ca)}, func(p *api.Provenance) {
			p.Events[0].Event.Registered.SHA256 = strings.Repeat("a", 64)
			p.Document.SHA256 = strings.Repeat("a", 64)
		}, "event 1 SignatureRecorded by Org1MSP/alice", "rebuilt payload hashes to "},
		{"a flipped signature", verify.Verifier{Channel: "qrsign", Roots: roots("Org1MSP", ca)}, func(p *api.Provenance) {
			s := p.Events[1].Event.Signature
			b, _ := base64.StdEncoding.DecodeString(s.Signature)
			b[len(b)-1] ^= 1
			s.Signature = base64.StdEncoding.EncodeToString(b)
		}, "event 1 SignatureRecorded by Org1MSP/alice", "BAD_SIGNATURE: "},
		{"the wrong channel", verify.Verifier{Channel: "other", Roots: roots("Org1MSP", ca)}, func(*api.Provenance) {},
			"event 1 SignatureRecorded by Org1MSP/alice", "rebuilt payload hashes to "},
		{"a chain to an untrusted CA", verify.Verifier{Channel: "qrsign", Roots: roots("Org1MSP", other)}, func(*api.Provenance) {},
			"event 1 SignatureRecorded by Org1MSP/alice", "chain at "},
		{"no roots at all", verify.Verifier{Channel: "qrsign"}, func(*api.Provenance) {},
			"event 1 SignatureRecorded by Org1MSP/alice", "UNVERIFIED: no trusted CA for Org1MSP (its signature verifies"},
		{"the right CA given for another org only", verify.Verifier{Channel: "qrsign", Roots: roots("Org2MSP", ca)}, func(*api.Provenance) {},
			"event 1 SignatureRecorded by Org1MSP/alice", "UNVERIFIED: no trusted CA for Org1MSP"},
		{"a self-issued certificate (a relay fabricating history)", verify.Verifier{Channel: "qrsign", Roots: roots("Org1MSP", ca)}, func(p *api.Provenance) {
			*p = *provenance(t, testpki.NewCA("ca-org1")) // same names, the relay's own CA
		}, "event 1 SignatureRecorded by Org1MSP/alice", "chain at "},
		{"a projection that is not the fold", verify.Verifier{Channel: "qrsign", Roots: roots("Org1MSP", ca)}, func(p *api.Provenance) {
			p.Document.Status = model.StatusPending
		}, "projection", "the document shown differs from the fold of its events"},
		{"an invalid transaction", verify.Verifier{Channel: "qrsign", Roots: roots("Org1MSP", ca)}, func(p *api.Provenance) {
			p.Events[1].ValidationCode = "MVCC_READ_CONFLICT"
		}, "events", `event 1 (tx tx1) has validation code "MVCC_READ_CONFLICT"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := provenance(t, ca)
			tc.tamper(p)
			r := tc.v.Provenance(p)
			if r.OK() {
				t.Fatal("tampered record verified")
			}
			for _, c := range r.Checks {
				if c.Name == tc.check {
					if c.OK || !strings.HasPrefix(c.Detail, tc.want) {
						t.Fatalf("check %q: ok=%v detail %q, want prefix %q", c.Name, c.OK, c.Detail, tc.want)
					}
					return
				}
			}
			t.Fatalf("no check %q in %+v", tc.check, r.Checks)
		})
	}
}

func roots(msp string, cas ...*testpki.CA) map[string][]*x509.Certificate {
	m := map[string][]*x509.Certificate{}
	for _, c := range cas {
		m[msp] = append(m[msp], c.Cert)
	}
	return m
}
