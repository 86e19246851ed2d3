package cluster

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/qrsign/qrsign/network/config"
	"github.com/qrsign/qrsign/network/netinfo"
	"github.com/qrsign/qrsign/network/proc"
)

// Specs are the Fabric processes of the network (CAs, orderers, peers)
// of the orderer org and the current members.
func (n *Net) Specs() ([]*proc.Spec, error) {
	var s []*proc.Spec
	for _, g := range n.members() {
		ca, err := n.caSpec(g)
		if err != nil {
			return nil, err
		}
		s = append(s, ca)
	}
	s = append(s, n.ordererSpecs()...)
	for _, g := range n.members() {
		s = append(s, n.orgSpecs(g)...)
	}
	return s, nil
}

// orgSpecs are an org's peers.
func (n *Net) orgSpecs(g *config.Org) []*proc.Spec {
	var s []*proc.Spec
	for _, p := range g.Peers {
		s = append(s, n.peerSpec(g, p))
	}
	return s
}

// CheckPorts fails, naming the address and its config field, when an
// address of a process that is not running already is taken: before
// anything starts. addrs are the profile's (Profile.Addrs, OrgAddrs).
func (n *Net) CheckPorts(fieldPrefix string, addrs []config.Addr) error {
	running := map[string]bool{}
	saved, err := proc.LoadAll(n.RunDir())
	if err != nil {
		return err
	}
	for _, s := range saved {
		if s.PID() != 0 {
			for _, p := range s.Ports {
				running[s.Addr(p)] = true
			}
		}
	}
	for _, a := range addrs {
		at := hostPort(a.Host, a.Port)
		if !running[at] && !proc.PortFree(at) {
			return &BusyPortError{Addr: at, Field: fieldPrefix + a.Field, Holder: proc.Holder(a.Port)}
		}
	}
	return nil
}

// StartSpecs saves and starts every spec not running and waits for their ports.
func (n *Net) StartSpecs(specs []*proc.Spec) error {
	for _, s := range specs {
		if err := s.Save(n.RunDir()); err != nil {
			return err
		}
		if s.PID() == 0 {
			if _, err := s.Start(); err != nil {
				return err
			}
		}
	}
	for _, s := range specs {
		for _, p := range s.Ports {
			if err := proc.WaitPort(s, p, 60*time.Second); err != nil {
				return err
			}
		}
	}
	return nil
}

// Up brings the network up (or converges a partly running one) and writes
// network.json.
func (n *Net) Up(profile, configFile string, portOffset int) (*netinfo.Info, error) {
	info := func(d *Deployed) *netinfo.Info {
		in := n.Info(profile, d)
		in.ConfigFile, in.PortOffset = configFile, portOffset
		return in
	}
	if err := n.Prepare(profile, configFile, portOffset); err != nil {
		return nil, err
	}
	done := n.phase("each org makes its own keys and publishes its definition (cryptogen); the orderer org makes the genesis block (configtxgen)")
	if err := n.OrdererOrgCrypto(); err != nil {
		return nil, err
	}
	for _, g := range n.P.Orgs {
		if err := n.OrgCrypto(g); err != nil {
			return nil, err
		}
	}
	if err := n.Genesis(); err != nil {
		return nil, err
	}
	done()

	done = n.phase("start Fabric CAs, orderers, peers")
	specs, err := n.Specs()
	if err != nil {
		return nil, err
	}
	if err := n.StartSpecs(specs); err != nil {
		return nil, err
	}
	done()

	in := info(nil)
	done = n.phase("each org: its registrar enrolled from its Fabric CA, its relay identity issued by its MSP CA")
	if err := n.Enroll(in); err != nil {
		return nil, err
	}
	in = info(nil)
	done()

	done = n.phase("channel " + n.P.Channel + ": join orderers (osnadmin) and peers")
	if err := retry(20*time.Second, n.JoinOrderers); err != nil {
		return nil, err
	}
	if err := n.JoinPeers(); err != nil {
		return nil, err
	}
	done()

	d, err := n.DeployChaincode()
	if err != nil {
		return nil, err
	}
	in = info(d)
	if err := in.Save(); err != nil {
		return nil, err
	}

	done = n.phase("readiness: Ping committed through each org's gateway")
	if err := Ready(in, 90*time.Second); err != nil {
		return nil, err
	}
	done()
	done = n.phase("register each org's Fabric CA as its signer CA")
	if err := RegisterSignerCAs(in); err != nil {
		return nil, err
	}
	done()

	if n.HasRelay() {
		done = n.phase("relays: build ./relay/cmd/relay and the phone page's signer module, start one per org")
		if err := n.StartRelays(in); err != nil {
			return nil, fmt.Errorf("relays: %w (the rest of the network is up; network.json has no relays)", err)
		}
		done()
	}
	return in, in.Save()
}

// Down stops every process of the state directory.
func Down(runDir string, grace time.Duration) ([]string, error) {
	specs, err := proc.LoadAll(runDir)
	if err != nil {
		return nil, err
	}
	// Clients first, the ordering service last.
	rank := func(s *proc.Spec) int {
		switch {
		case len(s.Name) > 6 && s.Name[:6] == "relay.":
			return 0
		case strings.HasPrefix(s.Name, "chaincode"):
			return 1
		case len(s.Name) > 4 && s.Name[:4] == "peer":
			return 2
		case len(s.Name) > 3 && s.Name[:3] == "ca.":
			return 3
		}
		return 4
	}
	sort.SliceStable(specs, func(i, j int) bool { return rank(specs[i]) < rank(specs[j]) })
	var stopped []string
	for _, s := range specs {
		if s.PID() != 0 {
			stopped = append(stopped, s.Name)
		}
		if err := s.Stop(grace); err != nil {
			return stopped, err
		}
	}
	return stopped, nil
}
