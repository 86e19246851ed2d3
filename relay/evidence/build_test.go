package evidence

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/hyperledger/fabric-protos-go-apiv2/common"
	"google.golang.org/protobuf/proto"

	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/relay/ledger"
)

// goldenSource answers like a peer would for the document of a golden
// bundle: its history, the raw blocks (rebuilt from the bundle's parts, all
// entries VALID) and the org events that registered its CAs and CRLs.
type goldenSource struct {
	history model.History
	blocks  map[string][]byte
	orgs    map[string]*model.OrgHistory
	err     error // returned by every call when set
}

func newGoldenSource(tb testing.TB, b *Bundle) *goldenSource {
	tb.Helper()
	s := &goldenSource{history: model.History{DocumentID: b.DocumentID}, blocks: map[string][]byte{},
		orgs: map[string]*model.OrgHistory{}}
	for _, raw := range b.Events {
		var e model.Event
		if err := json.Unmarshal(raw, &e); err != nil {
			tb.Fatal(err)
		}
		s.history.Events = append(s.history.Events, e)
	}
	for i, t := range b.Transactions {
		s.blocks[t.TxID] = rawBlock(tb, blockOf(tb, b, i))
	}
	org := func(msp string) *model.OrgHistory {
		if s.orgs[msp] == nil {
			s.orgs[msp] = &model.OrgHistory{MSPID: msp}
		}
		return s.orgs[msp]
	}
	for _, ca := range b.CAs {
		o := org(ca.MSPID)
		o.Events = append(o.Events, model.Event{Type: model.EventSignerCARegistered, MSPID: ca.MSPID,
			CA: &model.SignerCA{Fingerprint: ca.Fingerprint, CertPEM: ca.CertPEM}})
	}
	for _, e := range s.history.Events {
		if ev := evidenceOf(e); ev != nil && ev.CRLThisUpdate != nil {
			o := org(ev.Signer.MSPID)
			for _, c := range b.CRLs {
				if c.MSPID == ev.Signer.MSPID && c.CAFingerprint == ev.CAFingerprint {
					o.Events = append(o.Events, model.Event{Type: model.EventCRLPublished, MSPID: c.MSPID,
						CRL: &model.CRLInfo{CAFingerprint: c.CAFingerprint, Number: ev.CRLNumber, ThisUpdate: *ev.CRLThisUpdate, CRLPEM: c.CRLPEM}})
				}
			}
		}
	}
	return s
}

func rawBlock(tb testing.TB, b Block) []byte {
	tb.Helper()
	var data [][]byte
	for _, d := range b.Data {
		v, _ := base64.StdEncoding.DecodeString(d)
		data = append(data, v)
	}
	prev, _ := hex.DecodeString(b.PreviousHash)
	dh, _ := hex.DecodeString(b.DataHash)
	sigs, _ := base64.StdEncoding.DecodeString(b.Signatures)
	filter := make([]byte, len(data)) // all VALID (0)
	raw, err := proto.Marshal(&common.Block{Header: &common.BlockHeader{Number: b.Number, PreviousHash: prev, DataHash: dh},
		Data: &common.BlockData{Data: data}, Metadata: &common.BlockMetadata{Metadata: [][]byte{sigs, {}, filter, {}, {}}}})
	if err != nil {
		tb.Fatal(err)
	}
	return raw
}

func (s *goldenSource) GetHistory(_ context.Context, id string) (*model.History, error) {
	if s.err != nil {
		return nil, s.err
	}
	if id != s.history.DocumentID {
		return nil, ledger.Rejected("GetHistory", "", model.CodeDocumentNotFound, "no document "+id)
	}
	h := s.history
	return &h, nil
}

func (s *goldenSource) BlockByTxID(_ context.Context, txID string) ([]byte, error) {
	b, ok := s.blocks[txID]
	if !ok {
		return nil, ledger.Rejected("qscc.GetBlockByTxID", "", "", "no such transaction ID ["+txID+"]")
	}
	return b, nil
}

func (s *goldenSource) GetOrgHistory(_ context.Context, msp string) (*model.OrgHistory, error) {
	if o := s.orgs[msp]; o != nil {
		return o, nil
	}
	return &model.OrgHistory{MSPID: msp}, nil
}

// witnessed is a goldenSource that also endorses the golden witness.
type witnessed struct {
	*goldenSource
	env []byte
}

func (w witnessed) Witness(context.Context, string) ([]byte, error) { return w.env, nil }

func withWitness(tb testing.TB, s *goldenSource, b *Bundle) witnessed {
	env, err := base64.StdEncoding.DecodeString(b.Witness)
	if err != nil || len(env) == 0 {
		tb.Fatalf("golden bundle without a witness: %v", err)
	}
	return witnessed{s, env}
}

func TestBuildFromTheLedgerGivesTheGoldenBundle(t *testing.T) {
	for _, name := range []string{"two-signers.json", "declined.json", "batch.json"} {
		t.Run(name, func(t *testing.T) {
			want := goldenBundle(t, name)
			got, err := Build(context.Background(), withWitness(t, newGoldenSource(t, want), want), want.DocumentID)
			if err != nil {
				t.Fatal(err)
			}
			// The golden bundle's events are indented as served; compare them compacted.
			gj, _ := json.Marshal(got)
			wj, _ := json.Marshal(want)
			if string(gj) != string(wj) {
				t.Fatalf("rebuilt bundle differs:\n got  %.400s\n want %.400s", gj, wj)
			}
			if r := Verify(got, goldenTrust(t), nil); !r.OK() {
				t.Fatalf("rebuilt bundle does not verify: %+v", r.Failures())
			}
		})
	}
}

func TestBuildRefusesInconsistentLedgerAnswers(t *testing.T) {
	golden := goldenBundle(t, "two-signers.json")
	tx0 := golden.Transactions[0].TxID
	cases := []struct {
		name   string
		change func(s *goldenSource)
		want   string
	}{
		{"a block without the transaction", func(s *goldenSource) { s.blocks[tx0] = s.blocks[golden.Transactions[1].TxID] },
			"evidence incomplete: block " + itoa(golden.Transactions[1].BlockNumber) + " holds no endorser transaction " + tx0},
		{"an event its transaction did not write", func(s *goldenSource) { s.history.Events[0].Registered.Title = "Other" },
			"evidence incomplete: event 0 differs from what transaction " + tx0 + " wrote at ev/" + golden.DocumentID + "/00000000"},
		{"events out of order", func(s *goldenSource) {
			s.history.Events[1], s.history.Events[2] = s.history.Events[2], s.history.Events[1]
		},
			"evidence incomplete: event 1 is seq 2 of document \"" + golden.DocumentID + "\""},
		{"a CA the org never registered", func(s *goldenSource) { s.orgs["Org2MSP"].Events = nil },
			"evidence incomplete: event 2 names CA " + golden.CAs[1].Fingerprint + " of Org2MSP, which the org never registered"},
		{"a CRL the org never published", func(s *goldenSource) { s.orgs["Org1MSP"].Events = s.orgs["Org1MSP"].Events[:1] },
			"evidence incomplete: event 1 names CRL \"\" (thisUpdate "},
		{"a block that is not protobuf", func(s *goldenSource) { s.blocks[tx0] = []byte("not a block") },
			"evidence incomplete: transaction " + tx0 + ": block: "},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := newGoldenSource(t, golden)
			c.change(s)
			_, err := Build(context.Background(), s, golden.DocumentID)
			if err == nil || !errors.Is(err, ErrIncomplete) || !strings.HasPrefix(err.Error(), c.want) {
				t.Fatalf("got  %v\nwant %s…", err, c.want)
			}
		})
	}
}

func TestBuildPassesLedgerErrorsThrough(t *testing.T) {
	golden := goldenBundle(t, "two-signers.json")
	s := newGoldenSource(t, golden)
	_, err := Build(context.Background(), s, "nope")
	if code, ok := ledger.CodeOf(err); !ok || code != model.CodeDocumentNotFound {
		t.Fatalf("got %v", err)
	}
	s.err = ledger.Unavailable("GetHistory", "", errors.New("connection refused"))
	if _, err := Build(context.Background(), s, golden.DocumentID); !errors.Is(err, ledger.ErrUnavailable) {
		t.Fatalf("got %v", err)
	}
}

func itoa(n uint64) string { b, _ := json.Marshal(n); return string(b) }
