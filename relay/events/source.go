package events

import (
	"errors"

	"github.com/hyperledger/fabric-gateway/pkg/client"
)

// Source gives the channel to read events from. A relay with several peers
// (relay/ledger.Gateway) gives the one in use and, told that a stream on it
// ended, moves to the next peer if that one cannot be reached.
type Source interface {
	Network() *client.Network
	StreamFailed(nw *client.Network, err error)
}

// errStreamEnded: the gateway closes the event channel without saying why
// (peer gone, stream reset); the Source finds out whether the peer is down.
var errStreamEnded = errors.New("chaincode event stream ended")

// errMoved: the source moved to another peer while the stream was open.
var errMoved = errors.New("the peer in use changed")

// fixed is a Source of one network.
type fixed struct{ nw *client.Network }

func (f fixed) Network() *client.Network            { return f.nw }
func (f fixed) StreamFailed(*client.Network, error) {}
