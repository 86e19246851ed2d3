package ledger

import (
	"context"
	"errors"
	"net"
	"testing"

	"github.com/hyperledger/fabric-protos-go-apiv2/gateway"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/qrsign/qrsign/chaincode/model"
)

// unknownOrgPeer answers every endorsement as the other orgs' peers do once
// the channel removed ours.
type unknownOrgPeer struct{ *fakePeer }

func (p unknownOrgPeer) Endorse(_ context.Context, r *gateway.EndorseRequest) (*gateway.EndorseResponse, error) {
	p.enter("Endorse")
	st, _ := status.New(codes.Aborted, "failed to collect enough transaction endorsements, see attached details for more info").
		WithDetails(&gateway.ErrorDetail{Address: "peer0.org2:9051", MspId: "Org2MSP",
			Message: "rpc error: code = Unknown desc = error validating proposal: access denied: channel [qrsign] creator org unknown, creator is malformed"})
	return nil, st.Err()
}

func startUnknownOrgPeer(t *testing.T) *fakePeer {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &fakePeer{addr: l.Addr().String(), orderer: &fakeOrderer{ordered: map[string]int{}}, srv: grpc.NewServer()}
	gateway.RegisterGatewayServer(p.srv, unknownOrgPeer{p})
	go p.srv.Serve(l)
	t.Cleanup(p.srv.Stop)
	return p
}

// After the channel refused the org, a gateway that finds no endorsers is
// the same refusal (membership), for a group (RecordSignatures, the group
// committer's path for 2+ signatures) as for Submit: not 503 "retry".
func TestGroupSeesARefusedMembershipAsSubmitDoes(t *testing.T) {
	ps, _ := startPeers(t, 1)
	g, _ := gatewayOver(t, ps)
	g.refused.Store(true) // the channel refused the org before
	ps[0].noPlan.Store(true)
	_, _, err := g.Submit(context.Background(), "RecordSignature", "{}")
	if !errors.Is(err, ErrNotMember) {
		t.Fatalf("Submit: %v", err)
	}
	_, err = g.RecordSignatures(context.Background(), []model.SignatureRequest{{DocumentID: "a"}, {DocumentID: "b"}})
	if !errors.Is(err, ErrNotMember) {
		t.Errorf("RecordSignatures while refused, no endorsers: %v (want ErrNotMember, as Submit)", err)
	}
}

// A group refused as not a member is remembered, as a single transaction's
// refusal is: the next, finding no endorsers, are told the same.
func TestGroupRefusalIsRemembered(t *testing.T) {
	p := startUnknownOrgPeer(t)
	g, _ := gatewayOver(t, []*fakePeer{p})
	_, err := g.RecordSignatures(context.Background(), []model.SignatureRequest{{DocumentID: "a"}, {DocumentID: "b"}})
	if !errors.Is(err, ErrNotMember) {
		t.Fatalf("RecordSignatures: %v", err)
	}
	if !g.refused.Load() {
		t.Errorf("the channel refused the org through RecordSignatures but the gateway does not remember it")
	}
}

// The caller's context ends while the commit status is awaited: unknown
// outcome (Submitted), with the tx id, and no second submission.
func TestCancelMidCommitStatusIsUnknown(t *testing.T) {
	ps, orderer := startPeers(t, 2)
	g, _ := gatewayOver(t, ps)
	ps[0].hangStatus.Store(true)
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		for ps[0].count("CommitStatus") == 0 {
		}
		cancel()
	}()
	tx, _, err := g.Submit(ctx, "RecordSignature", "{}")
	var le *Error
	if !errors.As(err, &le) || !le.Submitted || !errors.Is(err, ErrUnavailable) || le.TxID == "" || le.TxID != tx.TxID {
		t.Fatalf("%#v %v", le, err)
	}
	if orderer.times(tx.TxID) != 1 || ps[1].count("Submit") != 0 || ps[1].count("Endorse") != 0 {
		t.Fatalf("ordered %d, peer 1 submit %d endorse %d", orderer.times(tx.TxID), ps[1].count("Submit"), ps[1].count("Endorse"))
	}
}
