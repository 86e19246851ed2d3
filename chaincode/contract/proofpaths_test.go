package contract

import (
	"crypto/x509"
	"fmt"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/chaincode/payload"
	"github.com/qrsign/qrsign/chaincode/testpki"
)

// proofPath is one way a signer's scan reaches the ledger. Per-document
// faults are put on target: for a batch the middle of three listed
// documents, so a check must run on every document, not just the first.
type proofPath struct {
	fn      string
	purpose payload.Purpose
	target  string
}

var proofPaths = []proofPath{
	{"RecordSignature", payload.PurposeSign, "d1"},
	{"DeclineSignature", payload.PurposeDecline, "d1"},
	{"RecordBatchSignature", payload.PurposeBatchSign, "b-001"},
	{"RecordBatchDecline", payload.PurposeBatchDecline, "b-001"},
}

// pathFixture: alice (Org1, order 1) then bob (Org2, order 2) sign d1 and
// the batch b of three; carol (Org1, order 3) signs b-000 and b-002 only.
// The targets (d1, b-001) expire after ten days, the others after a month.
type pathFixture struct {
	*world
	path              proofPath
	alice, bob, carol *signer
	hashes            [][32]byte
}

func newPathFixture(t *testing.T, p proofPath) *pathFixture {
	w := newWorld(t)
	f := &pathFixture{world: w, path: p, alice: w.signer("Org1MSP", "alice", 1), bob: w.signer("Org2MSP", "bob", 2),
		carol: w.signer("Org1MSP", "carol", 3)}
	d1 := docRequest("d1", f.alice, f.bob)
	d1.ExpiresAt = t0.AddDate(0, 0, 10)
	w.must(w.orgs["Org1MSP"].client, "RegisterDocument", js(d1))
	f.hashes = make([][32]byte, 3)
	for i := range f.hashes {
		signers := []*signer{f.alice, f.bob, f.carol}
		r := docRequest(batchDoc("b", i), signers...)
		if i == 1 {
			r = docRequest(batchDoc("b", i), f.alice, f.bob)
			r.ExpiresAt = d1.ExpiresAt
		}
		f.hashes[i][0] = byte(i + 1)
		r.SHA256, r.BatchID, r.BatchOrder = fmt.Sprintf("%x", f.hashes[i]), "b", i
		w.must(w.orgs["Org1MSP"].client, "RegisterDocument", js(r))
	}
	return f
}

// scanReq is a request of either shape, with the fields every path shares
// reachable for tampering.
type scanReq struct {
	single *model.SignatureRequest
	batch  *model.BatchSignatureRequest
}

// sharedFields points at the fields both request shapes have.
type sharedFields struct {
	nonce, chain, signature *string
	algorithm               *model.Algorithm
}

func (r scanReq) fields() sharedFields {
	if b := r.batch; b != nil {
		return sharedFields{&b.Nonce, &b.CertChainPEM, &b.Signature, &b.Algorithm}
	}
	s := r.single
	return sharedFields{&s.Nonce, &s.CertChainPEM, &s.Signature, &s.Algorithm}
}

func (r scanReq) json() string {
	if r.batch != nil {
		return js(r.batch)
	}
	return js(r.single)
}

// scan is the request s's scan makes on the fixture's path (declines with a
// reason; every request names the signer's org, as the relay's do).
func (f *pathFixture) scan(s *signer) scanReq {
	reason := ""
	if f.path.purpose.IsDecline() {
		reason = "wrong figures"
	}
	if f.path.purpose.IsBatch() {
		r := f.batchAnswer(s, "b", f.hashes, nil, f.path.purpose, reason)
		return scanReq{batch: &r}
	}
	r := f.sigRequest(s, "d1", f.path.purpose, reason, nil, "")
	r.MSPID = s.spec.MSPID
	return scanReq{single: &r}
}

func (f *pathFixture) submit(r scanReq) (string, error) {
	return f.invoke(f.orgs["Org1MSP"].client, f.path.fn, r.json())
}

// reissued is s with a new certificate (and key) from issuer.
func reissued(s *signer, issuer *testpki.CA, l testpki.Leaf) *signer {
	if l.CN == "" {
		l.CN = s.spec.ID
	}
	c, k := issuer.Issue(l)
	return &signer{spec: s.spec, cert: c, chain: testpki.PEM(c), key: k, alg: model.AlgECDSAP256DER}
}

// nextTxTime is the timestamp the next transaction gets (world.tick).
func (f *pathFixture) nextTxTime() string { return f.now.Add(tickStep).Format(time.RFC3339Nano) }

// proofChecks are the checks every proof path runs, each with the exact
// error it gives there ("" = accepted, e.g. a decline before one's turn).
// run arranges the ledger, makes the scan and returns what to expect.
var proofChecks = []struct {
	name string
	run  func(f *pathFixture) (scanReq, string)
}{
	{"document not found", func(f *pathFixture) (scanReq, string) {
		r := f.scan(f.alice)
		if r.batch != nil {
			r.batch.Items[1].DocumentID = "nope"
		} else {
			r.single.DocumentID = "nope"
		}
		return r, "DOCUMENT_NOT_FOUND: document nope not found"
	}},
	{"back-dated transaction", func(f *pathFixture) (scanReq, string) {
		f.now = f.now.Add(time.Hour)
		a := f.sigRequest(f.alice, f.path.target, payload.PurposeAnnotate, "", []string{"late"}, "")
		last := f.now.Add(tickStep)
		f.must(f.orgs["Org1MSP"].client, "Annotate", js(model.AnnotateRequest{SignatureRequest: a, Tags: []string{"late"}}))
		f.now = last.Add(-30 * time.Minute)
		return f.scan(f.alice), fmt.Sprintf("CLOCK_SKEW: transaction time %s is before document %s's last event at %s",
			f.nextTxTime(), f.path.target, last.Format(time.RFC3339Nano))
	}},
	{"replayed nonce", func(f *pathFixture) (scanReq, string) {
		r := f.scan(f.alice)
		mustOK(f.tb.(*testing.T))(f.submit(r))
		return r, fmt.Sprintf("NONCE_REUSED: nonce %s was used by transaction %s", *r.fields().nonce, f.last.TxID)
	}},
	{"document voided", func(f *pathFixture) (scanReq, string) {
		f.must(f.orgs["Org1MSP"].client, "VoidDocument", js(model.VoidRequest{DocumentID: f.path.target, Reason: "wrong file"}))
		return f.scan(f.alice), fmt.Sprintf("DOCUMENT_CLOSED: document %s is VOIDED", f.path.target)
	}},
	{"document expired", func(f *pathFixture) (scanReq, string) {
		f.now = t0.AddDate(0, 0, 10)
		return f.scan(f.alice), fmt.Sprintf("DOCUMENT_EXPIRED: document %s expired at 2026-12-04T12:00:00Z", f.path.target)
	}},
	{"chain is not PEM", func(f *pathFixture) (scanReq, string) {
		r := f.scan(f.alice)
		*r.fields().chain = "MIIB..."
		return r, "BAD_CERTIFICATE: certChainPem holds data outside PEM blocks"
	}},
	{"CA certificate as leaf", func(f *pathFixture) (scanReq, string) {
		return f.scan(reissued(f.alice, f.orgs["Org1MSP"].ca, testpki.Leaf{IsCA: true})),
			"BAD_CERTIFICATE: signer certificate is a CA certificate"
	}},
	{"expired certificate", func(f *pathFixture) (scanReq, string) {
		s := reissued(f.alice, f.orgs["Org1MSP"].ca, testpki.Leaf{NotBefore: t0.AddDate(0, -2, 0), NotAfter: t0.AddDate(0, 0, -1)})
		return f.scan(s), "CERT_EXPIRED: certificate 0 (alice) is valid 2026-09-24T12:00:00Z..2026-11-23T12:00:00Z, not at " + f.nextTxTime()
	}},
	{"not a signer of one document", func(f *pathFixture) (scanReq, string) {
		return f.scan(f.carol), fmt.Sprintf("NOT_A_SIGNER: Org1MSP/carol is not a signer of document %s", f.path.target)
	}},
	{"untrusted chain", func(f *pathFixture) (scanReq, string) {
		return f.scan(reissued(f.alice, f.orgs["Org2MSP"].ca, testpki.Leaf{})),
			"UNTRUSTED_CHAIN: chain does not verify to a CA registered by the signer's org: x509: certificate signed by unknown authority"
	}},
	{"signature over another nonce", func(f *pathFixture) (scanReq, string) {
		r := f.scan(f.alice)
		*r.fields().nonce = f.nextNonce()
		return r, "BAD_SIGNATURE: signature does not verify"
	}},
	{"signature not base64", func(f *pathFixture) (scanReq, string) {
		r := f.scan(f.alice)
		*r.fields().signature = strings.TrimRight(*r.fields().signature, "=") + "!"
		return r, "BAD_SIGNATURE: signature is not standard base64"
	}},
	{"algorithm does not fit the key", func(f *pathFixture) (scanReq, string) {
		r := f.scan(f.alice)
		*r.fields().algorithm = model.AlgEd25519
		return r, "BAD_CERTIFICATE: algorithm ED25519 needs an Ed25519 key"
	}},
	{"revoked certificate", func(f *pathFixture) (scanReq, string) {
		o := f.orgs["Org1MSP"]
		fp := payload.Fingerprint(o.ca.Cert.Raw)
		f.must(o.admin, "PublishCRL", js(model.PublishCRLRequest{CAFingerprint: fp, CRLPEM: o.ca.CRL(1, t0, f.alice.cert.SerialNumber)}))
		return f.scan(f.alice), fmt.Sprintf("CERT_REVOKED: certificate serial %s (alice) is on the CRL of %s published by Org1MSP (thisUpdate 2026-11-24T12:00:00Z)",
			f.alice.cert.SerialNumber.Text(16), fp[:16])
	}},
	{"already signed one document", func(f *pathFixture) (scanReq, string) {
		mustOK(f.tb.(*testing.T))(f.sign(f.alice, f.path.target))
		return f.scan(f.alice), fmt.Sprintf("ALREADY_SIGNED: Org1MSP/alice already signed document %s", f.path.target)
	}},
	{"before one's turn", func(f *pathFixture) (scanReq, string) {
		for _, id := range []string{"b-000", "b-002"} { // bob's turn there, not on the target
			mustOK(f.tb.(*testing.T))(f.sign(f.alice, id))
		}
		if f.path.purpose.IsDecline() {
			return f.scan(f.bob), "" // a signer may decline before their turn
		}
		return f.scan(f.bob), "OUT_OF_TURN: Org2MSP/bob has routing order 2; order 1 has not finished"
	}},
}

func TestEveryProofPathRunsEveryCheck(t *testing.T) {
	for _, p := range proofPaths {
		for _, c := range proofChecks {
			t.Run(p.fn+"/"+c.name, func(t *testing.T) {
				f := newPathFixture(t, p)
				req, want := c.run(f)
				_, err := f.submit(req)
				switch {
				case want == "" && err != nil:
					t.Fatalf("refused: %v", err)
				case want != "" && (err == nil || err.Error() != want):
					t.Fatalf("got  %v\nwant %s", err, want)
				}
			})
		}
	}
}

// Every path freezes the same evidence: the certificate, the CA, the CRL
// consulted (number, thisUpdate, stale past its nextUpdate), the reason,
// and for a batch the proof; VerifyRecord re-verifies it.
func TestEveryProofPathFreezesTheEvidence(t *testing.T) {
	for _, p := range proofPaths {
		t.Run(p.fn, func(t *testing.T) {
			f := newPathFixture(t, p)
			o := f.orgs["Org1MSP"]
			fp := payload.Fingerprint(o.ca.Cert.Raw)
			f.must(o.admin, "PublishCRL", js(model.PublishCRLRequest{CAFingerprint: fp,
				CRLPEM: o.ca.CRLWith(x509.RevocationList{Number: big.NewInt(7), ThisUpdate: t0, NextUpdate: t0.Add(time.Hour)})}))
			f.now = t0.Add(2 * time.Hour)
			req := f.scan(f.alice)
			res := decode[model.WriteResult](t, mustOK(t)(f.submit(req)))
			var ev *model.SignatureEvidence
			for _, e := range res.Events {
				if e.DocumentID == p.target && e.Signature != nil {
					ev = e.Signature
				}
			}
			if ev == nil {
				t.Fatalf("no evidence for %s in %+v", p.target, res.Events)
			}
			wantReason := ""
			if p.purpose.IsDecline() {
				wantReason = "wrong figures"
			}
			if ev.CRLNumber != "7" || ev.CRLThisUpdate == nil || !ev.CRLThisUpdate.Equal(t0) || !ev.CRLStale ||
				ev.CAFingerprint != fp || ev.CertFingerprint != payload.Fingerprint(f.alice.cert.Raw) ||
				ev.Nonce != *req.fields().nonce || ev.Reason != wantReason || (ev.Batch != nil) != p.purpose.IsBatch() ||
				ev.Signer != f.alice.spec {
				t.Fatalf("evidence %+v", ev)
			}
			if p.purpose.IsBatch() && (ev.Batch.Index != 1 || ev.Batch.Root != req.batch.Root || ev.Batch.Size != 3) {
				t.Fatalf("batch evidence %+v", ev.Batch)
			}
			if rep := decode[model.VerifyReport](t, f.must(nil, "VerifyRecord", p.target)); !rep.OK {
				t.Fatalf("VerifyRecord %+v", rep)
			}
		})
	}
}
