package evidence

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strconv"
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
	if !r.add(Check{Name: "format", Code: CheckFormat}, expect(b.Format == Format, "format %q, want %q", b.Format, Format),
		finding{Format, map[string]string{"format": Format}}) {
		return r
	}
	fileSHA256 := ""
	if document != nil {
		sum := sha256.Sum256(document)
		fileSHA256 = hex.EncodeToString(sum[:])
		if fileSHA256 == b.DocumentSHA256 {
			r.add(Check{Name: "document file", Code: CheckDocumentFile}, nil,
				finding{"SHA-256 " + fileSHA256 + " = the bundle's document hash", map[string]string{"sha256": fileSHA256}})
		} // else it may be a signed PDF: judged against the proven events below
	}

	// Transactions: each proven in an orderer-signed block, endorsed by the
	// orgs the policy needs, signed by its submitter.
	txs, seen, blocks := map[string]*tx{}, map[string]bool{}, map[uint64]blockCheck{}
	for i := range b.Transactions {
		bt := &b.Transactions[i]
		name := fmt.Sprintf("tx %.16s", bt.TxID)
		check := func(what, code string) Check {
			return Check{Name: name + what, Code: code, Params: map[string]string{"tx": fmt.Sprintf("%.16s", bt.TxID)}}
		}
		if seen[bt.TxID] {
			r.add(check("", CheckTx), fmt.Errorf("transaction %s is listed twice", bt.TxID), finding{})
			continue
		}
		seen[bt.TxID] = true
		t, err := checkEnvelope(b, bt)
		var f finding
		if err == nil {
			submitted := t.Timestamp.Format(time.RFC3339Nano)
			f = finding{fmt.Sprintf("channel %s, chaincode %s, submitted %s, tx id = SHA-256(nonce ‖ creator)", t.ChannelID, t.Chaincode, submitted),
				map[string]string{"channel": t.ChannelID, "chaincode": t.Chaincode, "submitted": submitted}}
		}
		if !r.add(check(" envelope", CheckTxEnvelope), err, f) {
			continue
		}
		f, err = checkCreator(t, trust)
		proven := r.add(check(" creator signature", CheckTxCreator), err, f)
		e, err := checkEndorsements(t, trust)
		proven = r.add(check(" endorsements", CheckTxEndorsements), err, e.finding()) && proven
		f, err = checkTxBlock(b, bt, trust, t.Timestamp, blocks)
		proven = r.add(check(" block", CheckTxBlock), err, f) && proven
		proven = r.add(check(" validation code", CheckTxValidationCode), expect(bt.ValidationCode == "VALID", "validation code %q", bt.ValidationCode),
			finding{"VALID (recorded by the committing peer)", nil}) && proven
		if proven { // only what trusted endorsers and orderers signed proves events
			txs[bt.TxID] = t
		}
	}

	f, err := checkBlockList(b)
	r.add(Check{Name: "blocks", Code: CheckBlocks}, err, f)

	// Events: exactly the bytes their endorsed transactions wrote.
	events, pe, err := checkEvents(b, txs)
	r.add(Check{Name: "events proven", Code: CheckEventsProven}, err, finding{
		fmt.Sprintf("%d events, each the value its endorsed transaction wrote at %s<seq>", len(events), eventPrefix(b.DocumentID)),
		map[string]string{"n": strconv.Itoa(len(events)), "prefix": eventPrefix(b.DocumentID)}})
	if err != nil {
		if document != nil && fileSHA256 != b.DocumentSHA256 {
			r.add(Check{Name: "document file", Code: CheckDocumentFile},
				fmt.Errorf("the file hashes to %s, the bundle's document to %s (no proven events to find its revisions in)", fileSHA256, b.DocumentSHA256), finding{})
		}
		return r
	}
	if document != nil && fileSHA256 != b.DocumentSHA256 {
		checkPDFRevisions(r, b, events, document, fileSHA256)
	}
	r.add(Check{Name: "bundle document hash", Code: CheckBundleDocumentHash}, func() error {
		if reg := events[0].Registered; reg == nil || reg.SHA256 != b.DocumentSHA256 {
			return fmt.Errorf("the bundle says %s, the registration event does not", b.DocumentSHA256)
		}
		return nil
	}(), finding{b.DocumentSHA256 + " as registered", map[string]string{"sha256": b.DocumentSHA256}})
	f, err = checkReadChain(b, events, txs)
	r.add(Check{Name: "read chain", Code: CheckReadChain}, err, f)
	last := b.lastTransaction(events)
	f, err = checkWitness(b, last, events[len(events)-1].Timestamp, trust)
	r.add(Check{Name: "last transaction validity", Code: CheckLastTxValidity}, err, f)
	final, err := finalState(b, events, txs)
	lastTx := fmt.Sprintf("%.16s", events[len(events)-1].TxID)
	if !r.add(Check{Name: "final state", Code: CheckFinalState}, err, finding{fmt.Sprintf("%s as written by tx %s", docKey(b.DocumentID), lastTx),
		map[string]string{"key": docKey(b.DocumentID), "tx": lastTx}}) {
		return r
	}

	// Signatures, chains to the given roots, projection = fold(events):
	// the same checks as `qrsign verify`, on proven events.
	v := &verify.Verifier{Channel: b.Channel, Roots: trust.Orgs}
	rep := v.Provenance(&api.Provenance{DocumentID: b.DocumentID, Channel: b.Channel,
		Document: &model.DocumentView{Document: *final}, Events: pe})
	for _, c := range rep.Checks {
		r.Checks = append(r.Checks, Check{Name: c.Name, OK: c.OK, Detail: c.Detail, Code: c.Code, Event: c.Event, Params: c.Params})
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
