package config

import (
	"fmt"
	"net"
	"time"
)

// Peer is one of the org's peer gateways.
type Peer struct {
	Endpoint   string `yaml:"endpoint"`   // host:port
	ServerName string `yaml:"serverName"` // TLS server name; empty: gateway.serverName
}

// Peers is the ordered list of the org's peer gateways the relay may use,
// preferred first: gateway.endpoints when given, else the single
// gateway.endpoint as a one-element list.
func (g Gateway) Peers() []Peer {
	if len(g.Endpoints) == 0 {
		return []Peer{{Endpoint: g.Endpoint, ServerName: g.ServerName}}
	}
	out := make([]Peer, len(g.Endpoints))
	for i, p := range g.Endpoints {
		if p.ServerName == "" {
			p.ServerName = g.ServerName
		}
		out[i] = p
	}
	return out
}

// ProbeEvery is ProbeInterval, 2s when unset (a Gateway built in code).
func (g Gateway) ProbeEvery() time.Duration {
	if g.ProbeInterval == 0 {
		return 2 * time.Second
	}
	return g.ProbeInterval.D()
}

// validateEndpoints checks gateway.endpoint / gateway.endpoints. Both may be
// given (older readers use endpoint) if endpoint is the first of endpoints.
func (g Gateway) validateEndpoints(bad func(field, format string, args ...any)) {
	if g.ProbeInterval != 0 && g.ProbeInterval < Duration(100*time.Millisecond) {
		bad("gateway.probeInterval", "must be at least 100ms")
	}
	if g.ProbeTimeout != 0 && g.ProbeTimeout < Duration(time.Second) {
		bad("gateway.probeTimeout", "must be at least 1s")
	}
	if g.ProbeMisses < 0 || g.ProbeMisses > 100 {
		bad("gateway.probeMisses", "must be 1..100 (0: the default, 3)")
	}
	if len(g.Endpoints) == 0 {
		if _, _, err := net.SplitHostPort(g.Endpoint); err != nil {
			bad("gateway.endpoint", "%q is not host:port", g.Endpoint)
		}
		return
	}
	if len(g.Endpoints) > 16 {
		bad("gateway.endpoints", "has %d entries; at most 16", len(g.Endpoints))
		return
	}
	seen := map[string]int{}
	for i, p := range g.Endpoints {
		f := fmt.Sprintf("gateway.endpoints[%d]", i)
		if _, _, err := net.SplitHostPort(p.Endpoint); err != nil {
			bad(f+".endpoint", "%q is not host:port", p.Endpoint)
			continue
		}
		if j, dup := seen[p.Endpoint]; dup {
			bad(f+".endpoint", "%q repeats gateway.endpoints[%d]", p.Endpoint, j)
			continue
		}
		seen[p.Endpoint] = i
	}
	if g.Endpoint != "" && g.Endpoint != g.Endpoints[0].Endpoint {
		bad("gateway.endpoint", "%q must be the first of gateway.endpoints (%q) or be left out", g.Endpoint, g.Endpoints[0].Endpoint)
	}
}
