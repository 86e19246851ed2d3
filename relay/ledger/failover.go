package ledger

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hyperledger/fabric-gateway/pkg/client"
	"github.com/hyperledger/fabric-protos-go-apiv2/gateway"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// PeerEndpoint is one of the org's peer gateways.
type PeerEndpoint struct {
	Address    string // host:port
	ServerName string // TLS server name
}

// PeerConn is a connection to one peer gateway, for NewPeers.
type PeerConn struct {
	Address string
	Conn    *grpc.ClientConn
}

// endpoint is one peer gateway and the client objects bound to its connection.
type endpoint struct {
	addr     string
	conn     *grpc.ClientConn
	gw       *client.Gateway
	network  *client.Network
	contract *client.Contract
	qscc     *client.Contract
}

// pool is the order of preference over the org's peers and which one is in
// use. Calls go to the current peer; a call that cannot reach it moves the
// pool to the next one (wrapping around) and is tried there, each peer at
// most once per call. The health probe (Gateway.Watch) brings the pool back
// to a more preferred peer once it answers again.
type pool struct {
	n         int
	cur       atomic.Int64
	failovers atomic.Uint64
	mu        sync.Mutex
	leave     []chan struct{} // leave[i] is closed when the pool moves off peer i
	// onSwitch is told of every change of the current peer (reason nil: the
	// probe found a more preferred peer answering again).
	onSwitch func(from, to int, reason error)
	// picked, when set (tests), is told of each peer a call binds to, just
	// before the call starts there.
	picked func(i int)
}

// current is the index of the peer in use.
func (p *pool) current() int { return int(p.cur.Load()) }

// run calls f with the current peer's index and, while f fails because that
// peer cannot be reached (peerDown) or the pool left it meanwhile (the probe
// found it hung), with the following ones. f gets a context cancelled when
// the pool leaves its peer. It returns the last error.
func (p *pool) run(ctx context.Context, f func(ctx context.Context, i int) error) error {
	tried := make([]bool, p.n)
	var err error
	i := -1
	for k := 0; k < p.n; k++ {
		var bctx context.Context
		var cancel context.CancelFunc
		i, bctx, cancel = p.bindNext(ctx, i, tried)
		if i < 0 {
			break
		}
		tried[i] = true
		err = f(bctx, i)
		left := context.Cause(bctx) == errLeft
		cancel()
		if err == nil || ctx.Err() != nil {
			return err
		}
		if !left {
			if !peerDown(err) {
				return err
			}
			p.moveOff(i, err)
		}
	}
	return err
}

// errLeft cancels the calls still waiting on a peer the pool moved off.
var errLeft = errors.New("ledger: the peer was left for another")

// bindNext picks the peer for the next attempt of a call that tried the
// peers marked in tried (prev the last one, -1 before the first) and binds
// ctx to it: cancelled (cause errLeft) when the pool moves off that peer.
// The current peer is read under the lock moveOff closes leave[i] under, so
// a call can never bind to a peer the pool already left (it would wait on
// a hung peer for its own timeout while the next one is healthy). When the
// current peer was tried already (the probe moved back to it meanwhile) it
// is the next untried one after prev, as before. i < 0: none left.
func (p *pool) bindNext(ctx context.Context, prev int, tried []bool) (int, context.Context, context.CancelFunc) {
	p.mu.Lock()
	i := p.current()
	if tried[i] {
		i = -1
		for k := 1; k <= p.n; k++ {
			if j := (prev + k) % p.n; !tried[j] {
				i = j
				break
			}
		}
	}
	if i < 0 {
		p.mu.Unlock()
		return -1, nil, nil
	}
	left := p.leavingLocked(i)
	p.mu.Unlock()
	if p.picked != nil {
		p.picked(i)
	}
	bctx, cancel := context.WithCancelCause(ctx)
	go func() {
		select {
		case <-left:
			cancel(errLeft)
		case <-bctx.Done():
		}
	}()
	return i, bctx, func() { cancel(context.Canceled) }
}

// leavingLocked is closed when the pool next moves off peer i; p.mu held.
func (p *pool) leavingLocked(i int) <-chan struct{} {
	if p.leave == nil {
		p.leave = make([]chan struct{}, p.n)
	}
	if p.leave[i] == nil {
		p.leave[i] = make(chan struct{})
	}
	return p.leave[i]
}

// moveOff makes the peer after i current, if i is still current (concurrent
// calls failing on the same peer count one failover), and cancels the calls
// still waiting on i: they go on with the next peer.
func (p *pool) moveOff(i int, reason error) bool {
	if p.n < 2 {
		return false
	}
	next := (i + 1) % p.n
	if !p.cur.CompareAndSwap(int64(i), int64(next)) {
		return false
	}
	p.failovers.Add(1)
	p.mu.Lock()
	if p.leave != nil && p.leave[i] != nil {
		close(p.leave[i])
		p.leave[i] = nil
	}
	p.mu.Unlock()
	if p.onSwitch != nil {
		p.onSwitch(i, next, reason)
	}
	return true
}

// moveBack makes the more preferred peer i current again.
func (p *pool) moveBack(from, i int) bool {
	if i >= from || !p.cur.CompareAndSwap(int64(from), int64(i)) {
		return false
	}
	if p.onSwitch != nil {
		p.onSwitch(from, i, nil)
	}
	return true
}

// peerDown tells whether err means the peer gateway itself could not be
// reached: gRPC Unavailable without details. An Unavailable carrying
// ErrorDetail is the peer answering that something behind it (another
// org's peer, the orderer) is down; another peer of ours would not help.
func peerDown(err error) bool {
	if err == nil {
		return false
	}
	var le *Error
	if errors.As(err, &le) && (le.Kind != ErrUnavailable || le.Code != "") {
		return false
	}
	st, ok := status.FromError(err)
	if !ok {
		return false
	}
	if st.Code() != codes.Unavailable {
		return false
	}
	for _, d := range st.Details() {
		if _, ok := d.(*gateway.ErrorDetail); ok {
			return false
		}
	}
	return true
}

// Peers is the gateway's peer addresses in order of preference.
func (g *Gateway) Peers() []string {
	out := make([]string, len(g.eps))
	for i, ep := range g.eps {
		out[i] = ep.addr
	}
	return out
}

// Current is the index (0 = preferred) and address of the peer in use.
func (g *Gateway) Current() (int, string) {
	i := g.pool.current()
	return i, g.eps[i].addr
}

// Failovers counts moves away from a peer that could not be reached.
func (g *Gateway) Failovers() uint64 { return g.pool.failovers.Load() }

// probe evaluates Ping on peer i alone.
func (g *Gateway) probe(ctx context.Context, i int, timeout time.Duration) error {
	_, err := evaluateOn(ctx, g.eps[i].contract, timeout, "Ping", "Ping")
	return err
}

// ready endorses Ping through peer i alone, without submitting it: a peer
// answers queries as soon as it restarts, but its gateway can endorse only
// once it has found the other orgs' peers again (gossip), and a relay moved
// back to it before that would answer 503 "no combination of peers".
func (g *Gateway) ready(ctx context.Context, i int, timeout time.Duration) error {
	_, _, err := endorseOn(ctx, g.eps[i].contract, timeout, "Ping", "Ping")
	return err
}

// Watch probes the peers every interval until ctx ends: it moves off the
// current peer when it cannot be reached (before a request has to find out)
// and back to the most preferred peer that can endorse again. Each probe
// has its own timeout (Options.ProbeTimeout), not the interval: a peer slow
// under load is not a dead one.
func (g *Gateway) Watch(ctx context.Context, every time.Duration) {
	if len(g.eps) < 2 {
		return
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		g.checkPeers(ctx, g.opt.ProbeTimeout)
	}
}

// checkPeers is one round of Watch. A current peer that refuses connections
// is left at once; one that only does not answer in time is left after
// Options.ProbeMisses rounds in a row, since leaving cancels every call in
// flight there (endorsements redone, submits resent) and one late answer
// under load would make the pool flap.
func (g *Gateway) checkPeers(ctx context.Context, timeout time.Duration) {
	cur := g.pool.current()
	for i := 0; i < cur; i++ {
		// After a long outage gRPC waits up to 2 minutes between
		// reconnection attempts; probe a fresh attempt instead.
		g.eps[i].conn.ResetConnectBackoff()
		if g.ready(ctx, i, timeout) == nil {
			g.pool.moveBack(cur, i)
			g.missed(cur, false)
			return
		}
	}
	err := g.probe(ctx, cur, timeout)
	switch {
	case peerDown(err):
		g.pool.moveOff(cur, err)
		g.missed(cur, false)
	case ctx.Err() == nil && hung(err):
		if g.missed(cur, true) >= g.opt.ProbeMisses {
			g.pool.moveOff(cur, err)
			g.missed(cur, false)
		}
	default:
		g.missed(cur, false)
	}
}

// missed counts the probes of peer i unanswered in a row (miss false: it
// answered, or the pool moves on) and returns the count.
func (g *Gateway) missed(i int, miss bool) int {
	g.mu.Lock()
	defer g.mu.Unlock()
	if !miss || g.missPeer != i {
		g.missPeer, g.misses = i, 0
	}
	if miss {
		g.misses++
	}
	return g.misses
}

// hung tells whether a probe got no answer in time (a stopped or wedged peer
// process keeps its connections open): only the probe treats that as down,
// since a request timing out may just be slow work.
func hung(err error) bool {
	st, ok := status.FromError(err)
	return ok && st.Code() == codes.DeadlineExceeded && len(st.Details()) == 0
}

// StreamFailed is told by an event listener that its stream on network nw
// ended; if that peer cannot be reached the gateway moves off it, so that
// Network then gives the next peer's channel to resume on.
func (g *Gateway) StreamFailed(nw *client.Network, _ error) {
	for i, ep := range g.eps {
		if ep.network != nw {
			continue
		}
		if err := g.probe(context.Background(), i, min(2*time.Second, g.opt.EvaluateTimeout)); peerDown(err) {
			g.pool.moveOff(i, err)
		}
		return
	}
}
