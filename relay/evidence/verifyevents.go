package evidence

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/hyperledger/fabric-protos-go-apiv2/ledger/rwset/kvrwset"

	"github.com/qrsign/qrsign/chaincode/model"

	"github.com/qrsign/qrsign/relay/api"
)

// checkEvents proves each event by its transaction's write, and that the
// bundle leaves out no event those transactions wrote.
func checkEvents(b *Bundle, txs map[string]*tx) ([]model.Event, []api.ProvenanceEvent, error) {
	if len(b.Events) == 0 {
		return nil, nil, errors.New("no events")
	}
	blockOf := map[string]uint64{}
	for _, bt := range b.Transactions {
		blockOf[bt.TxID] = bt.BlockNumber
	}
	var events []model.Event
	var pe []api.ProvenanceEvent
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
		pe = append(pe, api.ProvenanceEvent{Event: e, BlockNumber: blockOf[e.TxID], ValidationCode: "VALID",
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
				// The write at seq proves event seq only if that event names this transaction.
				if events[seq].TxID != id {
					return nil, nil, fmt.Errorf("transaction %s wrote %s, but event %d names transaction %s", id, w.GetKey(), seq, events[seq].TxID)
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

// checkReadChain proves the transactions are a chain with no valid
// transaction left out between them: the endorsed read set of each
// transaction (in event order) read doc/<id> at the version the previous one
// wrote (Fabric's version = {block number, position in the block}), and the
// first read it as absent. A transaction the peers marked invalid (e.g.
// MVCC_READ_CONFLICT) cannot sit inside the chain: the next valid transaction
// read the version of the transaction that really committed before it.
// Only the last transaction's validity is left to the freshness witness.
func checkReadChain(b *Bundle, events []model.Event, txs map[string]*tx) (finding, error) {
	pos := map[string][2]uint64{}
	for _, bt := range b.Transactions {
		pos[bt.TxID] = [2]uint64{bt.BlockNumber, uint64(bt.TxIndex)}
	}
	key := docKey(b.DocumentID)
	var prev string
	n := 0
	for _, e := range events {
		if e.TxID == prev {
			continue
		}
		v, ok := txs[e.TxID].read(key)
		if !ok {
			return finding{}, fmt.Errorf("transaction %s (event %d) did not read %s", e.TxID, e.Seq, key)
		}
		if prev == "" {
			if v != nil {
				return finding{}, fmt.Errorf("transaction %s (event %d) read %s at {%d, %d}; the first must read it absent", e.TxID, e.Seq, key,
					v.GetBlockNum(), v.GetTxNum())
			}
		} else if want := pos[prev]; v == nil || v.GetBlockNum() != want[0] || v.GetTxNum() != want[1] {
			return finding{}, fmt.Errorf("transaction %s (event %d) read %s at %s, not at {%d, %d} where transaction %s wrote it", e.TxID,
				e.Seq, key, versionText(v), want[0], want[1], prev)
		}
		prev = e.TxID
		n++
	}
	return finding{fmt.Sprintf("each of the %d transactions read %s as the previous one wrote it (the first: absent)", n, key),
		map[string]string{"n": strconv.Itoa(n), "key": key}}, nil
}

func versionText(v *kvrwset.Version) string {
	if v == nil {
		return "absent"
	}
	return fmt.Sprintf("{%d, %d}", v.GetBlockNum(), v.GetTxNum())
}
