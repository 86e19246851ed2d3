package events

import (
	"context"
	"net"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/hyperledger/fabric-gateway/pkg/client"
	"github.com/hyperledger/fabric-gateway/pkg/identity"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/qrsign/qrsign/chaincode/testpki"
)

// deadNetwork is a channel through a peer address nothing listens on.
func deadNetwork(t *testing.T) *client.Network {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	conn, err := grpc.NewClient("passthrough:///"+addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	// The gateway client only presents this identity; nothing here checks its dates.
	cert, key := testpki.SelfSigned(testpki.Leaf{CN: "relay", NotBefore: time.Unix(0, 0), NotAfter: time.Unix(0, 0).AddDate(100, 0, 0)})
	id, err := identity.NewX509Identity("Org1MSP", cert)
	if err != nil {
		t.Fatal(err)
	}
	sign, _ := identity.NewPrivateKeySign(key)
	gw, err := client.Connect(id, client.WithSign(sign), client.WithClientConnection(conn))
	if err != nil {
		t.Fatal(err)
	}
	return gw.GetNetwork("qrsign")
}

// twoPeers is a Source that moves to its second network when told the first failed.
type twoPeers struct {
	mu     sync.Mutex
	nws    [2]*client.Network
	cur    int
	failed []int // which network each StreamFailed named
	done   func()
}

func (s *twoPeers) Network() *client.Network {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.nws[s.cur]
}

func (s *twoPeers) StreamFailed(nw *client.Network, _ error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	i := 0
	if nw == s.nws[1] {
		i = 1
	}
	s.failed = append(s.failed, i)
	if i == 0 {
		s.cur = 1
	}
	if len(s.failed) == 2 {
		s.done()
	}
}

func TestFollowSourceResumesOnTheNetworkTheSourceMovesTo(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	src := &twoPeers{nws: [2]*client.Network{deadNetwork(t), deadNetwork(t)}, done: cancel}
	h := NewHub()
	if err := h.FollowSource(ctx, src, "qrsign", filepath.Join(t.TempDir(), "events.checkpoint")); err != nil {
		t.Fatal(err)
	}
	if len(src.failed) != 2 || src.failed[0] != 0 || src.failed[1] != 1 {
		t.Fatalf("streams failed on %v, want [0 1]: the second stream must use the network the source moved to", src.failed)
	}
}
