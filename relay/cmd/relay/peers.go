package main

import (
	"log/slog"

	"github.com/qrsign/qrsign/relay/config"
	"github.com/qrsign/qrsign/relay/ledger"
	"github.com/qrsign/qrsign/relay/metrics"
)

// peerEndpoints are the org's peers from the config, preferred first.
func peerEndpoints(g config.Gateway) []ledger.PeerEndpoint {
	var out []ledger.PeerEndpoint
	for _, p := range g.Peers() {
		out = append(out, ledger.PeerEndpoint{Address: p.Endpoint, ServerName: p.ServerName})
	}
	return out
}

// onPeerSwitch counts and logs each change of the peer in use.
func onPeerSwitch(reg *metrics.Registry, log *slog.Logger) func(from, to string, reason error) {
	return func(from, to string, reason error) {
		if reason != nil {
			reg.GatewayFailovers.WithLabelValues(from, to, "down").Inc()
			log.Warn("peer gateway unreachable; failing over", "from", from, "to", to, "err", reason)
			return
		}
		reg.GatewayFailovers.WithLabelValues(from, to, "back").Inc()
		log.Info("preferred peer gateway answers again; back to it", "from", from, "to", to)
	}
}

// onResume counts and logs transactions carried over to another peer after
// they may have been ordered.
func onResume(reg *metrics.Registry, log *slog.Logger) func(fn, txID, how string) {
	return func(fn, txID, how string) {
		reg.GatewayResumed.WithLabelValues(fn, how).Inc()
		log.Warn("transaction carried over to another peer", "fn", fn, "tx", txID, "how", how)
	}
}

// gatewayMetrics exposes which peer is in use (0 = the preferred one).
func gatewayMetrics(reg *metrics.Registry, gw *ledger.Gateway) {
	reg.Gateway(func() int { i, _ := gw.Current(); return i }, len(gw.Peers()))
}
