package cluster

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/qrsign/qrsign/network/config"
	"github.com/qrsign/qrsign/network/netinfo"
	"github.com/qrsign/qrsign/network/proc"
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
// channel, playing each party in turn through the steps each runs on its own
// host: the new org makes its keys and publishes its definition (OrgInit); a
// member proposes the update, enough member admins sign it and one submits
// it (ChangeMembers); the new org joins (OrgJoin). Run again after a
// failure, it resumes: steps already done are skipped.
func (n *Net) OrgAdd(profile, configFile string, portOffset int, name string) (*Change, *netinfo.Info, error) {
	start := time.Now()
	g, err := n.open(name)
	if err != nil {
		return nil, nil, err
	}
	ch := &Change{Org: g.Name}
	if slices.Contains(n.members(), g) {
		fmt.Fprintf(n.Log, "==> %s is a member already: resuming its side\n", g.Name)
	} else {
		if err := n.OrgInit(profile, g.Name); err != nil {
			return nil, nil, err
		}
		if err := n.ChangeMembers(ch, "add", g); err != nil {
			return nil, nil, err
		}
	}
	in, _, err := n.OrgJoin(profile, configFile, portOffset, g.Name)
	if err != nil {
		return nil, nil, err
	}
	if ch.Block == 0 {
		if ch.Block, _, err = n.FetchConfig(g); err != nil {
			return nil, nil, err
		}
	}
	ch.Took = time.Since(start)
	return ch, in, nil
}

// OrgRemove takes org name out of the channel (ChangeMembers). The org's
// own processes are its own: they keep running until it stops them
// (OrgLeave), but the channel no longer admits its peers, clients or relay.
func (n *Net) OrgRemove(profile, configFile string, portOffset int, name string) (*Change, *netinfo.Info, error) {
	start := time.Now()
	g, err := n.open(name)
	if err != nil {
		return nil, nil, err
	}
	if !slices.Contains(n.members(), g) {
		return nil, nil, fmt.Errorf("%s is not a member of %s", name, n.P.Channel)
	}
	if len(n.members()) < 2 {
		return nil, nil, fmt.Errorf("%s is the channel's last member", g.Name)
	}
	ch := &Change{Org: g.Name}
	if err := n.ChangeMembers(ch, "remove", g); err != nil {
		return nil, nil, err
	}
	in, err := n.SaveInfo(profile, configFile, portOffset)
	if err != nil {
		return nil, nil, err
	}
	ch.Took = time.Since(start)
	return ch, in, nil
}

// open loads the membership record and finds org name in the profile.
func (n *Net) open(name string) (*config.Org, error) {
	var err error
	if n.M, err = n.LoadMembership(); err != nil {
		return nil, err
	}
	g, ok := n.P.Member(name)
	if !ok {
		return nil, fmt.Errorf("no org %q in the profile (orgs or joining)", name)
	}
	return g, nil
}

// OrgInit is a joining org's first step on its own host: its own keys and
// its published definition (exchange/<org>), which it sends the members.
func (n *Net) OrgInit(profile, name string) error {
	g, err := n.open(name)
	if err != nil {
		return err
	}
	if err := n.CheckPorts("profiles."+profile+".", n.P.OrgAddrs(g)); err != nil {
		return err
	}
	done := n.phase(g.Name + ": make its own keys and publish its definition")
	defer done()
	return n.OrgCrypto(g)
}

// UpdateFile is where a proposed membership change of org is kept.
func (n *Net) UpdateFile(verb, org string) string { return n.path("channel", verb+"-"+org+".update") }

// ChangeMembers plays the members' side of adding or removing g: the first
// of a majority of member admins (preferring others than g) proposes the
// update, each of them signs it, the first submits it.
func (n *Net) ChangeMembers(ch *Change, verb string, g *config.Org) error {
	done := n.phase(fmt.Sprintf("channel update: %s %s, proposed, signed by a majority of member admins, submitted", verb, g.MSPID))
	skip := ""
	if verb == "remove" {
		skip = g.Name
	}
	quorum := n.adminQuorum(skip)
	file := n.UpdateFile(verb, g.Name)
	if err := n.Propose(quorum[0], verb, g.Name, file); err != nil {
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
	fmt.Fprintf(n.Log, "    took effect at configuration block %d\n", ch.Block)
	done()
	return nil
}

// OrgJoin is a member's side once the channel lists it (a founding member
// once the channel is created, a new member once the update adding it took
// effect): start its CA and peers, join them from the genesis block fetched
// from the ordering service and wait until they pass the latest
// configuration block; enroll its relay identity; approve the chaincode
// definition (the committed one, or for a founding member the first) for its
// own chaincode server. Once a definition is committed it goes on (OrgServe).
// committed is false when the founding definition still awaits a member's
// commit (ChaincodeCommit): running OrgJoin again then finishes.
func (n *Net) OrgJoin(profile, configFile string, portOffset int, name string) (in *netinfo.Info, committed bool, err error) {
	g, err := n.open(name)
	if err != nil {
		return nil, false, err
	}
	caSpec, err := n.caSpec(g)
	if err != nil {
		return nil, false, err
	}
	if err := n.StartSpecs([]*proc.Spec{caSpec}); err != nil {
		return nil, false, err
	}
	configBlock, cfg, err := n.FetchConfig(g)
	if err != nil {
		return nil, false, fmt.Errorf("%s cannot read the channel's configuration (is it a member yet?): %w", g.Name, err)
	}
	if err := n.recordMembers(cfg); err != nil {
		return nil, false, err
	}
	if !slices.Contains(n.members(), g) {
		return nil, false, fmt.Errorf("%s is not a member of %s yet", g.Name, n.P.Channel)
	}
	done := n.phase(g.Name + ": start its peers; join them from the genesis block and catch up")
	if err := n.StartSpecs(n.orgSpecs(g)); err != nil {
		return nil, false, err
	}
	genesis := filepath.Join(n.OrgHome(g.Name), "channel", "genesis.block")
	if err := os.MkdirAll(filepath.Dir(genesis), 0o755); err != nil {
		return nil, false, err
	}
	if err := retry(30*time.Second, func() error { return n.fetchBlock(g, "oldest", genesis) }); err != nil {
		return nil, false, err
	}
	if err := n.JoinOrgPeers(g, genesis); err != nil {
		return nil, false, err
	}
	d, err := n.definitionToApprove(g)
	if err != nil {
		return nil, false, err
	}
	in = n.Info(profile, &d)
	in.ConfigFile, in.PortOffset = configFile, portOffset
	o, err := in.Org(g.Name)
	if err != nil {
		return nil, false, err
	}
	for i, p := range o.Peers {
		caughtUp := func() error {
			h, err := in.BlockHeight(p.Name)
			if err == nil && h <= configBlock {
				err = fmt.Errorf("%s at height %d, not past configuration block %d yet", p.Name, h, configBlock)
			}
			return err
		}
		if retry(20*time.Second, caughtUp) == nil {
			continue
		}
		// A peer left running since its org was removed backs off (up to an
		// hour) from the ordering service that refused it: a restart reconnects.
		fmt.Fprintf(n.Log, "    %s is not catching up: restarting it\n", p.Name)
		s := n.orgSpecs(g)[i]
		if err := s.Stop(10 * time.Second); err != nil {
			return nil, false, err
		}
		if err := n.StartSpecs([]*proc.Spec{s}); err != nil {
			return nil, false, err
		}
		if err := retry(60*time.Second, caughtUp); err != nil {
			return nil, false, err
		}
	}
	done()

	done = n.phase(g.Name + ": enroll its relay identity; approve the chaincode definition for its own chaincode server")
	if err := n.EnrollOrg(g, o); err != nil {
		return nil, false, err
	}
	if o.Client, err = netinfo.IdentityFromMSPDir(g.MSPID, filepath.Join(n.relayIDHome(g), "msp")); err != nil {
		return nil, false, err
	}
	if _, ok := d.PackageIDs[g.Name]; !ok {
		id, err := n.ApproveChaincode(g, d.Hash, d.Sequence)
		if err != nil {
			return nil, false, err
		}
		d.PackageIDs[g.Name] = id
		if err := n.saveDeployed(&d); err != nil {
			return nil, false, err
		}
		o.PackageID = id
	} else if err := n.ensureRunning(n.chaincodeSpec(g, d.PackageIDs[g.Name])); err != nil {
		return nil, false, err
	}
	done()
	seq, err := n.committedSequence(g)
	if err != nil {
		return nil, false, err
	}
	if seq < d.Sequence {
		if err := n.keepRelays(in); err != nil {
			return nil, false, err
		}
		return in, false, in.Save()
	}
	return in, true, n.OrgServe(in, g, o)
}

// definitionToApprove is the chaincode definition g approves: the one
// recorded here, or else (a founding member, or a member on a host of its
// own) the chaincode built here at the committed sequence, 1 before any commit.
func (n *Net) definitionToApprove(g *config.Org) (Deployed, error) {
	d, err := n.loadDeployed()
	if err != nil || d.Sequence > 0 {
		return d, err
	}
	seq, err := n.committedSequence(g)
	if err != nil {
		return d, err
	}
	done := n.phase("chaincode: build ./chaincode")
	defer done()
	hash, err := n.BuildChaincode()
	return Deployed{Hash: hash, Sequence: max(seq, 1), Policy: n.P.EndorsementPolicy(), PackageIDs: map[string]string{}}, err
}

// OrgServe is a member's last step once the chaincode definition is
// committed: Ping committed through its gateway, its Fabric CA registered as
// its signer CA, its relay started; network.json saved.
func (n *Net) OrgServe(in *netinfo.Info, g *config.Org, o *netinfo.Org) error {
	done := n.phase(g.Name + ": Ping committed through its gateway; its Fabric CA registered as its signer CA")
	if err := ReadyOrg(in, o, 90*time.Second); err != nil {
		return err
	}
	if err := RegisterSignerCA(in, o); err != nil {
		return err
	}
	done()
	if n.HasRelay() {
		done = n.phase(g.Name + ": start its relay")
		if err := n.BuildRelay(); err != nil {
			return err
		}
		if err := n.StartRelay(g, o); err != nil {
			return err
		}
		done()
	}
	if err := n.keepRelays(in); err != nil {
		return err
	}
	return in.Save()
}

// OrgLeave is a removed org's last step on its own host: it stops its
// relay, chaincode server, peers and Fabric CA and forgets their command
// lines (its directory stays its own; `org join` starts them again).
func (n *Net) OrgLeave(name string) ([]string, error) {
	g, err := n.open(name)
	if err != nil {
		return nil, err
	}
	if slices.Contains(n.members(), g) {
		return nil, fmt.Errorf("%s is still a member of %s: remove it from the channel first", g.Name, n.P.Channel)
	}
	var stopped []string
	for _, name := range append([]string{relayName(g), chaincodeName(g)}, append(specNames(n.orgSpecs(g)), caName(g))...) {
		s, err := proc.Load(n.RunDir(), name)
		if err != nil {
			continue // never started on this host
		}
		if s.PID() != 0 {
			stopped = append(stopped, name)
		}
		if err := s.Stop(10 * time.Second); err != nil {
			return stopped, err
		}
		// No longer a process of this network: status and up leave it out.
		if err := os.Remove(proc.SpecFile(n.RunDir(), name)); err != nil {
			return stopped, err
		}
	}
	return stopped, nil
}

func specNames(specs []*proc.Spec) []string {
	var out []string
	for _, s := range specs {
		out = append(out, s.Name)
	}
	return out
}

// SaveInfo rewrites network.json for the current members, keeping the
// relays it lists.
func (n *Net) SaveInfo(profile, configFile string, portOffset int) (*netinfo.Info, error) {
	d, err := n.loadDeployed()
	if err != nil {
		return nil, err
	}
	in := n.Info(profile, &d)
	in.ConfigFile, in.PortOffset = configFile, portOffset
	if err := n.keepRelays(in); err != nil {
		return nil, err
	}
	return in, in.Save()
}

// keepRelays copies the relays of network.json into in for orgs that have
// one running (in is rebuilt from the profile, which does not know them).
func (n *Net) keepRelays(in *netinfo.Info) error {
	if !exists(filepath.Join(n.State, netinfo.FileName)) {
		return nil // founding: nothing written yet
	}
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
