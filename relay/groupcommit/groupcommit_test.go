package groupcommit

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/relay/ledger"
)

// fakeGateway stands for ledger.Gateway at the SDK boundary: it records
// every transaction (its documents, in order), holds those naming a document
// in hold until released, and answers as the chaincode would: refuse[doc] is
// an item's refusal, conflict[doc] invalidates any group holding it,
// whole[doc] refuses such a group whole, down fails everything.
type fakeGateway struct {
	ledger.Ledger // other calls are not the committer's
	mu            sync.Mutex
	txs           []string
	hold          map[string]chan struct{}
	refuse        map[string]model.Code
	conflict      map[string]bool
	policy        map[string]bool // invalidates any group holding it: the endorsement policy changed under it
	whole         map[string]bool
	down          bool
	sent          chan string // each transaction, as it is submitted
}

func newFake() *fakeGateway {
	return &fakeGateway{hold: map[string]chan struct{}{}, refuse: map[string]model.Code{}, conflict: map[string]bool{}, policy: map[string]bool{},
		whole: map[string]bool{}, sent: make(chan string, 100)}
}

func (f *fakeGateway) submit(fn string, reqs []model.SignatureRequest) (ledger.Tx, error) {
	var docs []string
	for _, r := range reqs {
		docs = append(docs, r.DocumentID)
	}
	name := fn + " " + strings.Join(docs, ",")
	f.mu.Lock()
	f.txs = append(f.txs, name)
	tx := ledger.Tx{TxID: fmt.Sprintf("tx%d", len(f.txs)), BlockNumber: uint64(len(f.txs)), ValidationCode: "VALID"}
	var wait []chan struct{}
	for _, d := range docs {
		if ch := f.hold[d]; ch != nil {
			wait = append(wait, ch)
		}
	}
	f.mu.Unlock()
	f.sent <- name
	for _, ch := range wait {
		<-ch
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.down {
		return tx, ledger.Unavailable(fn, tx.TxID, errors.New("fake: down"))
	}
	for _, d := range docs {
		if f.conflict[d] && len(docs) > 1 {
			return tx, ledger.Invalidated(fn, tx.TxID, "MVCC_READ_CONFLICT")
		}
		if f.policy[d] && len(docs) > 1 {
			return tx, ledger.Invalidated(fn, tx.TxID, "ENDORSEMENT_POLICY_FAILURE")
		}
		if f.whole[d] && len(docs) > 1 {
			return tx, ledger.Rejected(fn, tx.TxID, model.CodeInternal, "fake: refused whole")
		}
	}
	return tx, nil
}

func written(tx ledger.Tx, doc string) (model.Event, model.DocumentView) {
	return model.Event{Type: model.EventSignatureRecorded, DocumentID: doc, TxID: tx.TxID},
		model.DocumentView{Document: model.Document{ID: doc, Status: model.StatusCompleted}}
}

func (f *fakeGateway) RecordSignature(_ context.Context, req model.SignatureRequest) (*ledger.Written, error) {
	tx, err := f.submit("single", []model.SignatureRequest{req})
	if err != nil {
		return nil, err
	}
	if c := f.refuse[req.DocumentID]; c != "" {
		return nil, ledger.Rejected("RecordSignature", tx.TxID, c, "fake refusal of "+req.DocumentID)
	}
	e, d := written(tx, req.DocumentID)
	return &ledger.Written{Tx: tx, Result: model.WriteResult{Events: []model.Event{e}, Document: &d}}, nil
}

func (f *fakeGateway) RecordSignatures(_ context.Context, reqs []model.SignatureRequest) (*ledger.Group, error) {
	tx, err := f.submit("group", reqs)
	if err != nil {
		return nil, err
	}
	g := &ledger.Group{Tx: tx, Submitted: true}
	for _, r := range reqs {
		it := model.GroupItem{DocumentID: r.DocumentID}
		if c := f.refuse[r.DocumentID]; c != "" {
			it.Code, it.Message = c, "fake refusal of "+r.DocumentID
		} else {
			_, d := written(tx, r.DocumentID)
			g.Result.Documents = append(g.Result.Documents, d)
		}
		g.Result.Items = append(g.Result.Items, it)
	}
	return g, nil
}

func (f *fakeGateway) transactions() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.txs)
}

// holdDoc makes transactions naming doc wait for the returned release.
func (f *fakeGateway) holdDoc(doc string) (release func()) {
	ch := make(chan struct{})
	f.mu.Lock()
	f.hold[doc] = ch
	f.mu.Unlock()
	return func() { close(ch) }
}

// awaitSent waits for the next transaction submitted and returns it.
func (f *fakeGateway) awaitSent(t *testing.T) string {
	t.Helper()
	select {
	case s := <-f.sent:
		return s
	case <-time.After(10 * time.Second):
		t.Fatalf("no transaction submitted; so far %v", f.transactions())
		return ""
	}
}

type answer struct {
	doc string
	w   *ledger.Written
	err error
}

// sign starts RecordSignature for doc (nonce n) and returns where its answer comes.
func sign(c *Committer, doc string, n int) chan answer {
	ch := make(chan answer, 1)
	go func() {
		w, err := c.RecordSignature(context.Background(), model.SignatureRequest{DocumentID: doc, Nonce: fmt.Sprintf("%032x", n)})
		ch <- answer{doc, w, err}
	}()
	return ch
}

// queued waits until n signatures wait in the queue.
func (c *Committer) queued(t *testing.T, n int) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		c.mu.Lock()
		q := len(c.queue)
		c.mu.Unlock()
		if q == n {
			return
		}
	}
	t.Fatalf("queue never held %d signatures", n)
}

// newCommitter is New without Validate, so that a test can make the window
// longer than any test runs (time.Hour): groups then leave only for the
// reason the test is about.
func newCommitter(t *testing.T, f *fakeGateway, max int, window time.Duration) *Committer {
	t.Helper()
	return &Committer{Submitter: f, cfg: Config{MaxItems: max, Window: window}, busy: map[string]bool{}}
}

// recorded checks that an answer is its own document's committed record.
func recorded(t *testing.T, a answer, tx string) {
	t.Helper()
	if a.err != nil {
		t.Fatalf("%s: %v", a.doc, a.err)
	}
	if a.w.TxID != tx || a.w.Result.Document == nil || a.w.Result.Document.ID != a.doc {
		t.Fatalf("%s: answered %+v in %s, want its own record in %s", a.doc, a.w.Result, a.w.TxID, tx)
	}
}

// behindD0 keeps a transaction on d0 in flight until release, and queues
// signatures on d1..dn behind it (in that order); first answers d0.
func behindD0(t *testing.T, f *fakeGateway, c *Committer, n int) (release func(), first chan answer, rest []chan answer) {
	t.Helper()
	release = f.holdDoc("d0")
	first = sign(c, "d0", 0)
	f.awaitSent(t)
	for i := 1; i <= n; i++ {
		rest = append(rest, sign(c, fmt.Sprintf("d%d", i), i))
		c.queued(t, i)
	}
	return release, first, rest
}

// Idle: the first signature leaves at once, alone, whatever the window.
func TestIdleSignatureGoesAtOnce(t *testing.T) {
	f := newFake()
	c := newCommitter(t, f, 16, time.Hour)
	recorded(t, <-sign(c, "d1", 1), "tx1")
	if got := f.transactions(); !slices.Equal(got, []string{"single d1"}) {
		t.Fatalf("transactions %v", got)
	}
}

// While a transaction is in flight, signatures gather; the group leaves when
// the transaction ends, and each caller gets its own document's record.
func TestSignaturesGatherWhileInFlight(t *testing.T) {
	f := newFake()
	c := newCommitter(t, f, 16, time.Hour)
	release, first, rest := behindD0(t, f, c, 5)
	release()
	recorded(t, <-first, "tx1")
	for _, ch := range rest {
		recorded(t, <-ch, "tx2")
	}
	if got := f.transactions(); !slices.Equal(got, []string{"single d0", "group d1,d2,d3,d4,d5"}) {
		t.Fatalf("transactions %v", got)
	}
}

// A full group leaves without waiting; so does one whose oldest signature
// waited the window.
func TestFullGroupsAndTheWindowDoNotWait(t *testing.T) {
	f := newFake()
	c := newCommitter(t, f, 3, time.Hour)
	release, _, chs := behindD0(t, f, c, 2)
	defer release()
	chs = append(chs, sign(c, "d3", 3))
	if got := f.awaitSent(t); got != "group d1,d2,d3" {
		t.Fatalf("full group: %s", got)
	}
	for _, ch := range chs {
		recorded(t, <-ch, "tx2")
	}

	f2 := newFake()
	c2 := newCommitter(t, f2, 3, time.Millisecond)
	release2, _, _ := behindD0(t, f2, c2, 0)
	defer release2()
	a := sign(c2, "d1", 1)
	if got := f2.awaitSent(t); got != "single d1" {
		t.Fatalf("after the window: %s", got)
	}
	recorded(t, <-a, "tx2")
}

// A document is in one group at most, and in one transaction in flight: a
// second signature on it waits for the first's transaction.
func TestOneDocumentPerGroupInFlight(t *testing.T) {
	f := newFake()
	c := newCommitter(t, f, 16, time.Hour)
	release := f.holdDoc("d0")
	first := sign(c, "d0", 0)
	f.awaitSent(t)
	again := sign(c, "d0", 10)
	c.queued(t, 1)
	a1 := sign(c, "d1", 1)
	c.queued(t, 2)
	a1b := sign(c, "d1", 11)
	c.queued(t, 3)
	a2 := sign(c, "d2", 2)
	c.queued(t, 4)
	release()
	for _, ch := range []chan answer{first, again, a1, a1b, a2} {
		if a := <-ch; a.err != nil {
			t.Fatalf("%s: %v", a.doc, a.err)
		}
	}
	got := f.transactions()
	// d0's second signature is the oldest waiting once d0's transaction ended.
	if !slices.Equal(got, []string{"single d0", "group d0,d1,d2", "single d1"}) {
		t.Fatalf("transactions %v", got)
	}
}

// An item the chaincode refuses is answered with its refusal; the others
// with their records.
func TestRefusedItemGetsItsOwnRefusal(t *testing.T) {
	f := newFake()
	f.refuse["d2"] = model.CodeOutOfTurn
	c := newCommitter(t, f, 16, time.Hour)
	release, _, rest := behindD0(t, f, c, 3)
	a1, a2, a3 := rest[0], rest[1], rest[2]
	release()
	recorded(t, <-a1, "tx2")
	recorded(t, <-a3, "tx2")
	r := <-a2
	if code, ok := ledger.CodeOf(r.err); !ok || code != model.CodeOutOfTurn || r.err.Error() !=
		"ledger: RecordSignature (tx tx2): rejected by the chaincode: OUT_OF_TURN: fake refusal of d2" {
		t.Fatalf("refused item: %v", r.err)
	}
}

// A read conflict splits the group in halves until the contended document
// is alone; a group refused whole is resubmitted item by item; a network
// failure reaches every caller.
func TestFailedGroupsAreSplit(t *testing.T) {
	cases := []struct {
		name string
		set  func(*fakeGateway)
		want []string
		err  string
	}{
		{"read conflict", func(f *fakeGateway) { f.conflict["d3"] = true },
			[]string{"group d1,d2,d3,d4", "group d1,d2", "group d3,d4", "single d3", "single d4"}, ""},
		{"endorsement policy changed (an org joined or left)", func(f *fakeGateway) { f.policy["d2"] = true },
			[]string{"group d1,d2,d3,d4", "group d1,d2", "group d3,d4", "single d1", "single d2"}, ""},
		{"refused whole", func(f *fakeGateway) { f.whole["d1"] = true },
			[]string{"group d1,d2,d3,d4", "single d1", "single d2", "single d3", "single d4"}, ""},
		{"unavailable", func(f *fakeGateway) { f.down = true }, []string{"group d1,d2,d3,d4"},
			"ledger: group (tx tx2): network unavailable: fake: down"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake()
			c := newCommitter(t, f, 16, time.Hour)
			release, first, chs := behindD0(t, f, c, 4)
			tc.set(f)
			release()
			<-first
			for _, ch := range chs {
				a := <-ch
				if tc.err == "" && a.err != nil || tc.err != "" && (a.err == nil || !strings.HasPrefix(a.err.Error(), tc.err)) {
					t.Fatalf("%s: %v, want %q", a.doc, a.err, tc.err)
				}
			}
			got := f.transactions()[1:]
			slices.Sort(got) // halves and items run in parallel
			want := slices.Clone(tc.want)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Fatalf("transactions %v, want %v", got, want)
			}
		})
	}
}

func TestConfigValidate(t *testing.T) {
	cases := []struct {
		cfg  Config
		want string
	}{
		{Config{MaxItems: 32, Window: 20 * time.Millisecond}, ""},
		{Config{MaxItems: 1, Window: 0}, ""},
		{Config{MaxItems: 0, Window: time.Millisecond}, "maxItems must be 1..64"},
		{Config{MaxItems: 65, Window: time.Millisecond}, "maxItems must be 1..64"},
		{Config{MaxItems: 8, Window: -time.Millisecond}, "window must be 0..1s"},
		{Config{MaxItems: 8, Window: 2 * time.Second}, "window must be 0..1s"},
	}
	for _, tc := range cases {
		err := tc.cfg.Validate()
		if tc.want == "" && err != nil || tc.want != "" && (err == nil || err.Error() != tc.want) {
			t.Errorf("%+v: %v, want %q", tc.cfg, err, tc.want)
		}
	}
}
