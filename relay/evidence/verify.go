package evidence

import (
	"bytes"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hyperledger/fabric-protos-go-apiv2/common"
	"google.golang.org/protobuf/proto"

	"github.com/qrsign/qrsign/chaincode/certchain"
	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/chaincode/payload"
	"github.com/qrsign/qrsign/relay/signer/relayapi"
	"github.com/qrsign/qrsign/relay/signer/verify"
)

// Verify checks a bundle against trust alone; document, when not nil, is the
// document file, whose hash must be the bundle's. Every check is reported;
// the bundle is proven only if Report.OK.
func Verify(b *Bundle, trust Trust, document []byte) *Report {
	r := &Report{DocumentID: b.DocumentID}
	if !r.add("format", expect(b.Format == Format, "format %q, want %q", b.Format, Format), Format) {
		return r
	}
	if document != nil {
		sum := sha256.Sum256(document)
		got := hex.EncodeToString(sum[:])
		r.add("document file", expect(got == b.DocumentSHA256, "the file hashes to %s, the bundle's document to %s", got, b.DocumentSHA256),
			"SHA-256 "+got+" = the bundle's document hash")
	}

	// Transactions: each proven in an orderer-signed block, endorsed by the
	// orgs the policy needs, signed by its submitter.
	txs, seen := map[string]*tx{}, map[string]bool{}
	for i := range b.Transactions {
		bt := &b.Transactions[i]
		name := fmt.Sprintf("tx %.16s", bt.TxID)
		if seen[bt.TxID] {
			r.add(name, fmt.Errorf("transaction %s is listed twice", bt.TxID), "")
			continue
		}
		seen[bt.TxID] = true
		t, err := checkEnvelope(b, bt)
		if !r.add(name+" envelope", err, "") {
			continue
		}
		r.Checks[len(r.Checks)-1].Detail = fmt.Sprintf("channel %s, chaincode %s, submitted %s, tx id = SHA-256(nonce ‖ creator)",
			t.ChannelID, t.Chaincode, t.Timestamp.Format(time.RFC3339Nano))
		detail, err := checkCreator(t, trust)
		proven := r.add(name+" creator signature", err, detail)
		detail, err = checkEndorsements(t, trust)
		proven = r.add(name+" endorsements", err, detail) && proven
		detail, err = checkBlock(bt, trust, t.Timestamp)
		proven = r.add(name+" block", err, detail) && proven
		proven = r.add(name+" validation code", expect(bt.ValidationCode == "VALID", "validation code %q", bt.ValidationCode),
			"VALID (recorded by the committing peer)") && proven
		if proven { // only what trusted endorsers and orderers signed proves events
			txs[bt.TxID] = t
		}
	}

	// Events: exactly the bytes their endorsed transactions wrote.
	events, pe, err := checkEvents(b, txs)
	r.add("events proven", err, fmt.Sprintf("%d events, each the value its endorsed transaction wrote at %s<seq>", len(events), eventPrefix(b.DocumentID)))
	if err != nil {
		return r
	}
	r.add("bundle document hash", func() error {
		if reg := events[0].Registered; reg == nil || reg.SHA256 != b.DocumentSHA256 {
			return fmt.Errorf("the bundle says %s, the registration event does not", b.DocumentSHA256)
		}
		return nil
	}(), b.DocumentSHA256+" as registered")
	final, err := finalState(b, events, txs)
	if !r.add("final state", err, fmt.Sprintf("%s as written by tx %.16s", docKey(b.DocumentID), events[len(events)-1].TxID)) {
		return r
	}

	// Signatures, chains to the given roots, projection = fold(events):
	// the same checks as `qrsign verify`, on proven events.
	v := &verify.Verifier{Channel: b.Channel, Roots: trust.Orgs}
	rep := v.Provenance(&relayapi.Provenance{DocumentID: b.DocumentID, Channel: b.Channel,
		Document: model.DocumentView{Document: *final}, Events: pe})
	for _, c := range rep.Checks {
		r.Checks = append(r.Checks, Check{Name: c.Name, OK: c.OK, Detail: c.Detail})
	}
	checkTrustEntries(r, b, events, trust)
	return r
}

func expect(ok bool, format string, args ...any) error {
	if ok {
		return nil
	}
	return fmt.Errorf(format, args...)
}

func b64(s, what string) ([]byte, error) {
	v, err := base64.StdEncoding.Strict().DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("%s is not standard base64", what)
	}
	return v, nil
}

// checkEnvelope parses the envelope and checks it names this transaction,
// channel and chaincode.
func checkEnvelope(b *Bundle, bt *Transaction) (*tx, error) {
	env, err := b64(bt.Envelope, "envelope")
	if err != nil {
		return nil, err
	}
	t, err := parseTx(env)
	if err != nil {
		return nil, err
	}
	switch {
	case t.TxID != bt.TxID:
		return nil, fmt.Errorf("envelope is of transaction %s", t.TxID)
	case computedTxID(t.Nonce, t.Creator) != t.TxID:
		return nil, fmt.Errorf("transaction id %s is not SHA-256(nonce ‖ creator)", t.TxID)
	case t.ChannelID != b.Channel:
		return nil, fmt.Errorf("envelope is of channel %q, the bundle's is %q", t.ChannelID, b.Channel)
	case t.Chaincode != b.Chaincode:
		return nil, fmt.Errorf("envelope invokes chaincode %q, the bundle's is %q", t.Chaincode, b.Chaincode)
	case t.ResponseStatus != 200:
		return nil, fmt.Errorf("chaincode response status %d", t.ResponseStatus)
	}
	return t, nil
}

func checkCreator(t *tx, trust Trust) (string, error) {
	msp, cert, err := fabricIdentity(t.Creator, trust.Orgs, t.Timestamp)
	if err != nil {
		return "", err
	}
	if err := fabricVerify(cert, t.Payload, t.Signature); err != nil {
		return "", err
	}
	return fmt.Sprintf("signed by %s %q", msp, cert.Subject.CommonName), nil
}

// checkEndorsements verifies every endorsement over (proposal response
// payload ‖ endorser) and counts the distinct orgs.
func checkEndorsements(t *tx, trust Trust) (string, error) {
	if len(t.Endorsements) == 0 {
		return "", errors.New("no endorsements")
	}
	var orgs []string
	for i, e := range t.Endorsements {
		msp, cert, err := fabricIdentity(e.GetEndorser(), trust.Orgs, t.Timestamp)
		if err != nil {
			return "", fmt.Errorf("endorsement %d: %w", i, err)
		}
		// The chaincode's policy names peers (OutOf(n, 'Org1MSP.peer', ...)):
		// a client of the org chains to the same root but may not endorse.
		if !hasOU(cert, "peer") {
			return "", fmt.Errorf("endorsement %d: %q of %s is not a peer (OU %v)", i, cert.Subject.CommonName, msp, cert.Subject.OrganizationalUnit)
		}
		msg := append(append([]byte{}, t.PRP...), e.GetEndorser()...)
		if err := fabricVerify(cert, msg, e.GetSignature()); err != nil {
			return "", fmt.Errorf("endorsement %d by %s: %w", i, msp, err)
		}
		if !slices.Contains(orgs, msp) {
			orgs = append(orgs, msp)
		}
	}
	need := trust.needEndorsingOrgs()
	if len(orgs) < need {
		return "", fmt.Errorf("endorsed by %d org(s) (%s); the policy needs %d of the %d given", len(orgs),
			strings.Join(orgs, ", "), need, len(trust.Orgs))
	}
	return fmt.Sprintf("%d endorsement(s) verify, by %s: %d org(s), %d needed of the %d given", len(t.Endorsements),
		strings.Join(orgs, ", "), len(orgs), need, len(trust.Orgs)), nil
}

// checkBlock recomputes the data hash and header hash and verifies the
// orderers' signatures over the header.
func checkBlock(bt *Transaction, trust Trust, at time.Time) (string, error) {
	blk := &bt.Block
	if blk.Number != bt.BlockNumber {
		return "", fmt.Errorf("block number %d, the transaction says %d", blk.Number, bt.BlockNumber)
	}
	if bt.TxIndex < 0 || bt.TxIndex >= len(blk.Data) {
		return "", fmt.Errorf("txIndex %d is outside the block's %d entries", bt.TxIndex, len(blk.Data))
	}
	if blk.Data[bt.TxIndex] != bt.Envelope {
		return "", fmt.Errorf("entry %d of block %d is not the envelope", bt.TxIndex, blk.Number)
	}
	entries := make([][]byte, len(blk.Data))
	for i, d := range blk.Data {
		var err error
		if entries[i], err = b64(d, fmt.Sprintf("block entry %d", i)); err != nil {
			return "", err
		}
	}
	prev, err1 := hex.DecodeString(blk.PreviousHash)
	dh, err2 := hex.DecodeString(blk.DataHash)
	hh, err3 := hex.DecodeString(blk.HeaderHash)
	if err := errors.Join(err1, err2, err3); err != nil || strings.ToLower(blk.PreviousHash+blk.DataHash+blk.HeaderHash) !=
		blk.PreviousHash+blk.DataHash+blk.HeaderHash {
		return "", errors.New("previousHash, dataHash and headerHash must be lowercase hex")
	}
	if got := dataHash(entries); !bytes.Equal(got, dh) {
		return "", fmt.Errorf("data hash recomputed over %d entries is %x, the header says %s", len(entries), got, blk.DataHash)
	}
	if got := headerHash(blk.Number, prev, dh); !bytes.Equal(got, hh) {
		return "", fmt.Errorf("header hash recomputed is %x, the bundle says %s", got, blk.HeaderHash)
	}
	raw, err := b64(blk.Signatures, "block signatures")
	if err != nil {
		return "", err
	}
	var md common.Metadata
	if err := proto.Unmarshal(raw, &md); err != nil {
		return "", fmt.Errorf("block signatures: %v", err)
	}
	if len(md.GetSignatures()) == 0 {
		return "", fmt.Errorf("block %d carries no orderer signature", blk.Number)
	}
	hdr := headerBytes(blk.Number, prev, dh)
	var signers []string
	for i, s := range md.GetSignatures() {
		var sh common.SignatureHeader
		if err := proto.Unmarshal(s.GetSignatureHeader(), &sh); err != nil {
			return "", fmt.Errorf("orderer signature %d: header: %v", i, err)
		}
		msp, cert, err := fabricIdentity(sh.GetCreator(), trust.Orderers, at)
		if err != nil {
			return "", fmt.Errorf("orderer signature %d: %w", i, err)
		}
		if !hasOU(cert, "orderer") {
			return "", fmt.Errorf("orderer signature %d: %q of %s is not an orderer (OU %v)", i, cert.Subject.CommonName, msp, cert.Subject.OrganizationalUnit)
		}
		msg := append(append(append([]byte{}, md.GetValue()...), s.GetSignatureHeader()...), hdr...)
		if err := fabricVerify(cert, msg, s.GetSignature()); err != nil {
			return "", fmt.Errorf("orderer signature %d by %s: %w", i, msp, err)
		}
		signers = append(signers, fmt.Sprintf("%s %q", msp, cert.Subject.CommonName))
	}
	return fmt.Sprintf("entry %d of block %d; data hash and header hash %.16s… recomputed; signed by %s",
		bt.TxIndex, blk.Number, blk.HeaderHash, strings.Join(signers, ", ")), nil
}

// checkEvents proves each event by its transaction's write, and that the
// bundle leaves out no event those transactions wrote.
func checkEvents(b *Bundle, txs map[string]*tx) ([]model.Event, []relayapi.ProvenanceEvent, error) {
	if len(b.Events) == 0 {
		return nil, nil, errors.New("no events")
	}
	blockOf := map[string]uint64{}
	for _, bt := range b.Transactions {
		blockOf[bt.TxID] = bt.BlockNumber
	}
	var events []model.Event
	var pe []relayapi.ProvenanceEvent
	used := map[string]bool{}
	for i, raw := range b.Events {
		var compact bytes.Buffer
		if err := json.Compact(&compact, raw); err != nil {
			return nil, nil, fmt.Errorf("event %d: %v", i, err)
		}
		var e model.Event
		if err := json.Unmarshal(compact.Bytes(), &e); err != nil {
			return nil, nil, fmt.Errorf("event %d: %v", i, err)
		}
		t, ok := txs[e.TxID]
		if !ok {
			return nil, nil, fmt.Errorf("event %d names transaction %s, which is not proven in the bundle", i, e.TxID)
		}
		key := eventKey(b.DocumentID, i)
		w, ok := t.write(key)
		switch {
		case !ok:
			return nil, nil, fmt.Errorf("transaction %s wrote no %s", e.TxID, key)
		case !bytes.Equal(w, compact.Bytes()):
			return nil, nil, fmt.Errorf("event %d is not what transaction %s wrote at %s", i, e.TxID, key)
		case e.DocumentID != b.DocumentID || e.Seq != i:
			return nil, nil, fmt.Errorf("event %d is seq %d of document %q", i, e.Seq, e.DocumentID)
		case !e.Timestamp.Equal(t.Timestamp):
			return nil, nil, fmt.Errorf("event %d has time %s, its transaction %s", i, e.Timestamp.Format(time.RFC3339Nano),
				t.Timestamp.Format(time.RFC3339Nano))
		}
		used[e.TxID] = true
		events = append(events, e)
		pe = append(pe, relayapi.ProvenanceEvent{Event: e, BlockNumber: blockOf[e.TxID], ValidationCode: "VALID",
			SubmitterMSP: e.CreatorMSP})
	}
	for id, t := range txs {
		if !used[id] {
			return nil, nil, fmt.Errorf("transaction %s proves no event of the bundle", id)
		}
		for _, w := range t.Writes {
			if strings.HasPrefix(w.GetKey(), eventPrefix(b.DocumentID)) {
				var seq int
				if _, err := fmt.Sscanf(strings.TrimPrefix(w.GetKey(), eventPrefix(b.DocumentID)), "%d", &seq); err != nil ||
					seq >= len(events) || eventKey(b.DocumentID, seq) != w.GetKey() {
					return nil, nil, fmt.Errorf("transaction %s wrote %s, which the bundle leaves out", id, w.GetKey())
				}
			}
		}
	}
	return events, pe, nil
}

// finalState is the projection the last event's transaction wrote.
func finalState(b *Bundle, events []model.Event, txs map[string]*tx) (*model.Document, error) {
	last := events[len(events)-1].TxID
	w, ok := txs[last].write(docKey(b.DocumentID))
	if !ok {
		return nil, fmt.Errorf("the last transaction %s wrote no %s", last, docKey(b.DocumentID))
	}
	var d model.Document
	if err := json.Unmarshal(w, &d); err != nil {
		return nil, fmt.Errorf("%s: %v", docKey(b.DocumentID), err)
	}
	return &d, nil
}

// checkTrustEntries checks the bundle's CA certificates and CRLs: each
// chains to a given root (CAs) or is signed by such a CA (CRLs), each is
// named by some event, and every CA and CRL an event names is there; no
// signer certificate is on the CRL its signature froze.
func checkTrustEntries(r *Report, b *Bundle, events []model.Event, trust Trust) {
	type caRef struct{ msp, fp string }
	cas := map[caRef]*x509.Certificate{}
	firstUse := map[caRef]time.Time{}
	for _, e := range events {
		if ev := evidenceOf(e); ev != nil {
			k := caRef{ev.Signer.MSPID, ev.CAFingerprint}
			if _, ok := firstUse[k]; !ok {
				firstUse[k] = e.Timestamp
			}
		}
	}
	for i, c := range b.CAs {
		name := fmt.Sprintf("CA %d %s", i, c.MSPID)
		k := caRef{c.MSPID, c.Fingerprint}
		at, used := firstUse[k]
		if !used {
			r.add(name, fmt.Errorf("CA %s of %s is named by no event", c.Fingerprint, c.MSPID), "")
			continue
		}
		if _, dup := cas[k]; dup {
			r.add(name, fmt.Errorf("CA %s of %s is listed twice", c.Fingerprint, c.MSPID), "")
			continue
		}
		der, err := canonicalPEM(c.CertPEM, "CERTIFICATE")
		if err != nil {
			r.add(name, err, "")
			continue
		}
		cert, err := x509.ParseCertificate(der)
		if err != nil {
			r.add(name, err, "")
			continue
		}
		if fp := payload.Fingerprint(der); fp != c.Fingerprint {
			r.add(name, fmt.Errorf("certificate fingerprint %s, the bundle says %s", fp, c.Fingerprint), "")
			continue
		}
		root, err := chainTo(trust.Orgs, c.MSPID, cert, nil, at)
		if err != nil {
			r.add(name, err, "")
			continue
		}
		r.add(name, nil, fmt.Sprintf("%q (%.16s…) chains to the given root %q of %s", cert.Subject.CommonName, c.Fingerprint,
			root.Subject.CommonName, c.MSPID))
		cas[k] = cert
	}
	for k := range firstUse {
		if _, ok := cas[k]; !ok && !hasCA(b, k.msp, k.fp) {
			r.add("CA "+k.msp, fmt.Errorf("the events name CA %s of %s, which the bundle does not hold", k.fp, k.msp), "")
		}
	}

	type crlRef struct {
		msp, fp, number string
		thisUpdate      time.Time
	}
	crls := map[crlRef]*x509.RevocationList{}
	for i, c := range b.CRLs {
		name := fmt.Sprintf("CRL %d %s", i, c.MSPID)
		ca, ok := cas[caRef{c.MSPID, c.CAFingerprint}]
		if !ok {
			r.add(name, fmt.Errorf("its CA %s of %s is not a verified CA of the bundle", c.CAFingerprint, c.MSPID), "")
			continue
		}
		der, err := canonicalPEM(c.CRLPEM, "X509 CRL")
		if err != nil {
			r.add(name, err, "")
			continue
		}
		crl, err := x509.ParseRevocationList(der)
		if err != nil {
			r.add(name, err, "")
			continue
		}
		if err := crl.CheckSignatureFrom(ca); err != nil {
			r.add(name, fmt.Errorf("not signed by CA %.16s…: %v", c.CAFingerprint, err), "")
			continue
		}
		num := ""
		if crl.Number != nil {
			num = crl.Number.String()
		}
		k := crlRef{c.MSPID, c.CAFingerprint, num, crl.ThisUpdate.UTC()}
		if _, dup := crls[k]; dup {
			r.add(name, errors.New("listed twice"), "")
			continue
		}
		crls[k] = crl
		r.add(name, nil, fmt.Sprintf("number %q, thisUpdate %s, %d revoked, signed by CA %.16s…", num,
			crl.ThisUpdate.UTC().Format(time.RFC3339), len(crl.RevokedCertificateEntries), c.CAFingerprint))
	}
	usedCRL := map[crlRef]bool{}
	for _, e := range events {
		ev := evidenceOf(e)
		if ev == nil || ev.CRLThisUpdate == nil {
			continue
		}
		name := fmt.Sprintf("event %d revocation", e.Seq)
		k := crlRef{ev.Signer.MSPID, ev.CAFingerprint, ev.CRLNumber, ev.CRLThisUpdate.UTC()}
		crl, ok := crls[k]
		if !ok {
			r.add(name, fmt.Errorf("the CRL it froze (number %q, thisUpdate %s, CA %.16s…) is not a verified CRL of the bundle",
				ev.CRLNumber, ev.CRLThisUpdate.UTC().Format(time.RFC3339), ev.CAFingerprint), "")
			continue
		}
		usedCRL[k] = true
		certs, err := certchain.Parse(ev.CertChainPEM)
		if err != nil {
			r.add(name, err, "")
			continue
		}
		serial := certs[0].SerialNumber
		revoked := slices.ContainsFunc(crl.RevokedCertificateEntries, func(x x509.RevocationListEntry) bool {
			return x.SerialNumber.Cmp(serial) == 0
		})
		r.add(name, expect(!revoked, "certificate serial %x is on CRL %q of %s", serial, ev.CRLNumber, ev.Signer.MSPID),
			fmt.Sprintf("serial %x is not on CRL %q (thisUpdate %s) of %s", serial, ev.CRLNumber,
				ev.CRLThisUpdate.UTC().Format(time.RFC3339), ev.Signer.MSPID))
	}
	for k := range crls {
		if !usedCRL[k] {
			r.add("CRL "+k.msp, fmt.Errorf("CRL %q (thisUpdate %s) is named by no event", k.number, k.thisUpdate.Format(time.RFC3339)), "")
		}
	}
}

func hasCA(b *Bundle, msp, fp string) bool {
	return slices.ContainsFunc(b.CAs, func(c CA) bool { return c.MSPID == msp && c.Fingerprint == fp })
}
