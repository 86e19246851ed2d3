package ledger

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hyperledger/fabric-protos-go-apiv2/gateway"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/qrsign/qrsign/chaincode/model"
)

func TestPeerDownIsOnlyAPeerThatCannotBeReached(t *testing.T) {
	relayed, err := status.New(codes.Unavailable, "no orderers could successfully process transaction").
		WithDetails(&gateway.ErrorDetail{Address: "127.0.0.1:7050", MspId: "OrdererMSP", Message: "connection refused"})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		err  error
		want bool
	}{
		{"unavailable without details", status.Error(codes.Unavailable, "connection refused"), true},
		{"classified unavailable keeps its gRPC status", classify("Ping", "", status.Error(codes.Unavailable, "EOF")), true},
		{"marked submitted is still a peer down", submitted(classify("Ping", "t", status.Error(codes.Unavailable, "EOF"))), true},
		{"peer answering that the orderer is down", relayed.Err(), false},
		{"endorsement failure", status.Error(codes.Aborted, "failed to endorse"), false},
		{"no endorsing combination", status.Error(codes.FailedPrecondition, "no combination of peers"), false},
		{"deadline", status.Error(codes.DeadlineExceeded, "slow"), false},
		{"chaincode rejection", Rejected("RecordSignature", "t", model.CodeNonceReused, "used"), false},
		{"invalidated", Invalidated("RecordSignature", "t", "MVCC_READ_CONFLICT"), false},
		{"plain error", errors.New("x"), false},
		{"nil", nil, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := peerDown(tc.err); got != tc.want {
				t.Fatalf("peerDown(%v) = %v", tc.err, got)
			}
		})
	}
}

func TestPoolTriesPeersInOrderFromTheCurrentOne(t *testing.T) {
	down := status.Error(codes.Unavailable, "connection refused")
	refused := Rejected("GetDocument", "", model.CodeDocumentNotFound, "no document x")
	cases := []struct {
		name      string
		start     int
		fail      map[int]error
		tried     []int
		cur       int
		failovers uint64
		err       error
	}{
		{"preferred answers: nothing moves", 0, nil, []int{0}, 0, 0, nil},
		{"preferred down: the second answers and stays current", 0, map[int]error{0: down}, []int{0, 1}, 1, 1, nil},
		{"two down: the third", 0, map[int]error{0: down, 1: down}, []int{0, 1, 2}, 2, 2, nil},
		{"from the third, down: wraps to the preferred", 2, map[int]error{2: down}, []int{2, 0}, 0, 1, nil},
		{"all down: each tried once, last error", 1, map[int]error{0: down, 1: down, 2: down}, []int{1, 2, 0}, 1, 3, down},
		{"a rejection is an answer: not retried elsewhere", 0, map[int]error{0: refused}, []int{0}, 0, 0, refused},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := &pool{n: 3}
			p.cur.Store(int64(tc.start))
			var tried []int
			err := p.run(context.Background(), func(_ context.Context, i int) error { tried = append(tried, i); return tc.fail[i] })
			if err != tc.err || !reflect.DeepEqual(tried, tc.tried) || p.current() != tc.cur || p.failovers.Load() != tc.failovers {
				t.Fatalf("err %v tried %v current %d failovers %d", err, tried, p.current(), p.failovers.Load())
			}
		})
	}
}

func TestConcurrentFailuresOnOnePeerCountOneFailover(t *testing.T) {
	p := &pool{n: 3}
	var wg sync.WaitGroup
	for k := 0; k < 50; k++ {
		wg.Add(1)
		go func() { defer wg.Done(); p.moveOff(0, errors.New("down")) }()
	}
	wg.Wait()
	if p.current() != 1 || p.failovers.Load() != 1 {
		t.Fatalf("current %d failovers %d", p.current(), p.failovers.Load())
	}
}

func TestEvaluateMovesToTheNextPeerAndStaysThere(t *testing.T) {
	ps, _ := startPeers(t, 2)
	g, log := gatewayOver(t, ps)
	ps[0].down.Store(true)
	for k := 0; k < 3; k++ {
		out, err := g.Evaluate(context.Background(), "GetDocument", "d1")
		if err != nil || string(out) != `"`+ps[1].addr+`"` {
			t.Fatalf("%s %v", out, err)
		}
	}
	if n := ps[0].count("Evaluate"); n != 1 {
		t.Fatalf("the dead peer was asked %d times, want once", n)
	}
	if i, addr := g.Current(); i != 1 || addr != ps[1].addr || g.Failovers() != 1 {
		t.Fatalf("current %d %s failovers %d", i, addr, g.Failovers())
	}
	if got, want := log.get(), []string{ps[0].addr + "→" + ps[1].addr + " down"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("%v, want %v", got, want)
	}
}

func TestEveryPeerDownIsUnavailable(t *testing.T) {
	ps, _ := startPeers(t, 2)
	g, _ := gatewayOver(t, ps)
	ps[0].down.Store(true)
	ps[1].down.Store(true)
	_, err := g.GetDocument(context.Background(), "d1")
	if !errors.Is(err, ErrUnavailable) || !strings.Contains(err.Error(), "ledger: GetDocument: network unavailable: rpc error: code = Unavailable") {
		t.Fatalf("%v", err)
	}
}

func TestSubmitFailover(t *testing.T) {
	cases := []struct {
		name string
		// breaks peer 0 at the stage the case is about
		breakPeer func(p *fakePeer)
		// what each peer is asked: Endorse, Submit, CommitStatus
		calls0, calls1 [3]int64
		ordered        int // times the orderer saw the tx id
		endorsedBy     int
		resumed        []string // how the transaction was carried to peer 1
	}{
		{"peer down before endorsing: endorsed, ordered and confirmed by the next",
			func(p *fakePeer) { p.down.Store(true) }, [3]int64{1, 0, 0}, [3]int64{1, 1, 1}, 1, 1, nil},
		{"submit answer lost after ordering: the same envelope again through the next peer, never re-endorsed",
			func(p *fakePeer) { p.loseOrder.Store(true) }, [3]int64{1, 1, 0}, [3]int64{0, 1, 1}, 2, 0, []string{"RecordSignature resubmitted"}},
		{"peer dies after the orderer accepted: only the commit status is read from the next",
			func(p *fakePeer) { p.downAfterSubmit.Store(true) }, [3]int64{1, 1, 1}, [3]int64{0, 0, 1}, 1, 0, []string{"RecordSignature status"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ps, orderer := startPeers(t, 2)
			g, _ := gatewayOver(t, ps)
			var resumed []string
			g.opt.OnResume = func(fn, txID, how string) { resumed = append(resumed, fn+" "+how) }
			tc.breakPeer(ps[0])
			tx, out, err := g.Submit(context.Background(), "RecordSignature", "{}")
			if err != nil {
				t.Fatal(err)
			}
			if tx.ValidationCode != "VALID" || tx.BlockNumber != 7 || string(out) != `{"endorsedBy":"`+ps[tc.endorsedBy].addr+`"}` {
				t.Fatalf("%+v %s", tx, out)
			}
			got := func(p *fakePeer) [3]int64 {
				return [3]int64{p.count("Endorse"), p.count("Submit"), p.count("CommitStatus")}
			}
			if got(ps[0]) != tc.calls0 || got(ps[1]) != tc.calls1 {
				t.Fatalf("peer 0 asked %v (want %v), peer 1 %v (want %v)", got(ps[0]), tc.calls0, got(ps[1]), tc.calls1)
			}
			if n := orderer.times(tx.TxID); n != tc.ordered {
				t.Fatalf("tx %s ordered %d times, want %d", tx.TxID, n, tc.ordered)
			}
			if !reflect.DeepEqual(resumed, tc.resumed) {
				t.Fatalf("resumed %v, want %v", resumed, tc.resumed)
			}
			if len(orderer.ordered) != 1 {
				t.Fatalf("transaction ids ordered: %v (one transaction must keep one id)", orderer.ordered)
			}
		})
	}
}

func TestSubmitWithNoPeerLeftIsAnUnknownOutcome(t *testing.T) {
	ps, orderer := startPeers(t, 2)
	g, _ := gatewayOver(t, ps)
	ps[0].downAfterSubmit.Store(true)
	ps[1].down.Store(true)
	tx, _, err := g.Submit(context.Background(), "RecordSignature", "{}")
	var le *Error
	if !errors.As(err, &le) || !le.Submitted || !errors.Is(err, ErrUnavailable) || le.TxID != tx.TxID || orderer.times(tx.TxID) != 1 {
		t.Fatalf("%#v %v", le, err)
	}
	// fabric-gateway words the cause ("commit status error: rpc error: …" since v1.10); ours is the prefix
	if want := fmt.Sprintf("ledger: RecordSignature (tx %s): network unavailable: ", tx.TxID); !strings.HasPrefix(err.Error(), want) ||
		!strings.Contains(err.Error(), "code = Unavailable") {
		t.Fatalf("%v, want prefix %q and the gRPC code Unavailable", err, want)
	}
}

func TestProbeBringsThePreferredPeerBack(t *testing.T) {
	ps, _ := startPeers(t, 3)
	g, log := gatewayOver(t, ps)
	ps[0].down.Store(true)
	ps[1].down.Store(true)
	g.checkPeers(context.Background(), time.Second) // current (0) is down: moves off
	if i, _ := g.Current(); i != 1 {
		t.Fatalf("current %d", i)
	}
	g.checkPeers(context.Background(), time.Second) // 1 down too
	ps[1].down.Store(false)
	g.checkPeers(context.Background(), time.Second) // 1 answers again: back to it, 0 still down
	if i, _ := g.Current(); i != 1 {
		t.Fatalf("current %d", i)
	}
	ps[0].down.Store(false)
	g.checkPeers(context.Background(), time.Second)
	a := func(i int) string { return ps[i].addr }
	want := []string{a(0) + "→" + a(1) + " down", a(1) + "→" + a(2) + " down", a(2) + "→" + a(1) + " back", a(1) + "→" + a(0) + " back"}
	if i, _ := g.Current(); i != 0 || !reflect.DeepEqual(log.get(), want) || g.Failovers() != 2 {
		t.Fatalf("current %d failovers %d switches %v, want %v", i, g.Failovers(), log.get(), want)
	}
}

func TestABrokenEventStreamMovesToTheNextPeerOnlyIfItsPeerIsDown(t *testing.T) {
	ps, _ := startPeers(t, 2)
	g, _ := gatewayOver(t, ps)
	first := g.Network()
	g.StreamFailed(first, errors.New("stream ended"))
	if g.Network() != first {
		t.Fatal("moved off a peer that answers")
	}
	ps[0].down.Store(true)
	g.StreamFailed(first, errors.New("stream ended"))
	if g.Network() == first || g.Network() != g.eps[1].network {
		t.Fatal("did not move to the next peer")
	}
}

func TestAStoppedPeerProcessIsAPeerDown(t *testing.T) {
	ps, _ := startPeers(t, 2)
	g, _ := gatewayOver(t, ps)
	if err := g.Ping(context.Background()); err != nil {
		t.Fatal(err)
	}
	ps[0].srv.Stop() // the real thing: connection refused from the operating system
	if err := g.Ping(context.Background()); err != nil {
		t.Fatal(err)
	}
	if i, _ := g.Current(); i != 1 || ps[1].count("Evaluate") != 1 {
		t.Fatalf("current %d, peer 1 asked %d", i, ps[1].count("Evaluate"))
	}
}

func TestARestartedPeerIsReturnedToOnlyOnceItCanEndorse(t *testing.T) {
	ps, _ := startPeers(t, 2)
	g, _ := gatewayOver(t, ps)
	g.pool.moveOff(0, errors.New("down"))
	ps[0].noPlan.Store(true)
	g.checkPeers(context.Background(), time.Second)
	if i, _ := g.Current(); i != 1 {
		t.Fatalf("moved back to a peer that cannot endorse (current %d)", i)
	}
	ps[0].noPlan.Store(false)
	g.checkPeers(context.Background(), time.Second)
	if i, _ := g.Current(); i != 0 {
		t.Fatalf("current %d, want the preferred peer back", i)
	}
	if n := ps[0].count("Submit") + ps[1].count("Submit"); n != 0 {
		t.Fatalf("the probe submitted %d transactions", n)
	}
}

func TestAProbeUnansweredInTimeMovesOffThePeerOnlyAfterMissesInARow(t *testing.T) {
	ps, _ := startPeers(t, 2)
	g, log := gatewayOver(t, ps)
	round := func(hang bool, wantCur int, wantSwitches int) {
		t.Helper()
		ps[0].hang.Store(hang)
		g.checkPeers(context.Background(), 200*time.Millisecond)
		if i, _ := g.Current(); i != wantCur || len(log.get()) != wantSwitches {
			t.Fatalf("current %d switches %v, want current %d after %d switches", i, log.get(), wantCur, wantSwitches)
		}
	}
	round(true, 0, 0)  // one late answer (CPU load): stays
	round(true, 0, 0)  // two
	round(false, 0, 0) // answers again: the count starts over
	round(true, 0, 0)
	round(true, 0, 0)
	round(true, 1, 1) // the third in a row: hung, left
}

func TestProbeTimeoutDefaultsApart(t *testing.T) {
	ps, _ := startPeers(t, 2)
	g, _ := gatewayOver(t, ps)
	if g.opt.ProbeTimeout != 3*time.Second || g.opt.ProbeMisses != 3 {
		t.Fatalf("probe timeout %v misses %d", g.opt.ProbeTimeout, g.opt.ProbeMisses)
	}
}

func TestACallNeverStartsOnAPeerThePoolAlreadyLeft(t *testing.T) {
	p := &pool{n: 2}
	// The pool leaves peer 0 (the probe found it hung) right after a call
	// picked it: the call must not wait on peer 0 but go on with peer 1.
	p.picked = func(i int) {
		if i == 0 {
			p.moveOff(0, errors.New("probe: no answer"))
		}
	}
	var tried []int
	err := p.run(context.Background(), func(ctx context.Context, i int) error {
		tried = append(tried, i)
		if i == 0 {
			select { // hung peer: only the caller's own timeout would end it
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(10 * time.Second):
				return status.Error(codes.DeadlineExceeded, "hung")
			}
		}
		return nil
	})
	if err != nil || !reflect.DeepEqual(tried, []int{0, 1}) || p.current() != 1 {
		t.Fatalf("err %v tried %v current %d", err, tried, p.current())
	}
}

func TestASinglePeerCallIsNeverLeft(t *testing.T) {
	p := &pool{n: 1}
	p.picked = func(i int) { p.moveOff(0, errors.New("probe")) } // no other peer: a no-op
	err := p.run(context.Background(), func(ctx context.Context, i int) error { return ctx.Err() })
	if err != nil {
		t.Fatal(err)
	}
}

func TestCallsWaitingOnALeftPeerGoOnWithTheNext(t *testing.T) {
	ps, orderer := startPeers(t, 2)
	g, _ := gatewayOver(t, ps)
	var resumed []string
	g.opt.OnResume = func(fn, txID, how string) { resumed = append(resumed, fn+" "+how) }
	ps[0].hangStatus.Store(true)
	type result struct {
		tx  Tx
		err error
	}
	done := make(chan result)
	go func() {
		tx, _, err := g.Submit(context.Background(), "RecordSignature", "{}")
		done <- result{tx, err}
	}()
	for ps[0].count("CommitStatus") == 0 {
		time.Sleep(time.Millisecond)
	}
	g.pool.moveOff(0, errors.New("probe: no answer")) // what the probe does with a hung peer
	r := <-done
	if r.err != nil || r.tx.ValidationCode != "VALID" || orderer.times(r.tx.TxID) != 1 || ps[1].count("CommitStatus") != 1 ||
		ps[1].count("Submit") != 0 || !reflect.DeepEqual(resumed, []string{"RecordSignature status"}) {
		t.Fatalf("%+v %v; peer 1 status %d submit %d; resumed %v", r.tx, r.err, ps[1].count("CommitStatus"), ps[1].count("Submit"), resumed)
	}
}

func TestADuplicateTxIDStatusIsReadAgainForTheFirstCopy(t *testing.T) {
	ps, _ := startPeers(t, 1)
	g, _ := gatewayOver(t, ps)
	ps[0].duplicates.Store(1) // a later copy of our resent envelope, then the id's own status
	tx, _, err := g.Submit(context.Background(), "RecordSignature", "{}")
	if err != nil || tx.ValidationCode != "VALID" || tx.BlockNumber != 7 {
		t.Fatalf("%+v %v", tx, err)
	}
	ps[0].duplicates.Store(2) // no answer but DUPLICATE_TXID: outcome unknown, not "not recorded"
	tx, _, err = g.Submit(context.Background(), "RecordSignature", "{}")
	var le *Error
	if !errors.As(err, &le) || !le.Submitted || !errors.Is(err, ErrUnavailable) {
		t.Fatalf("%+v %v", tx, err)
	}
	if want := "commit status DUPLICATE_TXID twice: the outcome of the first copy is unknown"; !strings.HasSuffix(err.Error(), want) {
		t.Fatalf("%v, want suffix %q", err, want)
	}
}
