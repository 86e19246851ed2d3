package fakeledger

import (
	"context"
	"fmt"
	"sort"
	"strconv"

	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/relay/ledger"
)

// ListByTx implements ledger.Ledger: the documents with an event of txID, by id.
func (l *Ledger) ListByTx(ctx context.Context, txID string) (*model.Page, error) {
	if l.down() {
		return nil, ledger.Unavailable("ListByTx", "", fmt.Errorf("fake: down"))
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	var ids []string
	for id, evs := range l.events {
		for _, e := range evs {
			if e.TxID == txID {
				ids = append(ids, id)
				break
			}
		}
	}
	sort.Strings(ids)
	p := &model.Page{Records: []model.DocumentView{}}
	for _, id := range ids {
		p.Records = append(p.Records, *l.view(l.docs[id]))
	}
	return p, nil
}

// VerifyRecord implements ledger.Ledger: the event stream is checked for
// contiguity; Tampered adds a failing check. Chains and signatures are not
// re-verified (the fake never verified them).
func (l *Ledger) VerifyRecord(ctx context.Context, id string) (*model.VerifyReport, error) {
	if l.down() {
		return nil, ledger.Unavailable("VerifyRecord", "", fmt.Errorf("fake: down"))
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	evs, ok := l.events[id]
	if !ok {
		return nil, ledger.Rejected("VerifyRecord", "", model.CodeDocumentNotFound, "no document "+id)
	}
	rep := &model.VerifyReport{DocumentID: id, OK: true, AsOf: l.Now().UTC(), Checks: []model.Check{
		{Name: "events", Code: model.CheckEvents, OK: true, Detail: fmt.Sprintf("%d events, seq 0..%d contiguous", len(evs), len(evs)-1),
			Params: map[string]string{"n": strconv.Itoa(len(evs)), "last": strconv.Itoa(len(evs) - 1)}}}}
	for i, e := range evs {
		if e.Seq != i {
			rep.OK, rep.Checks[0].OK, rep.Checks[0].Detail, rep.Checks[0].Params = false, false, fmt.Sprintf("event %d has seq %d", i, e.Seq), nil
		}
	}
	if c, ok := l.Tampered[id]; ok {
		rep.OK = false
		rep.Checks = append(rep.Checks, c)
	}
	return rep, nil
}
