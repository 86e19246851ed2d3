package contract

import (
	"encoding/json"
	"sort"
	"strings"
	"testing"

	"github.com/qrsign/qrsign/chaincode/model"
)

// lookupKeys are the ledger's hash/ and tx/ keys, sorted.
func lookupKeys(w *world) []string {
	var out []string
	for k := range w.L.State {
		if strings.HasPrefix(k, pHash+"/") || strings.HasPrefix(k, pTx+"/") {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// forget deletes keys as a ledger from before the lookup indexes lacks them.
func forget(w *world, keys []string) {
	w.tb.Helper()
	s := w.L.NewTx(w.tick(), nil, "forget")
	for _, k := range keys {
		if err := s.DelState(k); err != nil {
			w.tb.Fatal(err)
		}
	}
	if err := s.Commit(); err != nil {
		w.tb.Fatal(err)
	}
}

func (w *world) backfill(creator []byte, after string, limit int) model.BackfillResult {
	w.tb.Helper()
	return decode[model.BackfillResult](w.tb, w.must(creator, "BackfillLookupIndexes",
		js(model.BackfillRequest{After: after, Limit: limit})))
}

// oldLedger registers, signs and batches documents, then deletes the lookup
// keys of "old" ones (ids starting with o or the batch), as a ledger from
// before the indexes has them. It returns the keys a back-fill must write
// (their hash keys, and a per-document tx key for each transaction that
// appended their events: a back-fill cannot know a transaction's other
// documents) and the lookup keys the ledger has after it.
func oldLedger(t *testing.T) (w *world, after, missing []string) {
	w = newWorld(t)
	alice, bob := w.signer("Org1MSP", "alice", 1), w.signer("Org2MSP", "bob", 1)
	for _, id := range []string{"o1", "o2", "n1", "o3"} {
		w.register(id, alice, bob)
	}
	mustOK(t)(w.sign(alice, "o1"))
	mustOK(t)(w.sign(bob, "o1")) // completes o1: two events, one tx key
	mustOK(t)(w.sign(alice, "n1"))
	hashes := w.registerBatch("ob", 3, alice)
	w.must(w.orgs["Org1MSP"].client, "RecordBatchSignature", js(w.batchRequest(alice, "ob", hashes, []int{0, 2})))
	var deleted []string
	for _, k := range lookupKeys(w) {
		if strings.HasPrefix(k, pHash+"/") {
			if strings.HasPrefix(lastPart(k), "o") {
				deleted, missing = append(deleted, k), append(missing, k)
			} else {
				after = append(after, k)
			}
			continue
		}
		var docs []string // a transaction's documents are all old or all new here
		if err := json.Unmarshal(w.L.State[k], &docs); err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(docs[0], "o") {
			after = append(after, k)
			continue
		}
		deleted = append(deleted, k)
		for _, d := range docs {
			missing = append(missing, k+d)
		}
	}
	forget(w, deleted)
	after = append(after, missing...)
	sort.Strings(after)
	sort.Strings(missing)
	return w, after, missing
}

func TestBackfillWritesExactlyTheMissingKeys(t *testing.T) {
	w, all, deleted := oldLedger(t) // deleted: the keys a back-fill writes
	admin := w.orgs["Org2MSP"].admin
	if len(deleted) < 10 {
		t.Fatalf("only %d keys deleted: %v", len(deleted), deleted)
	}
	r := w.backfill(admin, "", 200)
	if r != (model.BackfillResult{Scanned: 7, Written: len(deleted), Next: ""}) {
		t.Fatalf("first run %+v, %d keys were missing", r, len(deleted))
	}
	// Only the missing keys were written (nothing existing rewritten).
	var wrote []string
	for k := range w.last.Writes() {
		wrote = append(wrote, k)
	}
	sort.Strings(wrote)
	if strings.Join(wrote, " ") != strings.Join(deleted, " ") {
		t.Fatalf("wrote\n %v\nwant\n %v", wrote, deleted)
	}
	if got := lookupKeys(w); strings.Join(got, " ") != strings.Join(all, " ") {
		t.Fatalf("after back-fill\n %v\nwant\n %v", got, all)
	}
	if r := w.backfill(admin, "", 200); r != (model.BackfillResult{Scanned: 7}) {
		t.Fatalf("second run %+v", r)
	}
	if len(w.last.Writes()) != 0 || w.last.Event != nil {
		t.Fatalf("second run wrote %v", w.last.Writes())
	}
	// The lookups now find old documents.
	o1 := decode[model.Document](t, string(w.L.State[docKey("o1")]))
	if got := ids(decode[model.Page](t, w.must(nil, "ListByTx", o1.CreatedTxID))); got != "o1" {
		t.Fatalf("ListByTx(o1's registration) = %q", got)
	}
	if got := ids(decode[model.Page](t, w.must(nil, "ListByHash", js(model.ListQuery{SHA256: o1.SHA256})))); !strings.Contains(got, "o1") {
		t.Fatalf("ListByHash(o1's hash) = %q", got)
	}
}

func TestBackfillPagesCoverEveryDocument(t *testing.T) {
	for _, limit := range []int{1, 2, 3, 6, 7, 200} {
		w, all, deleted := oldLedger(t)
		admin := w.orgs["Org1MSP"].admin
		var scanned, written, calls int
		after := ""
		for {
			r := w.backfill(admin, after, limit)
			calls++
			scanned, written = scanned+r.Scanned, written+r.Written
			if r.Scanned > limit {
				t.Fatalf("limit %d: page scanned %d", limit, r.Scanned)
			}
			if r.Next == "" {
				break
			}
			after = r.Next
		}
		if want := (7 + limit - 1) / limit; scanned != 7 || written != len(deleted) || calls != want {
			t.Fatalf("limit %d: scanned %d written %d in %d calls, want 7, %d, %d", limit, scanned, written, calls, len(deleted), want)
		}
		if got := lookupKeys(w); strings.Join(got, " ") != strings.Join(all, " ") {
			t.Fatalf("limit %d: keys\n %v\nwant\n %v", limit, got, all)
		}
	}
}

func TestBackfillOnAnEmptyLedgerOrPastTheEnd(t *testing.T) {
	w := newWorld(t)
	admin := w.orgs["Org1MSP"].admin
	if r := w.backfill(admin, "", 5); r != (model.BackfillResult{}) {
		t.Fatalf("empty ledger %+v", r)
	}
	w.register("a1", w.signer("Org1MSP", "alice", 1))
	if r := w.backfill(admin, "a1", 5); r != (model.BackfillResult{}) {
		t.Fatalf("after the last document %+v", r)
	}
	if r := w.backfill(admin, "a0", 5); r != (model.BackfillResult{Scanned: 1}) {
		t.Fatalf("after an id that is no document %+v", r)
	}
}

func TestBackfillRejects(t *testing.T) {
	w := newWorld(t)
	o := w.orgs["Org1MSP"]
	for _, c := range []struct {
		name    string
		creator []byte
		arg     string
		want    string
	}{
		{"relay client", o.client, js(model.BackfillRequest{Limit: 10}),
			"FORBIDDEN: only an admin of Org1MSP may do this (certificate OU [client])"},
		{"plain member", o.member, js(model.BackfillRequest{Limit: 10}),
			"FORBIDDEN: only an admin of Org1MSP may do this (certificate OU [client])"},
		{"limit zero", o.admin, js(model.BackfillRequest{}), "INVALID_FIELD: limit must be 1..200"},
		{"limit too big", o.admin, js(model.BackfillRequest{Limit: 201}), "INVALID_FIELD: limit must be 1..200"},
		{"negative limit", o.admin, `{"after":"","limit":-1}`, "INVALID_FIELD: limit must be 1..200"},
		{"bad after", o.admin, `{"after":"a/b","limit":1}`, `INVALID_FIELD: after "a/b" must be empty or a document id`},
		{"unknown field", o.admin, `{"limit":1,"cursor":"x"}`, `BAD_REQUEST: request JSON: json: unknown field "cursor"`},
		{"not JSON", o.admin, `limit=1`, "BAD_REQUEST: request JSON: invalid character 'l' looking for beginning of value"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if _, err := w.invoke(c.creator, "BackfillLookupIndexes", c.arg); err == nil || err.Error() != c.want {
				t.Fatalf("\n got  %v\n want %s", err, c.want)
			}
		})
	}
}

// Two back-fills of disjoint pages touch disjoint keys (no cursor on the
// ledger), so admins of two orgs may run them at once.
func TestBackfillPagesDoNotConflict(t *testing.T) {
	w, _, _ := oldLedger(t)
	x := w.simulate(t, w.orgs["Org1MSP"].admin, "BackfillLookupIndexes", js(model.BackfillRequest{Limit: 2}))
	y := w.simulate(t, w.orgs["Org2MSP"].admin, "BackfillLookupIndexes", js(model.BackfillRequest{After: "o1", Limit: 2}))
	if len(x.Writes()) == 0 || len(y.Writes()) == 0 {
		t.Fatalf("writes %v / %v", keysOf(x.Writes()), keysOf(y.Writes()))
	}
	if c := x.ConflictsWith(y); len(c) != 0 {
		t.Fatalf("disjoint pages conflict on %v", c)
	}
}
