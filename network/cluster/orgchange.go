package cluster

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/hyperledger/fabric-config/configtx"
	"github.com/hyperledger/fabric-config/configtx/membership"
	cb "github.com/hyperledger/fabric-protos-go-apiv2/common"
	ab "github.com/hyperledger/fabric-protos-go-apiv2/orderer"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/protobuf/proto"

	"github.com/qrsign/qrsign/network/config"
)

// A channel configuration update travels between org admins as a file: the
// envelope of fabric-config's NewEnvelope (a ConfigUpdateEnvelope), each
// admin adding its signature (SignUpdate) until the channel's admin policy
// is met, then one admin submits it (SubmitUpdate).

// FetchConfig is g's admin fetching the channel's latest configuration block
// from the ordering service; it returns the block's number and the config.
func (n *Net) FetchConfig(g *config.Org) (uint64, *cb.Config, error) {
	f := filepath.Join(n.OrgHome(g.Name), "channel", "config.block")
	if err := os.MkdirAll(filepath.Dir(f), 0o755); err != nil {
		return 0, nil, err
	}
	if err := n.fetchBlock(g, "config", f); err != nil {
		return 0, nil, err
	}
	b, err := os.ReadFile(f)
	if err != nil {
		return 0, nil, err
	}
	var blk cb.Block
	if err := proto.Unmarshal(b, &blk); err != nil {
		return 0, nil, fmt.Errorf("config block: %w", err)
	}
	cfg, err := configOf(&blk)
	return blk.GetHeader().GetNumber(), cfg, err
}

// fetchBlock is `peer channel fetch which file` as g's admin (which: config,
// newest, oldest or a block number).
func (n *Net) fetchBlock(g *config.Org, which, file string) error {
	ord, err := n.ordererFlags()
	if err != nil {
		return err
	}
	// A channel's orderers answer SERVICE_UNAVAILABLE until their Raft group
	// has a leader (just after `channel create`, or a restart): wait for one.
	deadline := time.Now().Add(fetchLeaderWait)
	for {
		err := n.run(n.peerCLIEnv(g, firstPeer(g)), "peer", append([]string{"channel", "fetch", which, file, "-c", n.P.Channel}, ord...)...)
		var te *ToolError
		if err == nil || !errors.As(err, &te) || !strings.Contains(te.Output, "SERVICE_UNAVAILABLE") || time.Now().After(deadline) {
			return err
		}
		time.Sleep(time.Second)
	}
}

// fetchLeaderWait bounds how long a block fetch waits for the ordering
// service to elect a leader.
const fetchLeaderWait = 60 * time.Second

func configOf(blk *cb.Block) (*cb.Config, error) {
	if len(blk.GetData().GetData()) != 1 {
		return nil, errors.New("config block: want one transaction")
	}
	var env cb.Envelope
	if err := proto.Unmarshal(blk.Data.Data[0], &env); err != nil {
		return nil, err
	}
	var pl cb.Payload
	if err := proto.Unmarshal(env.Payload, &pl); err != nil {
		return nil, err
	}
	var ce cb.ConfigEnvelope
	if err := proto.Unmarshal(pl.Data, &ce); err != nil {
		return nil, err
	}
	if ce.Config == nil {
		return nil, errors.New("config block: no config")
	}
	return ce.Config, nil
}

// channelOrg is an org's application group, made from its published
// definition only.
func channelOrg(d *Definition) (configtx.Organization, error) {
	ca, err := readCert(d.CACert)
	if err != nil {
		return configtx.Organization{}, err
	}
	tlsCA, err := readCert(d.TLSCACert)
	if err != nil {
		return configtx.Organization{}, err
	}
	pol := map[string]configtx.Policy{}
	for k, v := range orgPolicies(d.MSPID) {
		pol[k] = configtx.Policy{Type: configtx.SignaturePolicyType, Rule: v}
	}
	ou := func(name string) membership.OUIdentifier {
		return membership.OUIdentifier{Certificate: ca, OrganizationalUnitIdentifier: name}
	}
	host, port, err := splitHostPort(d.Peers[0].Address)
	if err != nil {
		return configtx.Organization{}, err
	}
	return configtx.Organization{Name: d.MSPID, Policies: pol,
		MSP: configtx.MSP{Name: d.MSPID, RootCerts: []*x509.Certificate{ca}, TLSRootCerts: []*x509.Certificate{tlsCA},
			CryptoConfig: membership.CryptoConfig{SignatureHashFamily: "SHA2", IdentityIdentifierHashFunction: "SHA256"},
			NodeOUs: membership.NodeOUs{Enable: true, ClientOUIdentifier: ou("client"), PeerOUIdentifier: ou("peer"),
				AdminOUIdentifier: ou("admin"), OrdererOUIdentifier: ou("orderer")}},
		AnchorPeers: []configtx.Address{{Host: host, Port: port}},
	}, nil
}

func readCert(file string) (*x509.Certificate, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	blk, _ := pem.Decode(b)
	if blk == nil {
		return nil, fmt.Errorf("%s: no PEM certificate", file)
	}
	return x509.ParseCertificate(blk.Bytes)
}

// Propose is a member's step: the update adding (verb "add") or removing
// (verb "remove") org name, written to file unsigned.
func (n *Net) Propose(by *config.Org, verb, name, file string) error {
	switch verb {
	case "add":
		return n.ProposeAdd(by, name, file)
	case "remove":
		g, ok := n.P.Member(name)
		if !ok {
			return fmt.Errorf("no org %q in the profile (orgs or joining)", name)
		}
		return n.ProposeRemove(by, g.MSPID, file)
	}
	return fmt.Errorf("unknown change %q (add or remove)", verb)
}

// ProposeAdd is an existing member's step: from the latest config it makes
// the update adding the org whose definition is published as name, and
// writes it to file (unsigned).
func (n *Net) ProposeAdd(by *config.Org, name, file string) error {
	d, err := n.Definition(name)
	if err != nil {
		return err
	}
	org, err := channelOrg(d)
	if err != nil {
		return err
	}
	return n.propose(by, file, func(c configtx.ConfigTx) error {
		if c.Application().Organization(d.MSPID) != nil {
			return fmt.Errorf("%s is already a member of %s", d.MSPID, n.P.Channel)
		}
		return c.Application().SetOrganization(org)
	})
}

// ProposeRemove is a member's step: the update removing the org mspID.
func (n *Net) ProposeRemove(by *config.Org, mspID, file string) error {
	return n.propose(by, file, func(c configtx.ConfigTx) error {
		if c.Application().Organization(mspID) == nil {
			return fmt.Errorf("%s is not a member of %s", mspID, n.P.Channel)
		}
		c.Application().RemoveOrganization(mspID)
		return nil
	})
}

func (n *Net) propose(by *config.Org, file string, change func(configtx.ConfigTx) error) error {
	_, cfg, err := n.FetchConfig(by)
	if err != nil {
		return err
	}
	c := configtx.New(cfg)
	if err := change(c); err != nil {
		return err
	}
	upd, err := c.ComputeMarshaledUpdate(n.P.Channel)
	if err != nil {
		return err
	}
	env, err := configtx.NewEnvelope(upd)
	if err != nil {
		return err
	}
	return writeProto(file, env)
}

// SignUpdate is one admin's step: it adds g's admin signature to the update
// in file.
func (n *Net) SignUpdate(g *config.Org, file string) error {
	env, pl, cue, err := readUpdate(file)
	if err != nil {
		return err
	}
	si, err := n.adminSigner(g)
	if err != nil {
		return err
	}
	sig, err := si.CreateConfigSignature(cue.ConfigUpdate)
	if err != nil {
		return err
	}
	cue.Signatures = append(cue.Signatures, sig)
	if pl.Data, err = proto.Marshal(cue); err != nil {
		return err
	}
	if env.Payload, err = proto.Marshal(pl); err != nil {
		return err
	}
	return writeProto(file, env)
}

// SubmitUpdate is the submitting admin's step: it signs the envelope as g's
// admin and broadcasts it to the ordering service, then waits until the
// ordering service has the new configuration block, records the channel's
// members from it and returns its number.
func (n *Net) SubmitUpdate(g *config.Org, file string) (uint64, error) {
	before, _, err := n.FetchConfig(g)
	if err != nil {
		return 0, err
	}
	env, _, _, err := readUpdate(file)
	if err != nil {
		return 0, err
	}
	si, err := n.adminSigner(g)
	if err != nil {
		return 0, err
	}
	if err := si.SignEnvelope(env); err != nil {
		return 0, err
	}
	if err := n.broadcast(env); err != nil {
		return 0, err
	}
	var at uint64
	var cfg *cb.Config
	err = retry(60*time.Second, func() error {
		num, c, err := n.FetchConfig(g)
		if err == nil && num <= before {
			err = fmt.Errorf("the configuration block is still %d", num)
		}
		at, cfg = num, c
		return err
	})
	if err != nil {
		return 0, err
	}
	return at, n.recordMembers(cfg)
}

// recordMembers writes membership.json from the application orgs of cfg:
// founding orgs it lacks are removed, joining orgs it has are joined.
func (n *Net) recordMembers(cfg *cb.Config) error {
	in := map[string]bool{}
	for msp := range cfg.GetChannelGroup().GetGroups()["Application"].GetGroups() {
		in[msp] = true
	}
	var m Membership
	for _, g := range n.P.Orgs {
		if !in[g.MSPID] {
			m.Removed = append(m.Removed, g.Name)
		}
	}
	for _, g := range n.P.Joining {
		if in[g.MSPID] {
			m.Joined = append(m.Joined, g.Name)
		}
	}
	n.M = m
	return n.saveMembership(m)
}

// broadcast sends env to the first orderer of the orderer org's definition.
func (n *Net) broadcast(env *cb.Envelope) error {
	od, err := n.Definition(n.ordererName())
	if err != nil {
		return err
	}
	pemBytes, err := os.ReadFile(od.TLSCACert)
	if err != nil {
		return err
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pemBytes)
	conn, err := grpc.NewClient(od.Orderers[0].Address, grpc.WithTransportCredentials(credentials.NewClientTLSFromCert(pool, od.Host)))
	if err != nil {
		return err
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	stream, err := ab.NewAtomicBroadcastClient(conn).Broadcast(ctx)
	if err != nil {
		return fmt.Errorf("broadcast to %s: %w", od.Orderers[0].Address, err)
	}
	if err := stream.Send(env); err != nil {
		return fmt.Errorf("broadcast to %s: %w", od.Orderers[0].Address, err)
	}
	resp, err := stream.Recv()
	if err != nil {
		return fmt.Errorf("broadcast to %s: %w", od.Orderers[0].Address, err)
	}
	if resp.Status != cb.Status_SUCCESS {
		return fmt.Errorf("configuration update refused by %s: %s %s", od.Orderers[0].Name, resp.Status, resp.Info)
	}
	return stream.CloseSend()
}

// adminSigner is g's admin identity (cryptogen's Admin@ MSP folder).
func (n *Net) adminSigner(g *config.Org) (*configtx.SigningIdentity, error) {
	dir := n.orgAdminMSP(g)
	cert, err := readCert(filepath.Join(dir, "signcerts", "Admin@"+g.Domain+"-cert.pem"))
	if err != nil {
		return nil, err
	}
	key, err := readKey(filepath.Join(dir, "keystore", "priv_sk"))
	if err != nil {
		return nil, err
	}
	return &configtx.SigningIdentity{Certificate: cert, PrivateKey: key, MSPID: g.MSPID}, nil
}

func readUpdate(file string) (*cb.Envelope, *cb.Payload, *cb.ConfigUpdateEnvelope, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, nil, nil, err
	}
	var env cb.Envelope
	var pl cb.Payload
	var cue cb.ConfigUpdateEnvelope
	if err := proto.Unmarshal(b, &env); err != nil {
		return nil, nil, nil, fmt.Errorf("%s: %w", file, err)
	}
	if err := proto.Unmarshal(env.Payload, &pl); err != nil {
		return nil, nil, nil, fmt.Errorf("%s: %w", file, err)
	}
	if err := proto.Unmarshal(pl.Data, &cue); err != nil || len(cue.ConfigUpdate) == 0 {
		return nil, nil, nil, fmt.Errorf("%s: not a channel configuration update", file)
	}
	return &env, &pl, &cue, nil
}

func writeProto(file string, m proto.Message) error {
	b, err := proto.Marshal(m)
	if err != nil {
		return err
	}
	return writeFile(file, b)
}

// adminQuorum are the members whose admins sign an update: enough for the
// channel's MAJORITY Admins policy, preferring members other than skip.
func (n *Net) adminQuorum(skip string) []*config.Org {
	ms := n.members()
	need := len(ms)/2 + 1
	var out []*config.Org
	for _, g := range ms {
		if g.Name != skip && len(out) < need {
			out = append(out, g)
		}
	}
	for _, g := range ms {
		if g.Name == skip && len(out) < need && !slices.Contains(out, g) {
			out = append(out, g)
		}
	}
	return out
}
