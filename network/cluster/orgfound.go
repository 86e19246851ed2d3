package cluster

import (
	"fmt"
	"os"
	"time"

	"github.com/qrsign/qrsign/network/config"
	"github.com/qrsign/qrsign/network/proc"
)

// Founding a channel, one party at a time (each on its own host): every
// founding member publishes its definition (OrgInit); the orderer org
// publishes its own (OrdererInit) and creates the channel from the
// definitions (ChannelCreate); each member joins and approves (OrgJoin); one
// commits (ChaincodeCommit); each member then serves (OrgJoin again). Up
// plays all of them in turn.

// Prepare makes the state directory's layout, records how it was made
// (before any crypto or config carries ports: a later command, even after
// this one failed, must make the same network) and writes the node configs.
func (n *Net) Prepare(profile, configFile string, portOffset int) error {
	for _, d := range []string{"config", "run", "log", "bin", "chaincode", "channel"} {
		if err := os.MkdirAll(n.path(d), 0o755); err != nil {
			return err
		}
	}
	var err error
	if n.M, err = n.LoadMembership(); err != nil {
		return err
	}
	if err := SaveOrigin(n.State, Origin{Profile: profile, ConfigFile: configFile, PortOffset: portOffset}); err != nil {
		return err
	}
	return n.Config()
}

// OrdererInit is the orderer org's first step: its own keys and its
// published definition (orderer endpoints and their TLS certificates).
func (n *Net) OrdererInit(profile string) error {
	var own []config.Addr
	for _, a := range n.P.Addrs() {
		if a.Host == n.P.OrdererOrg.Host {
			own = append(own, a)
		}
	}
	if err := n.CheckPorts("profiles."+profile+".", own); err != nil {
		return err
	}
	done := n.phase(n.ordererName() + ": make its own keys and publish its definition")
	defer done()
	return n.OrdererOrgCrypto()
}

// ChannelCreate is the orderer org's step once the founding members'
// definitions arrived: the genesis block from the definitions, its orderers
// started and joined to the channel.
func (n *Net) ChannelCreate() error {
	done := n.phase(n.ordererName() + ": genesis block of " + n.P.Channel + " from the published definitions; orderers join it")
	defer done()
	if err := n.Genesis(); err != nil {
		return err
	}
	if err := n.StartSpecs(n.ordererSpecs()); err != nil {
		return err
	}
	return retry(20*time.Second, n.JoinOrderers)
}

func (n *Net) ordererSpecs() []*proc.Spec {
	var s []*proc.Spec
	for _, o := range n.P.OrdererOrg.Orderers {
		s = append(s, n.ordererSpec(o))
	}
	return s
}

// ChaincodeCommit is one member's step once every member approved the
// definition (OrgJoin): it commits it, endorsed by each member's anchor peer
// at the address its definition names. It returns the committed sequence.
func (n *Net) ChaincodeCommit(by string) (int64, error) {
	g, err := n.open(by)
	if err != nil {
		return 0, err
	}
	d, err := n.loadDeployed()
	if err != nil {
		return 0, err
	}
	if d.Sequence == 0 {
		return 0, fmt.Errorf("no member has approved a definition of %s yet (network org join ORG)", n.P.Chaincode.Name)
	}
	committed, err := n.committedSequence(g)
	if err != nil || committed >= d.Sequence {
		return committed, err
	}
	done := n.phase(fmt.Sprintf("chaincode: %s commits %s sequence %d", g.Name, n.P.Chaincode.Name, d.Sequence))
	defer done()
	return d.Sequence, n.commitChaincode(g, d.Sequence)
}
