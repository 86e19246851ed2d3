package evidence

import (
	"errors"
	"fmt"
	"time"

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

// checkWitness proves the last transaction valid with the freshness
// witness. Validation codes are the committing peer's unsigned word, and
// the read chain (checkReadChain) leaves the last transaction open: a relay
// could present a transaction the peers marked MVCC_READ_CONFLICT as the
// last event. The witness is a read-only proposal endorsed (under the
// chaincode's policy) after the bundle's history was read: its read set
// holds doc/<id> at the version the last transaction wrote, so that
// transaction's write is in the endorsers' world state (it was valid) and
// nothing later had written the document as of the witness's timestamp.
func checkWitness(b *Bundle, last *Transaction, lastTime time.Time, trust Trust) (string, error) {
	if last == nil {
		return "", errors.New("the last event's transaction is not in the bundle")
	}
	key := docKey(b.DocumentID)
	if b.Witness == "" {
		if !trust.AcceptUnwitnessed {
			return "", fmt.Errorf("no freshness witness: that transaction %s is VALID and the last is only the committing peer's (unsigned) word; "+
				"get the bundle from a relay, or accept the peer's word (--accept-unwitnessed)", last.TxID)
		}
		return fmt.Sprintf("UNPROVEN (peer's word): no freshness witness; the last transaction %.16s is VALID and the last event only by the "+
			"committing peer's unsigned validation code, accepted by --accept-unwitnessed", last.TxID), nil
	}
	raw, err := b64(b.Witness, "witness")
	if err != nil {
		return "", err
	}
	w, err := parseTx(raw)
	if err != nil {
		return "", fmt.Errorf("witness: %w", err)
	}
	switch {
	case computedTxID(w.Nonce, w.Creator) != w.TxID:
		return "", fmt.Errorf("witness: transaction id %s is not SHA-256(nonce ‖ creator)", w.TxID)
	case w.ChannelID != b.Channel || w.Chaincode != b.Chaincode:
		return "", fmt.Errorf("witness: of channel %q, chaincode %q; the bundle's are %q, %q", w.ChannelID, w.Chaincode, b.Channel, b.Chaincode)
	case w.ResponseStatus != 200:
		return "", fmt.Errorf("witness: chaincode response status %d", w.ResponseStatus)
	case len(w.Writes) > 0:
		return "", fmt.Errorf("witness: writes %d key(s); a witness only reads", len(w.Writes))
	case w.Timestamp.Before(lastTime):
		return "", fmt.Errorf("witness: dated %s, before the last transaction (%s)", w.Timestamp.Format(time.RFC3339Nano),
			lastTime.Format(time.RFC3339Nano))
	}
	if err := checkProposal(w); err != nil {
		return "", fmt.Errorf("witness: %w", err)
	}
	endorsed, err := checkEndorsements(w, trust)
	if err != nil {
		return "", fmt.Errorf("witness: %w", err)
	}
	v, ok := w.read(key)
	switch {
	case !ok:
		return "", fmt.Errorf("witness: did not read %s", key)
	case v == nil || v.GetBlockNum() != last.BlockNumber || v.GetTxNum() != uint64(last.TxIndex):
		return "", fmt.Errorf("witness: read %s at %s, not at {%d, %d} where the last transaction %s wrote it", key, versionText(v),
			last.BlockNumber, last.TxIndex, last.TxID)
	}
	return fmt.Sprintf("witness %.16s endorsed at %s read %s at {%d, %d}: the last transaction %.16s was valid and no later event existed "+
		"as of then; %s", w.TxID, w.Timestamp.Format(time.RFC3339Nano), key, last.BlockNumber, last.TxIndex, last.TxID, endorsed), nil
}
