package cli

import (
	"fmt"
	"io"
	"path/filepath"
	"time"

	"github.com/qrsign/qrsign/network/cluster"
	"github.com/qrsign/qrsign/network/config"
	"github.com/qrsign/qrsign/network/fabricbin"
)

// orgCommand runs `org add|remove|init|join|leave|rotate-ca ORG` on the network of
// the state directory, with the profile, config and port offset it was
// brought up with.
func orgCommand(o Options, verb, org string, w io.Writer) error {
	n, was, err := openNet(o, w, verb == "init")
	if err != nil {
		return err
	}
	switch verb {
	case "init":
		if err := n.OrgInit(was.Profile, org); err != nil {
			return err
		}
		fmt.Fprintf(w, "%s: definition published in %s (send it to the members)\n", org, n.ExchangeDir(org))
		return nil
	case "join":
		in, committed, err := n.OrgJoin(was.Profile, was.ConfigFile, was.PortOffset, org)
		if err != nil {
			return err
		}
		g, err := in.Org(org)
		if err != nil {
			return err
		}
		if !committed {
			fmt.Fprintf(w, "%s joined %s with %d peer(s) and approved %s sequence %d; once a member commits it "+
				"(network chaincode commit --as MEMBER), run `network org join %s` again\n",
				org, in.Channel, len(g.Peers), in.Chaincode, in.ChaincodeSequence, org)
			return nil
		}
		fmt.Fprintf(w, "%s joined %s with %d peer(s)\n", org, in.Channel, len(g.Peers))
		if g.Relay != nil {
			fmt.Fprintf(w, "  relay %s (API key in %s)\n", g.Relay.URL, g.Relay.ConfigFile)
		}
		return nil
	case "leave":
		stopped, err := n.OrgLeave(org)
		fmt.Fprintf(w, "%s: stopped %v\n", org, stopped)
		return err
	case "rotate-ca":
		r, err := n.RotateCA(was.Profile, was.ConfigFile, was.PortOffset, org)
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "%s: signer CA rotated in %s: new %s (generation %d, certificate in %s), retired %s\n", r.Org,
			r.Took.Round(100*time.Millisecond), r.New, r.Gen, filepath.Join(n.ExchangeDir(org), "signer-cas"), r.Old)
		return nil
	}
	change := n.OrgAdd
	if verb == "remove" {
		change = n.OrgRemove
	}
	ch, _, err := change(was.Profile, was.ConfigFile, was.PortOffset, org)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "\n%s: org %s %s at configuration block %d (signed by %v) in %s\n", n.P.Channel, ch.Org,
		map[string]string{"add": "added", "remove": "removed"}[verb], ch.Block, ch.Signed, ch.Took.Round(100*time.Millisecond))
	return nil
}

// updateCommand runs `update propose|sign|submit` as member as's admin.
func updateCommand(o Options, as string, args []string, w io.Writer) error {
	n, was, err := openNet(o, w, false)
	if err != nil {
		return err
	}
	m, ok := n.P.Member(as)
	if !ok {
		return fmt.Errorf("--as %s: no such org in the profile", as)
	}
	switch args[0] {
	case "propose":
		file := n.UpdateFile(args[1], args[2])
		if err := n.Propose(m, args[1], args[2], file); err != nil {
			return err
		}
		fmt.Fprintf(w, "%s\n", file)
	case "sign":
		if err := n.SignUpdate(m, args[1]); err != nil {
			return err
		}
		fmt.Fprintf(w, "%s signed %s\n", m.Name, args[1])
	case "submit":
		block, err := n.SubmitUpdate(m, args[1])
		if err != nil {
			return err
		}
		if _, err := n.SaveInfo(was.Profile, was.ConfigFile, was.PortOffset); err != nil {
			return err
		}
		fmt.Fprintf(w, "submitted by %s: took effect at configuration block %d\n", m.Name, block)
	}
	return nil
}

// foundingCommand runs the orderer org's `orderer init` and `channel
// create`, and a member's `chaincode commit --as MEMBER`.
func foundingCommand(o Options, cmd, as string, w io.Writer) error {
	n, was, err := openNet(o, w, cmd == "orderer")
	if err != nil {
		return err
	}
	switch cmd {
	case "orderer":
		if err := n.OrdererInit(was.Profile); err != nil {
			return err
		}
		fmt.Fprintf(w, "%s: definition published in %s (send it to the members)\n", n.P.OrdererOrg.Name, n.ExchangeDir(n.P.OrdererOrg.Name))
	case "channel":
		if err := n.ChannelCreate(); err != nil {
			return err
		}
		fmt.Fprintf(w, "channel %s created; its orderers joined it\n", n.P.Channel)
	case "chaincode":
		seq, err := n.ChaincodeCommit(as)
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "%s sequence %d committed on %s\n", n.P.Chaincode.Name, seq, n.P.Channel)
	}
	return nil
}

// openNet opens the network a state directory holds, as `up` (or the first
// founding step) made it. found: a founding party's first step may make the
// state directory, from the flags.
func openNet(o Options, w io.Writer, found bool) (*cluster.Net, cluster.Origin, error) {
	state, err := o.stateDir()
	if err != nil {
		return nil, cluster.Origin{}, err
	}
	was, ok, err := cluster.LoadOrigin(state)
	if err != nil {
		return nil, was, err
	}
	if !ok && !found {
		return nil, was, fmt.Errorf("no network in %s (bring it up first)", state)
	}
	if !ok {
		if was.ConfigFile, err = filepath.Abs(o.Config); err != nil {
			return nil, was, err
		}
		was.Profile, was.PortOffset = o.Profile, o.PortOffset
	}
	p, err := config.Load(was.ConfigFile, was.Profile, was.PortOffset)
	if err != nil {
		return nil, was, err
	}
	bin, cfg, err := fabricbin.Ensure(w)
	if err != nil {
		return nil, was, err
	}
	n := &cluster.Net{P: p, Repo: filepath.Dir(was.ConfigFile), State: state, Bin: bin, CfgSrc: cfg, Log: w}
	if !ok {
		err = n.Prepare(was.Profile, was.ConfigFile, was.PortOffset)
	}
	return n, was, err
}
