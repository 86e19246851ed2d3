package ledger

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"net"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hyperledger/fabric-protos-go-apiv2/common"
	"github.com/hyperledger/fabric-protos-go-apiv2/gateway"
	"github.com/hyperledger/fabric-protos-go-apiv2/peer"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/qrsign/qrsign/chaincode/testpki"
)

// fakeOrderer is what every fake peer forwards to: how often each tx id
// was ordered. The first ordering of an id is its commit (Fabric marks later
// copies DUPLICATE_TXID and reports the first).
type fakeOrderer struct {
	mu      sync.Mutex
	ordered map[string]int
}

func (o *fakeOrderer) order(txID string) {
	o.mu.Lock()
	o.ordered[txID]++
	o.mu.Unlock()
}

func (o *fakeOrderer) times(txID string) int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.ordered[txID]
}

// fakePeer is a peer gateway at the SDK boundary: a real gRPC server
// speaking the Gateway service. down makes it answer as an unreachable peer
// does (Unavailable, no details); the lose* switches make it do the work and
// then fail the answer, as a peer killed at that moment would.
type fakePeer struct {
	gateway.UnimplementedGatewayServer
	addr            string
	orderer         *fakeOrderer
	srv             *grpc.Server
	down            atomic.Bool
	loseOrder       atomic.Bool  // orders the transaction, then the answer is lost
	downAfterSubmit atomic.Bool  // goes down once a submit was answered
	noPlan          atomic.Bool  // answers queries but cannot endorse (restarted, other orgs not found yet)
	hang            atomic.Bool  // answers nothing until the caller gives up (SIGSTOP)
	hangStatus      atomic.Bool  // commit status requests wait until the caller gives up
	duplicates      atomic.Int32 // the next commit statuses answered DUPLICATE_TXID (a later copy's)
	calls           sync.Map     // method → *atomic.Int64
}

func (p *fakePeer) count(m string) int64 {
	v, _ := p.calls.LoadOrStore(m, new(atomic.Int64))
	return v.(*atomic.Int64).Load()
}

func (p *fakePeer) enter(m string) error {
	v, _ := p.calls.LoadOrStore(m, new(atomic.Int64))
	v.(*atomic.Int64).Add(1)
	if p.hang.Load() {
		time.Sleep(3 * time.Second)
	}
	if p.down.Load() {
		return status.Error(codes.Unavailable, "connection error: desc = \"transport: Error while dialing: dial tcp "+p.addr+": connect: connection refused\"")
	}
	return nil
}

func (p *fakePeer) Evaluate(_ context.Context, r *gateway.EvaluateRequest) (*gateway.EvaluateResponse, error) {
	if err := p.enter("Evaluate"); err != nil {
		return nil, err
	}
	return &gateway.EvaluateResponse{Result: &peer.Response{Status: 200, Payload: []byte(`"` + p.addr + `"`)}}, nil
}

func (p *fakePeer) Endorse(_ context.Context, r *gateway.EndorseRequest) (*gateway.EndorseResponse, error) {
	if err := p.enter("Endorse"); err != nil {
		return nil, err
	}
	if p.noPlan.Load() {
		return nil, status.Error(codes.FailedPrecondition, "no combination of peers can be derived which satisfy the endorsement policy")
	}
	return &gateway.EndorseResponse{PreparedTransaction: envelope(r.GetChannelId(), r.GetTransactionId(), []byte(`{"endorsedBy":"`+p.addr+`"}`))}, nil
}

func (p *fakePeer) Submit(_ context.Context, r *gateway.SubmitRequest) (*gateway.SubmitResponse, error) {
	if err := p.enter("Submit"); err != nil {
		return nil, err
	}
	p.orderer.order(r.GetTransactionId())
	if p.loseOrder.Load() {
		p.down.Store(true)
		return nil, status.Error(codes.Unavailable, "error reading from server: EOF")
	}
	if p.downAfterSubmit.Load() {
		p.down.Store(true)
	}
	return &gateway.SubmitResponse{}, nil
}

func (p *fakePeer) CommitStatus(ctx context.Context, r *gateway.SignedCommitStatusRequest) (*gateway.CommitStatusResponse, error) {
	if err := p.enter("CommitStatus"); err != nil {
		return nil, err
	}
	if p.hangStatus.Load() {
		<-ctx.Done()
		return nil, status.Error(codes.Canceled, "gone")
	}
	var req gateway.CommitStatusRequest
	if err := proto.Unmarshal(r.GetRequest(), &req); err != nil {
		return nil, status.Error(codes.InvalidArgument, err.Error())
	}
	if p.orderer.times(req.GetTransactionId()) == 0 {
		return nil, status.Error(codes.DeadlineExceeded, "never ordered")
	}
	if p.duplicates.Add(-1) >= 0 {
		return &gateway.CommitStatusResponse{Result: peer.TxValidationCode_DUPLICATE_TXID, BlockNumber: 8}, nil
	}
	return &gateway.CommitStatusResponse{Result: peer.TxValidationCode_VALID, BlockNumber: 7}, nil
}

// envelope is a prepared transaction whose chaincode result is result.
func envelope(channel, txID string, result []byte) *common.Envelope {
	m := func(v proto.Message) []byte {
		b, err := proto.Marshal(v)
		if err != nil {
			panic(err)
		}
		return b
	}
	action := &peer.ChaincodeActionPayload{Action: &peer.ChaincodeEndorsedAction{ProposalResponsePayload: m(
		&peer.ProposalResponsePayload{Extension: m(&peer.ChaincodeAction{Response: &peer.Response{Status: 200, Payload: result}})})}}
	payload := &common.Payload{Header: &common.Header{ChannelHeader: m(&common.ChannelHeader{ChannelId: channel, TxId: txID})},
		Data: m(&peer.Transaction{Actions: []*peer.TransactionAction{{Payload: m(action)}}})}
	return &common.Envelope{Payload: m(payload)}
}

// startPeers serves n fake peers sharing one orderer.
func startPeers(t *testing.T, n int) ([]*fakePeer, *fakeOrderer) {
	t.Helper()
	o := &fakeOrderer{ordered: map[string]int{}}
	var ps []*fakePeer
	for i := 0; i < n; i++ {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		p := &fakePeer{addr: l.Addr().String(), orderer: o, srv: grpc.NewServer()}
		gateway.RegisterGatewayServer(p.srv, p)
		go p.srv.Serve(l)
		t.Cleanup(p.srv.Stop)
		ps = append(ps, p)
	}
	return ps, o
}

// identityFiles writes a self-signed P-256 certificate and its PKCS#8 key.
func identityFiles(t *testing.T) (certFile, keyFile string) {
	t.Helper()
	// The fake peer never checks the identity's dates.
	cert, key := testpki.SelfSigned(testpki.Leaf{CN: "relay", NotBefore: time.Unix(0, 0), NotAfter: time.Unix(0, 0).AddDate(100, 0, 0)})
	k8, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, []byte(testpki.PEM(cert)), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: k8}), 0o600); err != nil {
		t.Fatal(err)
	}
	return certFile, keyFile
}

// gatewayOver connects a Gateway to the fake peers, in their order, and
// records its switches.
func gatewayOver(t *testing.T, ps []*fakePeer) (*Gateway, *switchLog) {
	t.Helper()
	cert, key := identityFiles(t)
	var conns []PeerConn
	for _, p := range ps {
		c, err := grpc.NewClient("passthrough:///"+p.addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, PeerConn{Address: p.addr, Conn: c})
	}
	log := &switchLog{}
	g, err := NewPeers(conns, Options{MSPID: "Org1MSP", CertFile: cert, KeyFile: key, Channel: "qrsign", Chaincode: "qrsign",
		EvaluateTimeout: 2 * time.Second, EndorseTimeout: 2 * time.Second, SubmitTimeout: 2 * time.Second,
		CommitStatusTimeout: 2 * time.Second, OnSwitch: log.add})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { g.Close() })
	return g, log
}

type switchLog struct {
	mu sync.Mutex
	s  []string
}

func (l *switchLog) add(from, to string, reason error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	why := "back"
	if reason != nil {
		why = "down"
	}
	l.s = append(l.s, from+"→"+to+" "+why)
}

func (l *switchLog) get() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.s...)
}
