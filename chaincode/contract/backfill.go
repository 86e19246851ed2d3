package contract

import (
	"encoding/json"
	"slices"

	"github.com/hyperledger/fabric-contract-api-go/v2/contractapi"

	"github.com/qrsign/qrsign/chaincode/model"
)

// BackfillLookupIndexes writes the hash/ and tx/ lookup keys that documents
// registered before those indexes existed lack. It scans at most limit
// documents in key order after `after` and writes only missing keys (each is
// read first), so it is idempotent and reruns write nothing. The cursor is
// returned, never stored: every key it touches belongs to one document, so
// it conflicts with nothing but writes to those documents. Org admins only.
func (c *Contract) BackfillLookupIndexes(ctx contractapi.TransactionContextInterface, request string) (string, error) {
	out, err := backfill(ctx, request)
	return out, asError(err)
}

func backfill(ctx contractapi.TransactionContextInterface, request string) (string, error) {
	t, err := begin(ctx)
	if err != nil {
		return "", err
	}
	var req model.BackfillRequest
	if err := model.Decode([]byte(request), &req); err != nil {
		return "", err
	}
	if err := req.Validate(); err != nil {
		return "", err
	}
	if err := t.requireAdmin(); err != nil {
		return "", err
	}
	start := docKey("")
	if req.After != "" {
		start = docKey(req.After) // inclusive: skipped below
	}
	// An unpaginated range (paginated ones are refused in writing
	// transactions) left early once the page is full.
	it, err := t.stub.GetStateByRange(start, prefixEnd(docKey("")))
	if err != nil {
		return "", internal("range %s: %v", start, err)
	}
	defer it.Close()
	var res model.BackfillResult
	last, more := "", false
	for it.HasNext() {
		kv, err := it.Next()
		if err != nil {
			return "", internal("range %s: %v", start, err)
		}
		if req.After != "" && kv.Key == start {
			continue
		}
		if res.Scanned == req.Limit {
			more = true // one more document exists: the caller goes on after last
			break
		}
		var doc model.Document
		if err := json.Unmarshal(kv.Value, &doc); err != nil {
			return "", internal("decode %s: %v", kv.Key, err)
		}
		n, err := t.backfillDoc(&doc)
		if err != nil {
			return "", err
		}
		res.Scanned++
		res.Written += n
		last = doc.ID
	}
	if more {
		res.Next = last
	}
	b, err := json.Marshal(res)
	if err != nil {
		return "", internal("encode result: %v", err)
	}
	return string(b), nil
}

// backfillDoc writes doc's missing hash/ key and the missing tx/ keys of the
// transactions that appended its events, and returns how many it wrote. A
// transaction's documents are not all known from one of them, so a missing
// tx key is written per document (txKey), the form ListByTx reads beside
// the per-transaction one (txListKey) that writes have made since.
func (t *txn) backfillDoc(doc *model.Document) (int, error) {
	written := 0
	putMissing := func(k string) error {
		b, err := t.stub.GetState(k)
		if err != nil {
			return internal("read %s: %v", k, err)
		}
		if b != nil {
			return nil
		}
		written++
		return t.put(k, indexValue)
	}
	if model.ValidSHA256(doc.SHA256) {
		if err := putMissing(hashKey(doc)); err != nil {
			return 0, err
		}
	}
	// Events are in seq order; one transaction may append several to a
	// document (a signature that completes it): one key each. The map is only
	// looked up, never iterated, so the writes stay in event order.
	seen := map[string]bool{}
	err := t.scan(eventPrefix(doc.ID), func(k string, v []byte) error {
		var e struct {
			TxID string `json:"txId"`
		}
		if err := json.Unmarshal(v, &e); err != nil {
			return internal("decode %s: %v", k, err)
		}
		if e.TxID == "" || seen[e.TxID] || !reTxID.MatchString(e.TxID) {
			return nil
		}
		seen[e.TxID] = true
		// Point reads, not a range over the transaction's keys: a page
		// must not conflict with another page writing the same
		// transaction's key of another document.
		var list []string
		if _, err := t.getJSON(txListKey(e.TxID), &list); err != nil || slices.Contains(list, doc.ID) {
			return err
		}
		return putMissing(txKey(e.TxID, doc.ID))
	})
	return written, err
}
