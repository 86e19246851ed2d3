// Package cluster brings a qrsign Fabric network up from a config.Profile:
// crypto material, Fabric CAs, Raft orderers, peers, the channel, the
// chaincode (as a service), readiness, the relays and network.json. Every
// step is idempotent so `up` on a running or stopped network converges.
//
// Custody: each org (and the orderer org) keeps everything it makes — CA,
// MSP, node, admin and relay keys, node data — under <state>/orgs/<org>, as
// if on its own host. Only public material crosses between orgs, through
// <state>/exchange/<org> (see Definition), plus signed configuration updates
// and blocks in <state>/channel.
package cluster

import (
	"fmt"
	"io"
	"net"
	"path/filepath"
	"strconv"
	"time"

	"github.com/qrsign/qrsign/network/config"
	"github.com/qrsign/qrsign/network/proc"
)

// Net is one network instance: a profile, its state directory and the tools.
type Net struct {
	P      *config.Profile
	Repo   string // repository root (holds ./chaincode and ./relay)
	State  string // absolute state directory
	Bin    string // Fabric tools
	CfgSrc string // Fabric sample config (core.yaml, orderer.yaml)
	Log    io.Writer
	M      Membership // changes of membership since genesis
}

// LogSpec keeps peer logs small: at INFO the peer logs every gRPC call.
const LogSpec = "info:comm.grpc.server=warn:grpc=warn"

func (n *Net) path(p ...string) string { return filepath.Join(append([]string{n.State}, p...)...) }

// RunDir holds the saved command lines, PidDir the pid files, LogDir the logs.
func (n *Net) RunDir() string             { return n.path("run") }
func (n *Net) logFile(name string) string { return n.path("log", name+".log") }
func (n *Net) pidFile(name string) string { return n.path("run", name+".pid") }
func (n *Net) cfgDir() string             { return n.path("config") }
func (n *Net) blockFile() string          { return n.path("channel", n.P.Channel+".block") }

// OrgHome is everything one org keeps to itself (its "host").
func (n *Net) OrgHome(name string) string { return n.path("orgs", name) }

// ExchangeDir is what an org publishes to the others: public material only.
func (n *Net) ExchangeDir(name string) string { return n.path("exchange", name) }

func (n *Net) ordererName() string { return n.P.OrdererOrg.Name }
func (n *Net) ordererOrgDir() string {
	return filepath.Join(n.OrgHome(n.ordererName()), "crypto", "ordererOrganizations", n.P.OrdererOrg.Domain)
}
func (n *Net) ordererHost(o *config.Orderer) string { return o.Name + "." + n.P.OrdererOrg.Domain }
func (n *Net) ordererDir(o *config.Orderer) string {
	return filepath.Join(n.ordererOrgDir(), "orderers", n.ordererHost(o))
}
func (n *Net) ordererAdminDir() string {
	return filepath.Join(n.ordererOrgDir(), "users", "Admin@"+n.P.OrdererOrg.Domain)
}

func (n *Net) orgDir(g *config.Org) string {
	return filepath.Join(n.OrgHome(g.Name), "crypto", "peerOrganizations", g.Domain)
}
func peerName(g *config.Org, p *config.Peer) string { return p.Name + "." + g.Name }
func peerHost(g *config.Org, p *config.Peer) string { return p.Name + "." + g.Domain }
func (n *Net) peerDir(g *config.Org, p *config.Peer) string {
	return filepath.Join(n.orgDir(g), "peers", peerHost(g, p))
}
func (n *Net) orgTLSCA(g *config.Org) string {
	return filepath.Join(n.orgDir(g), "tlsca", "tlsca."+g.Domain+"-cert.pem")
}
func (n *Net) orgCACert(g *config.Org) string {
	return filepath.Join(n.orgDir(g), "ca", "ca."+g.Domain+"-cert.pem")
}
func (n *Net) orgCAKey(g *config.Org) string { return filepath.Join(n.orgDir(g), "ca", "priv_sk") }
func (n *Net) orgAdminMSP(g *config.Org) string {
	return filepath.Join(n.orgDir(g), "users", "Admin@"+g.Domain, "msp")
}

// caTLSDir holds the TLS server cert of the org's Fabric CA: cryptogen issues
// it as an extra node "ca" signed by the org's TLS CA.
func (n *Net) caTLSDir(g *config.Org) string {
	return filepath.Join(n.orgDir(g), "peers", "ca."+g.Domain, "tls")
}
func caName(g *config.Org) string               { return "ca." + g.Name }
func chaincodeName(g *config.Org) string        { return "chaincode." + g.Name }
func (n *Net) nodeData(org, node string) string { return filepath.Join(n.OrgHome(org), "nodes", node) }
func (n *Net) relayIDHome(g *config.Org) string { return filepath.Join(n.OrgHome(g.Name), "relay") }
func (n *Net) relayData(g *config.Org) string   { return filepath.Join(n.OrgHome(g.Name), "relay-data") }
func relayName(g *config.Org) string            { return "relay." + g.Name }

func hostPort(host string, port int) string { return net.JoinHostPort(host, strconv.Itoa(port)) }

// spec fills the common parts of a process spec.
func (n *Net) spec(name, host, path string, args, env []string, ports ...int) *proc.Spec {
	return &proc.Spec{Name: name, Path: path, Args: args, Env: env, Dir: n.State,
		LogFile: n.logFile(name), PIDFile: n.pidFile(name), Host: host, Ports: ports}
}

// phase prints a progress line and returns a func printing its duration.
func (n *Net) phase(what string) func() {
	start := time.Now()
	fmt.Fprintf(n.Log, "==> %s\n", what)
	return func() { fmt.Fprintf(n.Log, "    done in %s\n", time.Since(start).Round(10*time.Millisecond)) }
}
