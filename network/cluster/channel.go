package cluster

import (
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/qrsign/qrsign/network/config"
)

// JoinOrderers is the orderer org's step: it joins each of its orderers to
// the channel (osnadmin channel participation) unless already a member.
func (n *Net) JoinOrderers() error {
	adm := n.ordererAdminDir()
	tlsCA := filepath.Join(n.ordererOrgDir(), "tlsca", "tlsca."+n.P.OrdererOrg.Domain+"-cert.pem")
	for _, o := range n.P.OrdererOrg.Orderers {
		common := []string{"-o", hostPort(n.P.OrdererOrg.Host, o.AdminPort), "--ca-file", tlsCA,
			"--client-cert", filepath.Join(adm, "tls", "client.crt"), "--client-key", filepath.Join(adm, "tls", "client.key")}
		out, err := n.output(nil, "osnadmin", append([]string{"channel", "list"}, common...)...)
		if err != nil {
			return err
		}
		if strings.Contains(string(out), `"name": "`+n.P.Channel+`"`) {
			continue
		}
		if err := n.run(nil, "osnadmin", append([]string{"channel", "join", "--channelID", n.P.Channel,
			"--config-block", n.blockFile()}, common...)...); err != nil {
			return err
		}
	}
	return nil
}

// JoinPeers is each founding member's step: its peers join the channel
// from the genesis block unless they already have. Anchor peers are in the
// genesis block (configtx AnchorPeers), no update needed.
func (n *Net) JoinPeers() error {
	for _, g := range n.P.Orgs {
		if err := n.JoinOrgPeers(g, n.blockFile()); err != nil {
			return err
		}
	}
	return nil
}

// JoinOrgPeers joins one org's peers to the channel from block (the
// genesis block: a peer's ledger starts at block 0 and pulls the rest,
// configuration updates included, from the ordering service).
func (n *Net) JoinOrgPeers(g *config.Org, block string) error {
	for _, p := range g.Peers {
		env := n.peerCLIEnv(g, p)
		out, err := n.output(env, "peer", "channel", "list")
		if err != nil {
			return err
		}
		if containsLine(string(out), n.P.Channel) {
			continue
		}
		if err := retry(20*time.Second, func() error {
			return n.run(env, "peer", "channel", "join", "-b", block)
		}); err != nil {
			return fmt.Errorf("%s: %w", peerName(g, p), err)
		}
	}
	return nil
}

func containsLine(s, line string) bool {
	for _, l := range strings.Split(s, "\n") {
		if strings.TrimSpace(l) == line {
			return true
		}
	}
	return false
}

// retry calls f until it succeeds or d has passed, returning the last error.
func retry(d time.Duration, f func() error) error {
	deadline := time.Now().Add(d)
	wait := 200 * time.Millisecond
	for {
		err := f()
		if err == nil || time.Now().After(deadline) {
			return err
		}
		time.Sleep(wait)
		if wait < 2*time.Second {
			wait *= 2
		}
	}
}

func firstPeer(g *config.Org) *config.Peer { return g.Peers[0] }
