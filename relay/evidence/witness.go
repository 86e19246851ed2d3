package evidence

import (
	"errors"
	"fmt"
	"maps"
	"strconv"
	"time"

	"github.com/hyperledger/fabric-protos-go-apiv2/ledger/rwset/kvrwset"
	"github.com/qrsign/qrsign/chaincode/model"
)

// lastTransaction is the bundle's entry of the last event's transaction.
func (b *Bundle) lastTransaction(events []model.Event) *Transaction {
	id := events[len(events)-1].TxID
	for i := range b.Transactions {
		if b.Transactions[i].TxID == id {
			return &b.Transactions[i]
		}
	}
	return nil
}

// WitnessSkew is how far after the verifier's clock (Trust.Now) a witness
// may be dated: endorsers sign the proposal's timestamp without checking it
// against their clocks, so a witness dated in the future would claim "no
// later event" for a time that has not come yet.
const WitnessSkew = 5 * time.Minute

// errWitnessRead: the witness did not read doc/<id> at all.
var errWitnessRead = errors.New("did not read")

// witnessRead is the version at which the witness w read doc/<id> and
// whether it is the one the last transaction wrote (its {block, txIndex}).
// Build (whether to start over) and Verify (the proof) share it.
func witnessRead(b *Bundle, w *tx, last *Transaction) (*kvrwset.Version, bool, error) {
	key := docKey(b.DocumentID)
	v, ok := w.read(key)
	if !ok {
		return nil, false, fmt.Errorf("%w %s", errWitnessRead, key)
	}
	return v, v != nil && v.GetBlockNum() == last.BlockNumber && v.GetTxNum() == uint64(last.TxIndex), nil
}

// witnessCreator checks who made the witness proposal: a member chaining to
// a given root of its MSP (at the witness's date). The endorsers checked the
// proposal's signature when they endorsed it, and the creator is inside the
// signature header their endorsements cover; when the envelope is signed too
// (the relay signs its witnesses) that signature must verify.
func witnessCreator(w *tx, trust Trust) (who string, signed bool, err error) {
	msp, cert, err := fabricIdentity(w.Creator, trust.Orgs, w.Timestamp)
	if err != nil {
		return "", false, fmt.Errorf("creator: %w", err)
	}
	who = fmt.Sprintf("%s %q", msp, cert.Subject.CommonName)
	if len(w.Signature) == 0 {
		return who, false, nil
	}
	if err := fabricVerify(cert, w.Payload, w.Signature); err != nil {
		return "", false, fmt.Errorf("creator's signature: %w", err)
	}
	return who, true, nil
}

// checkWitness proves the last transaction valid with the freshness
// witness. Validation codes are the committing peer's unsigned word, and
// the read chain (checkReadChain) leaves the last transaction open: a relay
// could present a transaction the peers marked MVCC_READ_CONFLICT as the
// last event. The witness is a read-only proposal endorsed (under the
// chaincode's policy) after the bundle's history was read: its read set
// holds doc/<id> at the version the last transaction wrote, so that
// transaction's write is in the endorsers' world state (it was valid) and
// nothing later had written the document when it was endorsed. Its
// timestamp is whatever its creator wrote (endorsers do not check it): it
// must not be after the verifier's clock (plus WitnessSkew), and the
// creator is checked and shown.
func checkWitness(b *Bundle, last *Transaction, lastTime time.Time, trust Trust) (finding, error) {
	if last == nil {
		return finding{}, errors.New("the last event's transaction is not in the bundle")
	}
	key := docKey(b.DocumentID)
	if b.Witness == "" {
		if !trust.AcceptUnwitnessed {
			return finding{}, fmt.Errorf("no freshness witness: that transaction %s is VALID and the last is only the committing peer's (unsigned) word; "+
				"get the bundle from a relay, or accept the peer's word (--accept-unwitnessed)", last.TxID)
		}
		tx := fmt.Sprintf("%.16s", last.TxID)
		return finding{fmt.Sprintf("UNPROVEN (peer's word): no freshness witness; the last transaction %s is VALID and the last event only by the "+
			"committing peer's unsigned validation code, accepted by --accept-unwitnessed", tx),
			map[string]string{"unwitnessed": "true", "tx": tx}}, nil
	}
	raw, err := b64(b.Witness, "witness")
	if err != nil {
		return finding{}, err
	}
	w, err := parseTx(raw)
	if err != nil {
		return finding{}, fmt.Errorf("witness: %w", err)
	}
	now := trust.now()
	switch {
	case computedTxID(w.Nonce, w.Creator) != w.TxID:
		return finding{}, fmt.Errorf("witness: transaction id %s is not SHA-256(nonce ‖ creator)", w.TxID)
	case w.ChannelID != b.Channel || w.Chaincode != b.Chaincode:
		return finding{}, fmt.Errorf("witness: of channel %q, chaincode %q; the bundle's are %q, %q", w.ChannelID, w.Chaincode, b.Channel, b.Chaincode)
	case w.ResponseStatus != 200:
		return finding{}, fmt.Errorf("witness: chaincode response status %d", w.ResponseStatus)
	case len(w.Writes) > 0:
		return finding{}, fmt.Errorf("witness: writes %d key(s); a witness only reads", len(w.Writes))
	case w.Timestamp.Before(lastTime):
		return finding{}, fmt.Errorf("witness: dated %s, before the last transaction (%s)", w.Timestamp.Format(time.RFC3339Nano),
			lastTime.Format(time.RFC3339Nano))
	case w.Timestamp.After(now.Add(WitnessSkew)):
		return finding{}, fmt.Errorf("witness: dated %s, after the verifier's clock (%s) + %s: its creator chose that date, nobody checked it",
			w.Timestamp.Format(time.RFC3339Nano), now.UTC().Format(time.RFC3339Nano), WitnessSkew)
	}
	if err := checkProposal(w); err != nil {
		return finding{}, fmt.Errorf("witness: %w", err)
	}
	creator, signed, err := witnessCreator(w, trust)
	if err != nil {
		return finding{}, fmt.Errorf("witness: %w", err)
	}
	endorsed, err := checkEndorsements(w, trust)
	if err != nil {
		return finding{}, fmt.Errorf("witness: %w", err)
	}
	v, pinned, err := witnessRead(b, w, last)
	switch {
	case err != nil:
		return finding{}, fmt.Errorf("witness: %w", err)
	case !pinned:
		return finding{}, fmt.Errorf("witness: read %s at %s, not at {%d, %d} where the last transaction %s wrote it", key, versionText(v),
			last.BlockNumber, last.TxIndex, last.TxID)
	}
	envelope := " (envelope unsigned)"
	if signed {
		envelope = " (envelope signed)"
	}
	f := endorsed.finding()
	p := map[string]string{"witness": fmt.Sprintf("%.16s", w.TxID), "creator": creator, "signed": strconv.FormatBool(signed),
		"date": w.Timestamp.Format(time.RFC3339Nano), "key": key, "block": strconv.FormatUint(last.BlockNumber, 10),
		"index": strconv.Itoa(last.TxIndex), "tx": fmt.Sprintf("%.16s", last.TxID)}
	maps.Copy(p, f.params)
	return finding{fmt.Sprintf("witness %s created by %s%s, dated %s by its creator, read %s at {%s, %s}: the last transaction %s was valid "+
		"and no later event existed when it was endorsed; %s", p["witness"], creator, envelope, p["date"], key,
		p["block"], p["index"], p["tx"], f.detail), p}, nil
}
