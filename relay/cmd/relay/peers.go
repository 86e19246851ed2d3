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
	reg.Help("qrsign_relay_gateway_failovers_total", "Changes of the peer gateway in use: reason down (it could not be reached) or back (the more preferred peer answers again).")
	return func(from, to string, reason error) {
		if reason != nil {
			reg.Add("qrsign_relay_gateway_failovers_total", metrics.Labels("from", from, "to", to, "reason", "down"), 1)
			log.Warn("peer gateway unreachable; failing over", "from", from, "to", to, "err", reason)
			return
		}
		reg.Add("qrsign_relay_gateway_failovers_total", metrics.Labels("from", from, "to", to, "reason", "back"), 1)
		log.Info("preferred peer gateway answers again; back to it", "from", from, "to", to)
	}
}

// onResume counts and logs transactions carried over to another peer after
// they may have been ordered.
func onResume(reg *metrics.Registry, log *slog.Logger) func(fn, txID, how string) {
	reg.Help("qrsign_relay_gateway_resumed_total", "Transactions carried to another peer after they may have been ordered: how resubmitted (same envelope) or status (commit status read there).")
	return func(fn, txID, how string) {
		reg.Add("qrsign_relay_gateway_resumed_total", metrics.Labels("fn", fn, "how", how), 1)
		log.Warn("transaction carried over to another peer", "fn", fn, "tx", txID, "how", how)
	}
}

// gatewayMetrics exposes which peer is in use (0 = the preferred one).
func gatewayMetrics(reg *metrics.Registry, gw *ledger.Gateway) {
	reg.Help("qrsign_relay_gateway_endpoint", "Index in gateway.endpoints of the peer gateway in use (0 = preferred).")
	reg.Gauge("qrsign_relay_gateway_endpoint", func() float64 { i, _ := gw.Current(); return float64(i) })
	reg.Help("qrsign_relay_gateway_endpoints", "Number of peer gateways configured.")
	reg.Gauge("qrsign_relay_gateway_endpoints", func() float64 { return float64(len(gw.Peers())) })
}
