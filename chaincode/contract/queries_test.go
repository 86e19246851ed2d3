package contract

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/chaincode/payload"
)

func ids(p model.Page) string {
	var out []string
	for _, r := range p.Records {
		out = append(out, r.ID)
	}
	return strings.Join(out, ",")
}

// queryWorld: q0 completed, q1..q3 pending (q3 an invoice, alice second),
// q4 voided, q2 tagged vip; it returns when each was created.
func queryWorld(t *testing.T) (*world, map[string]time.Time) {
	w := newWorld(t)
	alice, bob := w.signer("Org1MSP", "alice", 1), w.signer("Org2MSP", "bob", 1)
	created := map[string]time.Time{}
	for i, pri := range []int{1, 9, 5, 9, 0} {
		req := docRequest(fmt.Sprintf("q%d", i), alice, bob)
		req.Priority = pri
		if i == 3 {
			req.DocType = "invoice"
			req.Signers[0].RoutingOrder = 2
		}
		res := decode[model.WriteResult](t, w.must(w.orgs["Org1MSP"].client, "RegisterDocument", js(req)))
		created[req.ID] = res.Document.CreatedAt
	}
	mustOK(t)(w.sign(alice, "q0"))
	mustOK(t)(w.sign(bob, "q0")) // q0 completes
	w.must(w.orgs["Org1MSP"].client, "VoidDocument", js(model.VoidRequest{DocumentID: "q4", Reason: "dup"}))
	r := w.sigRequest(bob, "q2", payload.PurposeAnnotate, "", []string{"vip"}, "")
	w.must(w.orgs["Org2MSP"].client, "Annotate", js(model.AnnotateRequest{SignatureRequest: r, Tags: []string{"vip"}}))
	return w, created
}

func TestListQueries(t *testing.T) {
	w, created := queryWorld(t)
	list := func(fn string, q model.ListQuery) model.Page {
		t.Helper()
		return decode[model.Page](t, w.must(nil, fn, js(q)))
	}
	cases := []struct {
		name string
		fn   string
		q    model.ListQuery
		want string
	}{
		{"all of a signer, oldest first", "ListBySigner", model.ListQuery{MSPID: "Org1MSP", SignerID: "alice"}, "q0,q1,q2,q3,q4"},
		{"time range on the index", "ListBySigner", model.ListQuery{MSPID: "Org1MSP", SignerID: "alice",
			From: ptr(created["q1"]), To: ptr(created["q3"])}, "q1,q2"},
		{"docType filter", "ListBySigner", model.ListQuery{MSPID: "Org2MSP", SignerID: "bob", DocType: "invoice"}, "q3"},
		{"status filter", "ListBySigner", model.ListQuery{MSPID: "Org2MSP", SignerID: "bob", Status: model.StatusCompleted}, "q0"},
		{"tag filter", "ListBySigner", model.ListQuery{MSPID: "Org2MSP", SignerID: "bob", Tag: "vip"}, "q2"},
		{"pending: priority desc, then routing order", "ListPending", model.ListQuery{MSPID: "Org1MSP", SignerID: "alice"}, "q1,q3,q2"},
		{"by owner", "ListByOwner", model.ListQuery{MSPID: "Org1MSP", Owner: "app1", Status: model.StatusPending}, "q1,q2,q3"},
		{"by tag", "ListByTag", model.ListQuery{Tag: "vip"}, "q2"},
		{"unknown signer", "ListBySigner", model.ListQuery{MSPID: "Org1MSP", SignerID: "zed"}, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := ids(list(c.fn, c.q)); got != c.want {
				t.Fatalf("got %q want %q", got, c.want)
			}
		})
	}

	t.Run("pages with bookmarks", func(t *testing.T) {
		var got []string
		q := model.ListQuery{MSPID: "Org1MSP", SignerID: "alice", PageSize: 2}
		for pages := 0; ; pages++ {
			p := list("ListBySigner", q)
			if len(p.Records) > 2 || pages > 3 {
				t.Fatalf("page %d: %d records", pages, len(p.Records))
			}
			got = append(got, ids(p))
			if p.Bookmark == "" {
				break
			}
			q.Bookmark = p.Bookmark
		}
		if strings.Join(got, "|") != "q0,q1|q2,q3|q4" {
			t.Fatalf("pages %q", got)
		}
	})

	t.Run("rejects", func(t *testing.T) {
		for _, c := range []struct {
			fn   string
			q    string
			want string
		}{
			{"ListBySigner", js(model.ListQuery{MSPID: "Org1MSP"}), "INVALID_FIELD: ListBySigner needs a valid mspId and signerId"},
			{"ListByTag", js(model.ListQuery{Tag: "Bad Tag"}), `INVALID_FIELD: tag "Bad Tag" is not a valid tag`},
			{"ListByTag", js(model.ListQuery{}), "INVALID_FIELD: ListByTag needs a valid tag"},
			{"ListPending", js(model.ListQuery{MSPID: "Org1MSP", SignerID: "alice", PageSize: 201}), "INVALID_FIELD: pageSize must be 1..200"},
			{"ListByOwner", js(model.ListQuery{MSPID: "Org1MSP", Owner: "app1", Status: "LOST"}), `INVALID_FIELD: status "LOST" is not a document status`},
			{"ListBySigner", js(model.ListQuery{MSPID: "Org1MSP", SignerID: "alice", Bookmark: "doc/q1"}), "INVALID_FIELD: bookmark does not belong to this query"},
			{"ListBySigner", js(model.ListQuery{MSPID: "Org1MSP", SignerID: "alice", From: ptr(t0), To: ptr(t0)}), "INVALID_FIELD: from must be before to"},
			{"ListBySigner", `{"mspId":"Org1MSP","signerId":"alice","limit":3}`, `BAD_REQUEST: request JSON: json: unknown field "limit"`},
		} {
			if _, err := w.invoke(nil, c.fn, c.q); err == nil || err.Error() != c.want {
				t.Errorf("%s %s:\n got  %v\n want %s", c.fn, c.q, err, c.want)
			}
		}
	})
}

// Paginated range queries are refused by the peer in writing transactions;
// the fake stub enforces the same, and no writing transaction uses them.
func TestWritePathsDoNotPaginate(t *testing.T) {
	f := newFixture(t)
	mustOK(t)(f.sign(f.alice, "d1")) // would fail at Commit if it paginated
	st := f.L.NewTx(f.tick(), nil, "ListBySigner", js(model.ListQuery{MSPID: "Org1MSP", SignerID: "alice"}))
	if resp := f.cc.Invoke(st); resp.Status != 200 {
		t.Fatal(resp.Message)
	}
	_ = st.PutState("x", []byte("y"))
	if err := st.Commit(); err == nil {
		t.Fatal("fake stub accepted writes after a paginated query")
	}
}

func ptr[T any](v T) *T { return &v }
