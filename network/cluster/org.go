package cluster

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/qrsign/qrsign/network/config"
	"github.com/qrsign/qrsign/network/netinfo"
)

// Change is what `org add` or `org remove` did: when and at which
// configuration block it took effect.
type Change struct {
	Org    string
	Block  uint64        // number of the configuration block that changed membership
	Signed []string      // the members whose admins signed the update
	Took   time.Duration // the whole command
}

// OrgAdd brings org name (from the profile's joining orgs) into the running
// channel, playing each party in turn: the new org makes its keys and
// publishes its definition; a member proposes the update, enough member
// admins sign it and one submits it; the new org starts its CA and peers,
// joins them from the genesis block (they catch up from the ordering
// service), approves the committed chaincode definition for its own
// chaincode server, enrolls its relay identity, registers its Fabric CA as
// its signer CA on the ledger and starts its relay. Run again after a
// failure, it resumes: steps already done are skipped.
func (n *Net) OrgAdd(profile, configFile string, portOffset int, name string) (*Change, *netinfo.Info, error) {
	start := time.Now()
	var err error
	if n.M, err = n.LoadMembership(); err != nil {
		return nil, nil, err
	}
	g, ok := n.P.Member(name)
	if !ok {
		return nil, nil, fmt.Errorf("no org %q in the profile (orgs or joining)", name)
	}
	ch := &Change{Org: g.Name}
	if slices.Contains(n.members(), g) {
		// Resuming an add that failed after the update: the channel has it.
		if ch.Block, _, err = n.FetchConfig(n.members()[0]); err != nil {
			return nil, nil, err
		}
		fmt.Fprintf(n.Log, "==> %s is a member already (configuration block %d): resuming its side\n", g.Name, ch.Block)
	} else if err := n.admit(profile, g, ch); err != nil {
		return nil, nil, err
	}

	in, err := n.joinAsMember(profile, configFile, portOffset, g, ch.Block)
	if err != nil {
		return nil, nil, err
	}
	ch.Took = time.Since(start)
	return ch, in, nil
}

// admit is the members' side of OrgAdd: the new org's keys and definition,
// then the signed channel update.
func (n *Net) admit(profile string, g *config.Org, ch *Change) error {
	if err := n.CheckPorts("profiles."+profile+".", n.P.OrgAddrs(g)); err != nil {
		return err
	}
	done := n.phase(g.Name + ": make its own keys and publish its definition")
	if err := n.OrgCrypto(g); err != nil {
		return err
	}
	done()

	done = n.phase("channel update adding " + g.MSPID + ": proposed, signed by a majority of member admins, submitted")
	quorum := n.adminQuorum("")
	file := n.path("channel", "add-"+g.Name+".update")
	if err := n.ProposeAdd(quorum[0], g.Name, file); err != nil {
		return err
	}
	for _, s := range quorum {
		if err := n.SignUpdate(s, file); err != nil {
			return err
		}
		ch.Signed = append(ch.Signed, s.Name)
	}
	var err error
	if ch.Block, err = n.SubmitUpdate(quorum[0], file); err != nil {
		return err
	}
	if !slices.Contains(n.M.Joined, g.Name) {
		n.M.Joined = append(n.M.Joined, g.Name)
	}
	n.M.Removed = slices.DeleteFunc(n.M.Removed, func(s string) bool { return s == g.Name })
	if err := n.saveMembership(n.M); err != nil {
		return err
	}
	fmt.Fprintf(n.Log, "    took effect at configuration block %d\n", ch.Block)
	done()
	return nil
}

// joinAsMember is the new member's side once the channel lists it.
func (n *Net) joinAsMember(profile, configFile string, portOffset int, g *config.Org, configBlock uint64) (*netinfo.Info, error) {
	done := n.phase(g.Name + ": start its Fabric CA and peers; join them from the genesis block and catch up")
	if err := n.StartSpecs(append(n.orgSpecs(g), n.caSpec(g))); err != nil {
		return nil, err
	}
	genesis := filepath.Join(n.OrgHome(g.Name), "channel", "genesis.block")
	if err := os.MkdirAll(filepath.Dir(genesis), 0o755); err != nil {
		return nil, err
	}
	if err := retry(30*time.Second, func() error { return n.fetchBlock(g, "oldest", genesis) }); err != nil {
		return nil, err
	}
	if err := n.JoinOrgPeers(g, genesis); err != nil {
		return nil, err
	}
	d, err := n.loadDeployed()
	if err != nil {
		return nil, err
	}
	in := n.Info(profile, &d)
	in.ConfigFile, in.PortOffset = configFile, portOffset
	o, err := in.Org(g.Name)
	if err != nil {
		return nil, err
	}
	for _, p := range o.Peers {
		if err := retry(60*time.Second, func() error {
			h, err := in.BlockHeight(p.Name)
			if err == nil && h <= configBlock {
				err = fmt.Errorf("%s at height %d, not past configuration block %d yet", p.Name, h, configBlock)
			}
			return err
		}); err != nil {
			return nil, err
		}
	}
	done()

	done = n.phase(g.Name + ": enroll its relay identity; approve the committed chaincode definition for its own chaincode server")
	if err := n.EnrollOrg(g, o); err != nil {
		return nil, err
	}
	if o.Client, err = netinfo.IdentityFromMSPDir(g.MSPID, filepath.Join(n.relayIDHome(g), "msp")); err != nil {
		return nil, err
	}
	if _, ok := d.PackageIDs[g.Name]; !ok {
		id, err := n.ApproveChaincode(g, d.Hash, d.Sequence)
		if err != nil {
			return nil, err
		}
		d.PackageIDs[g.Name] = id
		if err := n.saveDeployed(&d); err != nil {
			return nil, err
		}
		o.PackageID = id
	} else if err := n.ensureRunning(n.chaincodeSpec(g, d.PackageIDs[g.Name])); err != nil {
		return nil, err
	}
	done()

	done = n.phase(g.Name + ": Ping committed through its gateway; its Fabric CA registered as its signer CA")
	if err := ReadyOrg(in, o, 90*time.Second); err != nil {
		return nil, err
	}
	if err := RegisterSignerCA(in, o); err != nil {
		return nil, err
	}
	done()

	if n.HasRelay() {
		done = n.phase(g.Name + ": start its relay")
		if err := n.BuildRelay(); err != nil {
			return nil, err
		}
		if err := n.StartRelay(g, o); err != nil {
			return nil, err
		}
		done()
	}
	if err := n.keepRelays(in); err != nil {
		return nil, err
	}
	return in, in.Save()
}

// keepRelays copies the relays of network.json into in for orgs that have
// one running (in is rebuilt from the profile, which does not know them).
func (n *Net) keepRelays(in *netinfo.Info) error {
	old, err := netinfo.Load(n.State)
	if err != nil {
		return err
	}
	for i := range in.Orgs {
		if in.Orgs[i].Relay != nil {
			continue
		}
		if o, err := old.Org(in.Orgs[i].Name); err == nil {
			in.Orgs[i].Relay = o.Relay
		}
	}
	return nil
}

// OrgRemove takes org name out of the channel: a remaining member proposes
// the update, a majority of member admins (the leaving org's only if the
// others are too few) sign it, one submits it. The org's own processes are
// its own: they keep running until it stops them, but the channel no longer
// admits its peers, clients or relay.
func (n *Net) OrgRemove(profile, configFile string, portOffset int, name string) (*Change, *netinfo.Info, error) {
	start := time.Now()
	var err error
	if n.M, err = n.LoadMembership(); err != nil {
		return nil, nil, err
	}
	g, ok := n.P.Member(name)
	if !ok || !slices.Contains(n.members(), g) {
		return nil, nil, fmt.Errorf("%s is not a member of %s", name, n.P.Channel)
	}
	if len(n.members()) < 2 {
		return nil, nil, fmt.Errorf("%s is the channel's last member", g.Name)
	}
	ch := &Change{Org: g.Name}
	done := n.phase("channel update removing " + g.MSPID + ": proposed, signed by a majority of member admins, submitted")
	quorum := n.adminQuorum(g.Name)
	proposer := quorum[0]
	file := n.path("channel", "remove-"+g.Name+".update")
	if err := n.ProposeRemove(proposer, g.MSPID, file); err != nil {
		return nil, nil, err
	}
	for _, s := range quorum {
		if err := n.SignUpdate(s, file); err != nil {
			return nil, nil, err
		}
		ch.Signed = append(ch.Signed, s.Name)
	}
	if ch.Block, err = n.SubmitUpdate(proposer, file); err != nil {
		return nil, nil, err
	}
	n.M.Removed = append(n.M.Removed, g.Name)
	if err := n.saveMembership(n.M); err != nil {
		return nil, nil, err
	}
	fmt.Fprintf(n.Log, "    took effect at configuration block %d\n", ch.Block)
	done()
	d, err := n.loadDeployed()
	if err != nil {
		return nil, nil, err
	}
	in := n.Info(profile, &d)
	in.ConfigFile, in.PortOffset = configFile, portOffset
	if err := n.keepRelays(in); err != nil {
		return nil, nil, err
	}
	ch.Took = time.Since(start)
	return ch, in, in.Save()
}
