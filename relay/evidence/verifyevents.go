package evidence

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/relay/signer/relayapi"
)

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
