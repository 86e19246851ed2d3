package verify_test

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/qrsign/qrsign/chaincode/merkle"
	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/chaincode/payload"
	"github.com/qrsign/qrsign/chaincode/sigalg"
	"github.com/qrsign/qrsign/chaincode/testpki"
	"github.com/qrsign/qrsign/relay/api"
	"github.com/qrsign/qrsign/relay/signer/keystore"
	"github.com/qrsign/qrsign/relay/signer/signertest"
	"github.com/qrsign/qrsign/relay/verify"
)

// batchSigned turns the fixture into the record of document 2 of a 3-document
// batch signed by one batch-sign signature, as RecordBatchSignature writes it.
func batchSigned(t *testing.T, ca *testpki.CA) *api.Provenance {
	p := provenance(t, ca)
	leaves := [][32]byte{sha256.Sum256([]byte("one")), {}, sha256.Sum256([]byte("three"))}
	leaves[1], _ = merkle.ParseHash(signertest.DocSHA)
	root, proofs, err := merkle.Proofs(leaves)
	if err != nil {
		t.Fatal(err)
	}
	ident := ca.Signer("alice")
	key, certPEM := ident.Key, []byte(ident.CertPEM)
	cert, _ := keystore.ParseCert(certPEM)
	ev := p.Events[1].Event.Signature
	msg, _ := payload.Build(payload.Fields{Purpose: payload.PurposeBatchSign, Channel: "qrsign", DocumentID: "batch-7",
		DocumentSHA256: merkle.Hex(root), Nonce: ev.Nonce, SignerFingerprint: payload.Fingerprint(cert.Raw), Size: 3})
	sig, err := sigalg.Sign(model.AlgECDSAP256DER, key, msg)
	if err != nil {
		t.Fatal(err)
	}
	ph := sha256.Sum256(msg)
	ev.Signature, ev.PayloadSHA256 = base64.StdEncoding.EncodeToString(sig), hex.EncodeToString(ph[:])
	ev.CertChainPEM, ev.CertFingerprint = string(certPEM), payload.Fingerprint(cert.Raw)
	ev.Batch = &model.BatchEvidence{BatchID: "batch-7", Root: merkle.Hex(root), Size: 3, Index: 1, Proof: proofs[1].Path}
	doc, _ := model.Fold([]model.Event{p.Events[0].Event, p.Events[1].Event, p.Events[2].Event})
	p.Document.Document = *doc
	return p
}

func TestABatchSignatureVerifies(t *testing.T) {
	ca := signertest.NewCA("ca-org1")
	r := (&verify.Verifier{Channel: "qrsign", Roots: roots("Org1MSP", ca)}).Provenance(batchSigned(t, ca))
	if !r.OK() {
		t.Fatalf("%+v", r.Checks)
	}
	if d := r.Checks[2].Detail; !strings.Contains(d, "; leaf 1 of 3 of batch batch-7 (root ") {
		t.Fatalf("detail %q", d)
	}
}

func TestABatchSignatureOverOtherDocumentsFails(t *testing.T) {
	ca := signertest.NewCA("ca-org1")
	for _, tc := range []struct {
		name   string
		tamper func(b *model.BatchEvidence)
		want   string
	}{
		{"another leaf index", func(b *model.BatchEvidence) { b.Index = 2 }, "the document is not leaf 2 of batch batch-7's Merkle tree: "},
		// The path of leaf 1 of 3 also proves as leaf 1 of 4: the signed size catches it.
		{"another size", func(b *model.BatchEvidence) { b.Size = 4 }, "rebuilt payload hashes to "},
		{"another root", func(b *model.BatchEvidence) { b.Root = strings.Repeat("0", 64) }, "the document is not leaf 1 of batch batch-7's Merkle tree: "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := batchSigned(t, ca)
			tc.tamper(p.Events[1].Event.Signature.Batch)
			r := (&verify.Verifier{Channel: "qrsign", Roots: roots("Org1MSP", ca)}).Provenance(p)
			if r.OK() || !strings.HasPrefix(r.Checks[2].Detail, tc.want) {
				t.Fatalf("%+v", r.Checks[2])
			}
		})
	}
}
