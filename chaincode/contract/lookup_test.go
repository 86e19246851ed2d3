package contract

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/chaincode/payload"
)

// lastTx is the id of the last transaction invoked.
func (w *world) lastTx() string { return w.last.TxID }

func TestListByHashFindsEveryRegistrationOfTheBytes(t *testing.T) {
	w := newWorld(t)
	alice := w.signer("Org1MSP", "alice", 1)
	// docRequest hashes by id length: h1, h2, h3 share a hash, h10 has another.
	for _, id := range []string{"h2", "h1", "h10", "h3"} {
		w.register(id, alice)
	}
	mustOK(t)(w.sign(alice, "h1"))
	same, other := fmt.Sprintf("%064x", 2), fmt.Sprintf("%064x", 3)
	list := func(q model.ListQuery) model.Page { return decode[model.Page](t, w.must(nil, "ListByHash", js(q))) }
	for _, c := range []struct {
		name string
		q    model.ListQuery
		want string
	}{
		{"every id with the bytes, oldest first", model.ListQuery{SHA256: same}, "h2,h1,h3"},
		{"another hash", model.ListQuery{SHA256: other}, "h10"},
		{"status filter", model.ListQuery{SHA256: same, Status: model.StatusCompleted}, "h1"},
		{"unknown hash is an empty page", model.ListQuery{SHA256: strings.Repeat("ab", 32)}, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := ids(list(c.q)); got != c.want {
				t.Fatalf("got %q want %q", got, c.want)
			}
		})
	}
	t.Run("pages with bookmarks", func(t *testing.T) {
		p := list(model.ListQuery{SHA256: same, PageSize: 2})
		if ids(p) != "h2,h1" || p.Bookmark == "" {
			t.Fatalf("first page %q bookmark %q", ids(p), p.Bookmark)
		}
		p = list(model.ListQuery{SHA256: same, PageSize: 2, Bookmark: p.Bookmark})
		if ids(p) != "h3" || p.Bookmark != "" {
			t.Fatalf("second page %q bookmark %q", ids(p), p.Bookmark)
		}
	})
}

func TestListByTxNamesTheDocumentsEachTransactionWrote(t *testing.T) {
	w := newWorld(t)
	alice, bob := w.signer("Org1MSP", "alice", 1), w.signer("Org2MSP", "bob", 1)
	client := w.orgs["Org1MSP"].client
	byTx := func(tx string) string { return ids(decode[model.Page](t, w.must(nil, "ListByTx", tx))) }

	w.register("t1", alice, bob)
	reg := w.lastTx()
	w.register("t2", alice)
	mustOK(t)(w.sign(alice, "t1"))
	sig := w.lastTx()
	mustOK(t)(w.sign(bob, "t1")) // the last signature also completes t1: one key for both events
	done := w.lastTx()
	r := w.sigRequest(alice, "t2", payload.PurposeDecline, "no", nil, "")
	w.must(client, "DeclineSignature", js(r))
	decl := w.lastTx()
	a := w.sigRequest(bob, "t1", payload.PurposeAnnotate, "", []string{"vip"}, "")
	w.must(client, "Annotate", js(model.AnnotateRequest{SignatureRequest: a, Tags: []string{"vip"}}))
	ann := w.lastTx()
	w.register("t3", alice)
	w.must(client, "VoidDocument", js(model.VoidRequest{DocumentID: "t3", Reason: "dup"}))
	void := w.lastTx()
	hashes := w.registerBatch("bt", 3, alice)
	w.must(client, "RecordBatchSignature", js(w.batchRequest(alice, "bt", hashes, []int{2, 0})))
	batch := w.lastTx()
	o := w.orgs["Org2MSP"]
	w.must(o.admin, "PublishCRL", js(model.PublishCRLRequest{CAFingerprint: payload.Fingerprint(o.ca.Cert.Raw),
		CRLPEM: o.ca.CRL(1, w.now)}))
	trust := w.lastTx()

	for _, c := range []struct{ name, tx, want string }{
		{"registration", reg, "t1"},
		{"signature", sig, "t1"},
		{"signature that completes", done, "t1"},
		{"decline", decl, "t2"},
		{"annotation", ann, "t1"},
		{"void", void, "t3"},
		{"batch signature: every document it signed, by id", batch, "bt-000,bt-002"},
		{"org trust change touches no document", trust, ""},
		{"unknown transaction", strings.Repeat("f", 64), ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := byTx(c.tx); got != c.want {
				t.Fatalf("got %q want %q", got, c.want)
			}
		})
	}
	// One key per transaction that appended events, nothing else.
	if n := countPrefix(w, pTx+"/"); n != 3+3+2+1+1+1+1 {
		t.Fatalf("%d tx index keys", n)
	}

	// Ledgers from before the per-transaction key, and back-fills, hold
	// one key per document: ListByTx reads both forms, each document once.
	s := w.L.NewTx(w.tick(), nil, "old layout")
	for _, err := range []error{s.DelState(txListKey(batch)), s.PutState(txKey(batch, "bt-002"), indexValue),
		s.PutState(txKey(batch, "bt-000"), indexValue), s.PutState(txKey(sig, "t1"), indexValue)} {
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Commit(); err != nil {
		t.Fatal(err)
	}
	if got := byTx(batch); got != "bt-000,bt-002" {
		t.Fatalf("per-document keys: got %q", got)
	}
	if got := byTx(sig); got != "t1" {
		t.Fatalf("both forms: got %q", got)
	}
}

func TestLookupRejects(t *testing.T) {
	w := newWorld(t)
	for _, c := range []struct {
		name, fn, arg, want string
	}{
		{"hash missing", "ListByHash", js(model.ListQuery{}), "INVALID_FIELD: ListByHash needs sha256 (64 lowercase hex)"},
		{"hash upper case", "ListByHash", js(model.ListQuery{SHA256: strings.Repeat("AB", 32)}), "INVALID_FIELD: ListByHash needs sha256 (64 lowercase hex)"},
		{"hash too short", "ListByHash", js(model.ListQuery{SHA256: "abc"}), "INVALID_FIELD: ListByHash needs sha256 (64 lowercase hex)"},
		{"bookmark of another hash", "ListByHash", js(model.ListQuery{SHA256: strings.Repeat("0", 64), Bookmark: "hash/" + strings.Repeat("1", 64) + "/x"}),
			"INVALID_FIELD: bookmark does not belong to this query"},
		{"page size", "ListByHash", js(model.ListQuery{SHA256: strings.Repeat("0", 64), PageSize: 500}), "INVALID_FIELD: pageSize must be 1..200"},
		{"unknown field", "ListByHash", `{"sha":"00"}`, `BAD_REQUEST: request JSON: json: unknown field "sha"`},
		{"tx id empty", "ListByTx", "", `INVALID_FIELD: transaction id "" is not valid`},
		{"tx id with a slash", "ListByTx", "abc/def", `INVALID_FIELD: transaction id "abc/def" is not valid`},
		{"tx id too long", "ListByTx", strings.Repeat("a", 129), `INVALID_FIELD: transaction id "` + strings.Repeat("a", 40) + `…" is not valid`},
	} {
		t.Run(c.name, func(t *testing.T) {
			if _, err := w.invoke(nil, c.fn, c.arg); err == nil || err.Error() != c.want {
				t.Fatalf("\n got  %v\n want %s", err, c.want)
			}
		})
	}
}

// The lookup keys are per document: registering the same bytes twice, or
// signing two documents, concurrently does not conflict.
func TestLookupKeysAreNotHot(t *testing.T) {
	w := newWorld(t)
	a := w.signer("Org1MSP", "a", 1)
	client := w.orgs["Org1MSP"].client
	x := w.simulate(t, client, "RegisterDocument", js(docRequest("k1", a)))
	y := w.simulate(t, client, "RegisterDocument", js(docRequest("k2", a))) // same hash as k1
	if c := x.ConflictsWith(y); len(c) != 0 {
		t.Fatalf("registrations of the same bytes conflict on %v", c)
	}
	if _, ok := x.Writes()[hashKey(&model.Document{ID: "k1", SHA256: fmt.Sprintf("%064x", 2), CreatedAt: x.Time})]; !ok {
		t.Fatalf("registration wrote no hash key: %v", keysOf(x.Writes()))
	}
	if got := string(x.Writes()[txListKey(x.TxID)]); got != `["k1"]` {
		t.Fatalf("registration wrote tx key %q: %v", got, keysOf(x.Writes()))
	}
}

// txIndexed: the committed tx index of txID, in either form, names docID.
func txIndexed(tb testing.TB, w *world, txID, docID string) bool {
	tb.Helper()
	if w.L.State[txKey(txID, docID)] != nil {
		return true
	}
	var ids []string
	if b := w.L.State[txListKey(txID)]; b != nil {
		if err := json.Unmarshal(b, &ids); err != nil {
			tb.Fatal(err)
		}
	}
	return slices.Contains(ids, docID)
}

func keysOf(m map[string][]byte) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
