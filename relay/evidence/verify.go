package evidence

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/relay/verify"

	"github.com/qrsign/qrsign/relay/api"
)

// Verify checks a bundle against trust alone; document, when not nil, is the
// document file, whose hash must be the bundle's. Every check is reported;
// the bundle is proven only if Report.OK.
func Verify(b *Bundle, trust Trust, document []byte) *Report {
	r := &Report{DocumentID: b.DocumentID}
	if !r.add("format", expect(b.Format == Format, "format %q, want %q", b.Format, Format), Format) {
		return r
	}
	fileSHA256 := ""
	if document != nil {
		sum := sha256.Sum256(document)
		fileSHA256 = hex.EncodeToString(sum[:])
		if fileSHA256 == b.DocumentSHA256 {
			r.add("document file", nil, "SHA-256 "+fileSHA256+" = the bundle's document hash")
		} // else it may be a signed PDF: judged against the proven events below
	}

	// Transactions: each proven in an orderer-signed block, endorsed by the
	// orgs the policy needs, signed by its submitter.
	txs, seen, blocks := map[string]*tx{}, map[string]bool{}, map[uint64]blockCheck{}
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
		detail, err = checkTxBlock(b, bt, trust, t.Timestamp, blocks)
		proven = r.add(name+" block", err, detail) && proven
		proven = r.add(name+" validation code", expect(bt.ValidationCode == "VALID", "validation code %q", bt.ValidationCode),
			"VALID (recorded by the committing peer)") && proven
		if proven { // only what trusted endorsers and orderers signed proves events
			txs[bt.TxID] = t
		}
	}

	detail, err := checkBlockList(b)
	r.add("blocks", err, detail)

	// Events: exactly the bytes their endorsed transactions wrote.
	events, pe, err := checkEvents(b, txs)
	r.add("events proven", err, fmt.Sprintf("%d events, each the value its endorsed transaction wrote at %s<seq>", len(events), eventPrefix(b.DocumentID)))
	if err != nil {
		if document != nil && fileSHA256 != b.DocumentSHA256 {
			r.add("document file", fmt.Errorf("the file hashes to %s, the bundle's document to %s (no proven events to find its revisions in)", fileSHA256, b.DocumentSHA256), "")
		}
		return r
	}
	if document != nil && fileSHA256 != b.DocumentSHA256 {
		checkPDFRevisions(r, b, events, document, fileSHA256)
	}
	r.add("bundle document hash", func() error {
		if reg := events[0].Registered; reg == nil || reg.SHA256 != b.DocumentSHA256 {
			return fmt.Errorf("the bundle says %s, the registration event does not", b.DocumentSHA256)
		}
		return nil
	}(), b.DocumentSHA256+" as registered")
	detail, err = checkReadChain(b, events, txs)
	r.add("read chain", err, detail)
	last := b.lastTransaction(events)
	detail, err = checkWitness(b, last, events[len(events)-1].Timestamp, trust)
	r.add("last transaction validity", err, detail)
	final, err := finalState(b, events, txs)
	if !r.add("final state", err, fmt.Sprintf("%s as written by tx %.16s", docKey(b.DocumentID), events[len(events)-1].TxID)) {
		return r
	}

	// Signatures, chains to the given roots, projection = fold(events):
	// the same checks as `qrsign verify`, on proven events.
	v := &verify.Verifier{Channel: b.Channel, Roots: trust.Orgs}
	rep := v.Provenance(&api.Provenance{DocumentID: b.DocumentID, Channel: b.Channel,
		Document: &model.DocumentView{Document: *final}, Events: pe})
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
