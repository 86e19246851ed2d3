//go:build integration

package main

// Integration tests of the chaincode on the real network named by
// $QRSIGN_NETWORK_STATE (scripts/test.sh sets it): Fabric CA-issued signer
// identities, gateway submissions, a Fabric CA CRL, and Fabric's own peer CLI.

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hyperledger/fabric-gateway/pkg/client"
	"github.com/hyperledger/fabric-protos-go-apiv2/gateway"
	"google.golang.org/grpc/status"

	"github.com/qrsign/qrsign/chaincode/merkle"
	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/chaincode/payload"
	"github.com/qrsign/qrsign/chaincode/sigalg"
	"github.com/qrsign/qrsign/network/netinfo"
)

type itest struct {
	t        *testing.T
	info     *netinfo.Info
	org      *netinfo.Org
	client   *client.Contract
	network  *client.Network
	admin    *client.Contract
	caFP     string
	caCert   *x509.Certificate
	closeAll func()
}

func setup(t *testing.T) *itest {
	info, err := netinfo.FromEnv()
	if err != nil {
		t.Fatal(err) // integration tests fail, never skip, without a network
	}
	org := &info.Orgs[0]
	it := &itest{t: t, info: info, org: org}
	conn, gw, err := org.Dial(org.Client, 0)
	if err != nil {
		t.Fatal(err)
	}
	aconn, agw, err := org.Dial(org.Admin, 0)
	if err != nil {
		t.Fatal(err)
	}
	it.closeAll = func() { gw.Close(); conn.Close(); agw.Close(); aconn.Close() }
	t.Cleanup(it.closeAll)
	it.network = gw.GetNetwork(info.Channel)
	it.client = it.network.GetContract(info.Chaincode)
	it.admin = agw.GetNetwork(info.Channel).GetContract(info.Chaincode)
	b, err := os.ReadFile(org.CA.CACertFile)
	if err != nil {
		t.Fatal(err)
	}
	blk, _ := pem.Decode(b)
	if blk == nil {
		t.Fatalf("%s: no PEM", org.CA.CACertFile)
	}
	it.caCert, err = x509.ParseCertificate(blk.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	it.caFP = payload.Fingerprint(it.caCert.Raw)
	return it
}

// chaincodeError turns a gateway error into the chaincode's "CODE: message".
func chaincodeError(err error) error {
	if err == nil {
		return nil
	}
	if st, ok := status.FromError(err); ok {
		for _, d := range st.Details() {
			if ed, ok := d.(*gateway.ErrorDetail); ok {
				if c, ok := model.ParseMessage(ed.GetMessage()); ok {
					msg := ed.GetMessage()
					return errors.New(msg[strings.Index(msg, string(c)+": "):])
				}
			}
		}
	}
	return err
}

func (it *itest) submit(c *client.Contract, fn string, arg any) (string, error) {
	var s string
	switch v := arg.(type) {
	case string:
		s = v
	default:
		b, _ := json.Marshal(v)
		s = string(b)
	}
	out, err := c.SubmitTransaction(fn, s)
	return string(out), chaincodeError(err)
}

func (it *itest) evaluate(fn, arg string) string {
	it.t.Helper()
	out, err := it.client.EvaluateTransaction(fn, arg)
	if err != nil {
		it.t.Fatalf("%s(%s): %v", fn, arg, chaincodeError(err))
	}
	return string(out)
}

func randHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// enroll registers and enrolls a signer with the org's Fabric CA and returns
// its certificate and key, as the signer's phone would hold them.
func (it *itest) enroll(id string) (*x509.Certificate, crypto.Signer) {
	it.t.Helper()
	secret := randHex(8)
	if err := it.org.RegisterUser(it.info.BinDir, id, secret); err != nil {
		it.t.Fatal(err)
	}
	// fabric-ca-client enroll with the real CA (netinfo.Enroll runs the CLI from BinDir).
	ident, err := it.org.Enroll(it.info.BinDir, id, secret, it.t.TempDir())
	if err != nil {
		it.t.Fatal(err)
	}
	cb, err := os.ReadFile(ident.CertFile)
	if err != nil {
		it.t.Fatal(err)
	}
	blk, _ := pem.Decode(cb)
	cert, err := x509.ParseCertificate(blk.Bytes)
	if err != nil {
		it.t.Fatal(err)
	}
	kb, err := os.ReadFile(ident.KeyFile)
	if err != nil {
		it.t.Fatal(err)
	}
	kblk, _ := pem.Decode(kb)
	var key crypto.Signer
	if k, err := x509.ParsePKCS8PrivateKey(kblk.Bytes); err == nil {
		key = k.(crypto.Signer)
	} else if k, err := x509.ParseECPrivateKey(kblk.Bytes); err == nil {
		key = k
	} else {
		it.t.Fatalf("signer key: %v", err)
	}
	if _, ok := key.(*ecdsa.PrivateKey); !ok {
		it.t.Fatalf("Fabric CA issued a %T key", key)
	}
	return cert, key
}

func (it *itest) registerDoc(id string, signers ...model.SignerSpec) model.WriteResult {
	it.t.Helper()
	sum := sha256.Sum256([]byte("integration document " + id))
	req := model.RegisterDocumentRequest{ID: id, SHA256: hex.EncodeToString(sum[:]), Size: 42, MediaType: "application/pdf",
		Title: "Integration " + id, DocType: "contract", Owner: "itest", Signers: signers, Priority: 3,
		ExpiresAt: time.Now().Add(time.Hour).UTC()}
	out, err := it.submit(it.client, "RegisterDocument", req)
	if err != nil {
		it.t.Fatalf("RegisterDocument: %v", err)
	}
	var res model.WriteResult
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		it.t.Fatal(err)
	}
	return res
}

func (it *itest) signatureRequest(doc *model.DocumentView, cert *x509.Certificate, key crypto.Signer) model.SignatureRequest {
	it.t.Helper()
	nonce := randHex(16)
	msg, err := payload.Build(payload.Fields{Purpose: payload.PurposeSign, Channel: it.info.Channel, DocumentID: doc.ID,
		DocumentSHA256: doc.SHA256, Nonce: nonce, SignerFingerprint: payload.Fingerprint(cert.Raw)})
	if err != nil {
		it.t.Fatal(err)
	}
	sig, err := sigalg.Sign(model.AlgECDSAP256DER, key, msg)
	if err != nil {
		it.t.Fatal(err)
	}
	return model.SignatureRequest{DocumentID: doc.ID, Nonce: nonce, MSPID: it.org.MSPID,
		CertChainPEM: string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw})),
		Signature:    base64.StdEncoding.EncodeToString(sig), Algorithm: model.AlgECDSAP256DER}
}

func TestIntegrationOrgCAIsRegistered(t *testing.T) {
	it := setup(t)
	for _, org := range it.info.Orgs {
		var trust model.OrgTrust
		if err := json.Unmarshal([]byte(it.evaluate("GetOrgTrust", org.MSPID)), &trust); err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(org.CA.CACertFile)
		if err != nil {
			t.Fatal(err)
		}
		blk, _ := pem.Decode(b)
		fp := payload.Fingerprint(blk.Bytes)
		found := false
		for _, ca := range trust.CAs {
			found = found || ca.Fingerprint == fp
		}
		if !found {
			t.Fatalf("%s: the Fabric CA certificate %s is not a registered signer CA: %+v", org.MSPID, fp, trust.CAs)
		}
	}
}

func TestIntegrationSignWithFabricCAIdentity(t *testing.T) {
	it := setup(t)
	signerID := "itest-" + randHex(4)
	cert, key := it.enroll(signerID)
	if cert.Subject.CommonName != signerID {
		t.Fatalf("enrolled CN %q", cert.Subject.CommonName)
	}
	docID := "itest-doc-" + randHex(6)
	res := it.registerDoc(docID, model.SignerSpec{ID: signerID, MSPID: it.org.MSPID, RoutingOrder: 1})
	if res.Document.OwnerMSP != it.org.MSPID || res.Document.Status != model.StatusPending {
		t.Fatalf("registered %+v", res.Document)
	}

	req := it.signatureRequest(res.Document, cert, key)
	b, _ := json.Marshal(req)
	proposal, err := it.client.NewProposal("RecordSignature", client.WithArguments(string(b)))
	if err != nil {
		t.Fatal(err)
	}
	tx, err := proposal.Endorse()
	if err != nil {
		t.Fatalf("RecordSignature: %v", chaincodeError(err))
	}
	commit, err := tx.Submit()
	if err != nil {
		t.Fatal(err)
	}
	st, err := commit.Status()
	if err != nil || !st.Successful {
		t.Fatalf("commit status %+v %v", st, err)
	}
	var wr model.WriteResult
	if err := json.Unmarshal(tx.Result(), &wr); err != nil {
		t.Fatal(err)
	}
	if len(wr.Events) != 2 || wr.Events[1].Type != model.EventDocumentCompleted || wr.Document.Status != model.StatusCompleted {
		t.Fatalf("write result %+v", wr)
	}
	ev := wr.Events[0].Signature
	if ev.CAFingerprint != it.caFP || ev.CertFingerprint != payload.Fingerprint(cert.Raw) {
		t.Fatalf("evidence %+v", ev)
	}

	// The one chaincode event of the transaction carries the appended events.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	events, err := it.network.ChaincodeEvents(ctx, it.info.Chaincode, client.WithStartBlock(st.BlockNumber))
	if err != nil {
		t.Fatal(err)
	}
	for e := range events {
		if e.TransactionID != tx.TransactionID() {
			continue
		}
		var appended []model.Event
		if e.EventName != model.ChaincodeEventName || json.Unmarshal(e.Payload, &appended) != nil || len(appended) != 2 {
			t.Fatalf("chaincode event %s %s", e.EventName, e.Payload)
		}
		break
	}
	cancel()

	var view model.DocumentView
	if err := json.Unmarshal([]byte(it.evaluate("GetDocument", docID)), &view); err != nil {
		t.Fatal(err)
	}
	if view.Status != model.StatusCompleted || view.Signers[0].TxID != tx.TransactionID() {
		t.Fatalf("GetDocument %+v", view)
	}
	var h model.History
	if err := json.Unmarshal([]byte(it.evaluate("GetHistory", docID)), &h); err != nil {
		t.Fatal(err)
	}
	folded, err := model.Fold(h.Events)
	if err != nil || len(h.Events) != 3 || folded.Status != model.StatusCompleted {
		t.Fatalf("history %d events, fold %v", len(h.Events), err)
	}
	var rep model.VerifyReport
	if err := json.Unmarshal([]byte(it.evaluate("VerifyRecord", docID)), &rep); err != nil {
		t.Fatal(err)
	}
	if !rep.OK {
		t.Fatalf("VerifyRecord %+v", rep)
	}
	var nr model.NonceRecord
	if err := json.Unmarshal([]byte(it.evaluate("GetNonce", req.Nonce)), &nr); err != nil || !nr.Used || nr.TxID != tx.TransactionID() {
		t.Fatalf("GetNonce %+v %v", nr, err)
	}
	// The indexes answer on the real peer too, with Fabric's bookmarks.
	var page model.Page
	q, _ := json.Marshal(model.ListQuery{MSPID: it.org.MSPID, SignerID: signerID})
	if err := json.Unmarshal([]byte(it.evaluate("ListBySigner", string(q))), &page); err != nil || len(page.Records) != 1 ||
		page.Records[0].ID != docID || page.Bookmark != "" {
		t.Fatalf("ListBySigner %+v %v", page, err)
	}
	it.registerDoc("itest-doc-"+randHex(6), model.SignerSpec{ID: signerID, MSPID: it.org.MSPID, RoutingOrder: 1})
	seen := map[string]bool{}
	pq := model.ListQuery{MSPID: it.org.MSPID, SignerID: signerID, PageSize: 1}
	for pages := 0; ; pages++ {
		q, _ := json.Marshal(pq)
		var p model.Page
		if err := json.Unmarshal([]byte(it.evaluate("ListBySigner", string(q))), &p); err != nil || pages > 3 {
			t.Fatalf("page %d: %v", pages, err)
		}
		for _, r := range p.Records {
			seen[r.ID] = true
		}
		if p.Bookmark == "" {
			break
		}
		pq.Bookmark = p.Bookmark
	}
	if len(seen) != 2 {
		t.Fatalf("paged ListBySigner saw %v", seen)
	}
	// Replaying the same request is refused by its nonce.
	if _, err := it.submit(it.client, "RecordSignature", req); err == nil || !strings.HasPrefix(err.Error(), "NONCE_REUSED: ") {
		t.Fatalf("replay: %v", err)
	}
}

func TestIntegrationRevokedSignerIsRefused(t *testing.T) {
	it := setup(t)
	signerID := "itest-rev-" + randHex(4)
	cert, key := it.enroll(signerID)
	res := it.registerDoc("itest-rev-"+randHex(6), model.SignerSpec{ID: signerID, MSPID: it.org.MSPID, RoutingOrder: 1})

	if err := it.org.RevokeUser(it.info.BinDir, signerID); err != nil {
		t.Fatal(err)
	}
	// Fabric CA CRLs carry no number: the chaincode orders them by thisUpdate
	// (whole seconds), so a CRL made in the same second as the published one
	// is refused; make a fresh one on the next second then.
	var err error
	for attempt := 0; attempt < 3; attempt++ {
		var crl []byte
		if crl, err = it.org.GenCRL(it.info.BinDir); err != nil {
			t.Fatal(err)
		}
		_, err = it.submit(it.admin, "PublishCRL", model.PublishCRLRequest{CAFingerprint: it.caFP, CRLPEM: string(crl)})
		if err == nil || !strings.Contains(err.Error(), "is not after the published") {
			break
		}
		time.Sleep(1100 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("PublishCRL: %v", err)
	}
	// A client identity may not publish.
	if _, err := it.submit(it.client, "PublishCRL", model.PublishCRLRequest{CAFingerprint: it.caFP, CRLPEM: "x"}); err == nil ||
		!strings.HasPrefix(err.Error(), "FORBIDDEN: ") {
		t.Fatalf("client PublishCRL: %v", err)
	}

	req := it.signatureRequest(res.Document, cert, key)
	_, err = it.submit(it.client, "RecordSignature", req)
	want := fmt.Sprintf("CERT_REVOKED: certificate serial %s (%s) is on the CRL of %s published by %s", cert.SerialNumber.Text(16), signerID, it.caFP[:16], it.org.MSPID)
	if err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Fatalf("got  %v\nwant %s...", err, want)
	}
	var nr model.NonceRecord
	if err := json.Unmarshal([]byte(it.evaluate("GetNonce", req.Nonce)), &nr); err != nil || nr.Used {
		t.Fatalf("a refused signature used its nonce: %+v", nr)
	}
}

// Fabric's own CLI reads the contract metadata (contractapi's system contract).
func TestIntegrationPeerCLIMetadata(t *testing.T) {
	it := setup(t)
	peer := it.org.Peers[0].Name
	env, err := it.info.PeerEnv(peer)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(filepath.Join(it.info.BinDir, "peer"), "chaincode", "query", "-C", it.info.Channel, "-n", it.info.Chaincode,
		"--tls", "--cafile", it.org.Peers[0].TLSCACert,
		"-c", `{"Args":["org.hyperledger.fabric:GetMetadata"]}`)
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("peer chaincode query: %v\n%s", err, out)
	}
	var md struct {
		Contracts map[string]struct {
			Transactions []struct {
				Name string   `json:"name"`
				Tags []string `json:"tag"`
			} `json:"transactions"`
		} `json:"contracts"`
	}
	if err := json.Unmarshal(out, &md); err != nil {
		t.Fatalf("metadata: %v\n%s", err, out)
	}
	tags := map[string][]string{}
	for _, tx := range md.Contracts["qrsign"].Transactions {
		tags[tx.Name] = tx.Tags
	}
	for _, fn := range []string{"Ping", "RegisterSignerCA", "PublishCRL", "RegisterDocument", "RecordSignature", "DeclineSignature",
		"VoidDocument", "Annotate", "GetDocument", "GetHistory", "ListBySigner", "ListByOwner", "ListPending", "ListByTag",
		"VerifyRecord", "GetNonce", "GetOrgTrust", "RecordBatchSignature", "RecordSignatures", "ListBatch", "ListByHash", "ListByTx", "GetOrgHistory", "BackfillLookupIndexes"} {
		if _, ok := tags[fn]; !ok {
			t.Errorf("metadata lacks %s", fn)
		}
	}
	if !slices.Contains(tags["GetDocument"], "EVALUATE") || !slices.Contains(tags["RecordSignature"], "SUBMIT") {
		t.Errorf("tags: GetDocument %v (want EVALUATE), RecordSignature %v (want SUBMIT)", tags["GetDocument"], tags["RecordSignature"])
	}
}

// One scan signs a batch: a Fabric CA-issued signer signs the batch-sign
// payload (batch id, Merkle root, size) once; RecordBatchSignature records a
// signature per document, each proven by its inclusion proof.
func TestIntegrationBatchSignature(t *testing.T) {
	it := setup(t)
	signerID := "itest-b-" + randHex(4)
	cert, key := it.enroll(signerID)
	batchID := "itest-batch-" + randHex(4)
	const n = 5
	hashes := make([][32]byte, n)
	for i := range n {
		hashes[i] = sha256.Sum256([]byte(fmt.Sprintf("%s document %d", batchID, i)))
		req := model.RegisterDocumentRequest{ID: fmt.Sprintf("%s-%d", batchID, i), SHA256: hex.EncodeToString(hashes[i][:]), Size: 42,
			MediaType: "application/pdf", Title: "Batch document", DocType: "contract", Owner: "itest",
			Signers: []model.SignerSpec{{ID: signerID, MSPID: it.org.MSPID, RoutingOrder: 1}}, Priority: 3,
			ExpiresAt: time.Now().Add(time.Hour).UTC(), BatchID: batchID, BatchOrder: i}
		if _, err := it.submit(it.client, "RegisterDocument", req); err != nil {
			t.Fatalf("RegisterDocument: %v", err)
		}
	}
	root, proofs, err := merkle.Proofs(hashes)
	if err != nil {
		t.Fatal(err)
	}
	nonce := randHex(16)
	msg, err := payload.Build(payload.Fields{Purpose: payload.PurposeBatchSign, Channel: it.info.Channel, DocumentID: batchID,
		DocumentSHA256: merkle.Hex(root), Nonce: nonce, SignerFingerprint: payload.Fingerprint(cert.Raw), Size: n})
	if err != nil {
		t.Fatal(err)
	}
	sig, err := sigalg.Sign(model.AlgECDSAP256DER, key, msg)
	if err != nil {
		t.Fatal(err)
	}
	req := model.BatchSignatureRequest{BatchID: batchID, MSPID: it.org.MSPID, Nonce: nonce,
		CertChainPEM: string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw})),
		Signature:    base64.StdEncoding.EncodeToString(sig), Algorithm: model.AlgECDSAP256DER, Root: merkle.Hex(root), Size: n}
	for i := range n {
		req.Items = append(req.Items, model.BatchItem{DocumentID: fmt.Sprintf("%s-%d", batchID, i), Proof: proofs[i]})
	}
	out, err := it.submit(it.client, "RecordBatchSignature", req)
	if err != nil {
		t.Fatalf("RecordBatchSignature: %v", err)
	}
	var res model.WriteResult
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatal(err)
	}
	if len(res.Documents) != n || len(res.Events) != 2*n {
		t.Fatalf("%d documents, %d events", len(res.Documents), len(res.Events))
	}
	for i := range n {
		var rep model.VerifyReport
		if err := json.Unmarshal([]byte(it.evaluate("VerifyRecord", fmt.Sprintf("%s-%d", batchID, i))), &rep); err != nil || !rep.OK {
			t.Fatalf("VerifyRecord %d: %+v %v", i, rep, err)
		}
	}
	var page model.Page
	if err := json.Unmarshal([]byte(it.evaluate("ListBatch", batchID)), &page); err != nil || len(page.Records) != n ||
		page.Records[0].Status != model.StatusCompleted {
		t.Fatalf("ListBatch: %+v %v", page, err)
	}
	if _, err := it.submit(it.client, "RecordBatchSignature", req); err == nil || !strings.HasPrefix(err.Error(), "NONCE_REUSED: ") {
		t.Fatalf("replayed batch: %v", err)
	}
}

// An org member without qrsign.role=relay (a signer's own enrollment) may
// not write documents, even through a peer of its org.
func TestIntegrationWriterNeedsRelayRole(t *testing.T) {
	it := setup(t)
	id := "itest-plain-" + randHex(4)
	// A member of the org's MSP (client OU) without qrsign.role=relay. Signers
	// enrolled from the Fabric CA cannot even submit: their signer CA is not
	// the channel MSP's.
	if it.org.Member.CertFile == "" {
		t.Fatal("network.json has no plain member identity for " + it.org.Name)
	}
	conn, gw, err := it.org.Dial(it.org.Member, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	defer gw.Close()
	c := gw.GetNetwork(it.info.Channel).GetContract(it.info.Chaincode)
	sum := sha256.Sum256([]byte(id))
	req := model.RegisterDocumentRequest{ID: "itest-forbidden-" + randHex(4), SHA256: hex.EncodeToString(sum[:]), Size: 1,
		MediaType: "application/pdf", Title: "Forbidden", DocType: "contract", Owner: "itest",
		Signers: []model.SignerSpec{{ID: id, MSPID: it.org.MSPID, RoutingOrder: 1}}, ExpiresAt: time.Now().Add(time.Hour).UTC()}
	_, err = it.submit(c, "RegisterDocument", req)
	want := "FORBIDDEN: only a relay (attribute qrsign.role=relay) or an org admin may register documents; the submitter of " +
		it.org.MSPID + " has neither"
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("got  %v\nwant %s", err, want)
	}
}
