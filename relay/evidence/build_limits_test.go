package evidence

import (
	"context"
	"encoding/base64"
	"errors"
	"testing"

	"github.com/hyperledger/fabric-protos-go-apiv2/common"
	"google.golang.org/protobuf/proto"
)

// countingSource counts block reads.
type countingSource struct {
	*goldenSource
	reads int
}

func (c *countingSource) BlockByTxID(ctx context.Context, txID string) ([]byte, error) {
	c.reads++
	return c.goldenSource.BlockByTxID(ctx, txID)
}

// oneBlock puts every transaction of a golden bundle in one block (as a busy
// channel does): Build must read it once, not once per transaction.
func oneBlock(tb testing.TB, b *Bundle) *countingSource {
	s := newGoldenSource(tb, b)
	var data [][]byte
	for i := range b.Transactions {
		env, _ := base64.StdEncoding.DecodeString(envOf(tb, b, i))
		data = append(data, env)
	}
	raw, err := proto.Marshal(&common.Block{Header: &common.BlockHeader{Number: 7},
		Data: &common.BlockData{Data: data}, Metadata: &common.BlockMetadata{Metadata: [][]byte{{}, {}, make([]byte, len(data)), {}, {}}}})
	if err != nil {
		tb.Fatal(err)
	}
	for _, t := range b.Transactions {
		s.blocks[t.TxID] = raw
	}
	return &countingSource{goldenSource: s}
}

func TestBuildFetchesABlockHoldingSeveralTransactionsOnce(t *testing.T) {
	golden := goldenBundle(t, "two-signers.json")
	src := oneBlock(t, golden)
	calls := 0
	b, st, err := BuildWith(context.Background(), src, golden.DocumentID, Options{OnBlock: func() { calls++ }})
	if err != nil {
		t.Fatal(err)
	}
	if src.reads != 1 || st.Blocks != 1 || calls != 1 {
		t.Fatalf("%d block reads, %d counted, %d charged; want 1 for %d transactions in one block", src.reads, st.Blocks, calls,
			len(b.Transactions))
	}
	// Three blocks, three reads.
	src = &countingSource{goldenSource: newGoldenSource(t, golden)}
	if _, st, err = BuildWith(context.Background(), src, golden.DocumentID, Options{}); err != nil || src.reads != 3 || st.Blocks != 3 {
		t.Fatalf("%d reads, %d counted, %v", src.reads, st.Blocks, err)
	}
}

func TestBuildIsCapped(t *testing.T) {
	golden := goldenBundle(t, "two-signers.json")
	id := golden.DocumentID
	size := len(newGoldenSource(t, golden).blocks[golden.Transactions[0].TxID])
	cases := []struct {
		name  string
		opt   Options
		reads int
		want  string
	}{
		{"more events than the cap: no block read", Options{MaxEvents: 3}, 0,
			"evidence too large: document " + id + " has 4 events, the cap is 3"},
		{"blocks beyond the byte cap: stops at the first over", Options{MaxBytes: size + 1}, 2,
			"evidence too large: document " + id + "'s blocks exceed " + itoa(uint64(size+1)) + " bytes"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			src := &countingSource{goldenSource: newGoldenSource(t, golden)}
			_, _, err := BuildWith(context.Background(), src, id, c.opt)
			if !errors.Is(err, ErrTooLarge) || err.Error() != c.want || src.reads != c.reads {
				t.Fatalf("got %v after %d reads\nwant %s after %d", err, src.reads, c.want, c.reads)
			}
		})
	}
	// At the caps exactly, it builds.
	if _, _, err := BuildWith(context.Background(), newGoldenSource(t, golden), id, Options{MaxEvents: 4, MaxBytes: 1 << 20}); err != nil {
		t.Fatal(err)
	}
}

// staleWitness answers with the witness of a later state first (an event
// committed between the history and the witness), then the right one.
type staleWitness struct {
	*goldenSource
	envs  [][]byte
	calls int
}

func (s *staleWitness) Witness(context.Context, string) ([]byte, error) {
	e := s.envs[min(s.calls, len(s.envs)-1)]
	s.calls++
	return e, nil
}

func TestBuildStartsOverWhenTheWitnessSeesALaterState(t *testing.T) {
	golden, other := goldenBundle(t, "two-signers.json"), goldenBundle(t, "declined.json")
	good, _ := base64.StdEncoding.DecodeString(golden.Witness)
	// The other document's witness reads another key: never fresh for this one.
	bad, _ := base64.StdEncoding.DecodeString(other.Witness)
	src := &staleWitness{goldenSource: newGoldenSource(t, golden), envs: [][]byte{bad, good}}
	_, st, err := BuildWith(context.Background(), src, golden.DocumentID, Options{})
	if err == nil || err.Error() != "evidence incomplete: witness did not read doc/"+golden.DocumentID {
		t.Fatalf("got %v, %+v", err, st)
	}
	// A witness pinned at another version than the last transaction's (an
	// event committed in between) makes it start over, and give up after 3.
	src2 := &staleWitness{goldenSource: newGoldenSource(t, golden), envs: [][]byte{good}}
	blk := blockOf(t, golden, 2)
	blk.Number++
	src2.blocks[golden.Transactions[2].TxID] = rawBlock(t, blk)
	_, st, err = BuildWith(context.Background(), src2, golden.DocumentID, Options{})
	if err == nil || err.Error() != "evidence incomplete: document "+golden.DocumentID+" kept changing while its bundle was built" ||
		st.WitnessRuns != 3 {
		t.Fatalf("got %v after %d witnesses", err, st.WitnessRuns)
	}
	// Fresh at once: one witness.
	src3 := &staleWitness{goldenSource: newGoldenSource(t, golden), envs: [][]byte{good}}
	if b, st, err := BuildWith(context.Background(), src3, golden.DocumentID, Options{}); err != nil || st.WitnessRuns != 1 || b.Witness != golden.Witness {
		t.Fatalf("%v, %d witnesses", err, st.WitnessRuns)
	}
}
