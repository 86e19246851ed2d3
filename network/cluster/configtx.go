package cluster

import (
	"net"
	"os"
	"path/filepath"
	"strconv"

	"go.yaml.in/yaml/v3"
)

type m = map[string]any

func sig(rule string) m      { return m{"Type": "Signature", "Rule": rule} }
func implicit(rule string) m { return m{"Type": "ImplicitMeta", "Rule": rule} }

// orgPolicies are a member org's own policies in the channel config (the
// same for founding members and orgs added later).
func orgPolicies(id string) map[string]string {
	return map[string]string{
		"Readers":     "OR('" + id + ".admin','" + id + ".peer','" + id + ".client')",
		"Writers":     "OR('" + id + ".admin','" + id + ".client')",
		"Admins":      "OR('" + id + ".admin')",
		"Endorsement": "OR('" + id + ".peer')",
	}
}

// Genesis is the orderer org's step: configtx.yaml and the channel's
// genesis block (Raft, no system channel: orderers join it through channel
// participation), made only from the published definitions of the orderer
// org and the founding members.
func (n *Net) Genesis() error {
	if _, err := os.Stat(n.blockFile()); err == nil {
		return nil
	}
	p := n.P
	od, err := n.Definition(p.OrdererOrg.Name)
	if err != nil {
		return err
	}
	var endpoints, consenters []any
	for _, o := range od.Orderers {
		host, port, err := splitHostPort(o.Address)
		if err != nil {
			return err
		}
		endpoints = append(endpoints, o.Address)
		consenters = append(consenters, m{"Host": host, "Port": port, "ClientTLSCert": o.TLSCert, "ServerTLSCert": o.TLSCert})
	}
	ordererOrg := m{
		"Name": od.MSPID, "ID": od.MSPID, "MSPDir": od.MSPDir,
		"Policies": m{
			"Readers": sig("OR('" + od.MSPID + ".member')"),
			"Writers": sig("OR('" + od.MSPID + ".member')"),
			"Admins":  sig("OR('" + od.MSPID + ".admin')"),
		},
		"OrdererEndpoints": endpoints,
	}
	var orgs []any
	for _, g := range p.Orgs {
		d, err := n.Definition(g.Name)
		if err != nil {
			return err
		}
		host, port, err := splitHostPort(d.Peers[0].Address)
		if err != nil {
			return err
		}
		pol := m{}
		for k, v := range orgPolicies(d.MSPID) {
			pol[k] = sig(v)
		}
		orgs = append(orgs, m{"Name": d.MSPID, "ID": d.MSPID, "MSPDir": d.MSPDir, "Policies": pol,
			"AnchorPeers": []any{m{"Host": host, "Port": port}}})
	}
	std := m{"Readers": implicit("ANY Readers"), "Writers": implicit("ANY Writers"), "Admins": implicit("MAJORITY Admins")}
	ordererPolicies := m{"BlockValidation": implicit("ANY Writers")}
	// The chaincode's "majority", "all" or "any" is this policy: it counts
	// the members of the moment, so joining and leaving need no new definition.
	appPolicies := m{"LifecycleEndorsement": implicit("MAJORITY Endorsement"), "Endorsement": implicit(p.EndorsementRule() + " Endorsement")}
	for k, v := range std {
		ordererPolicies[k], appPolicies[k] = v, v
	}
	profile := m{
		"Policies":     std,
		"Capabilities": m{"V2_0": true},
		"Orderer": m{
			"OrdererType":  "etcdraft",
			"BatchTimeout": p.BlockCutting.BatchTimeout.D().String(),
			"BatchSize": m{"MaxMessageCount": p.BlockCutting.MaxMessageCount,
				"AbsoluteMaxBytes": "99 MB", "PreferredMaxBytes": "2 MB"},
			// 250 ms ticks (sample: 500 ms): a restarted or leaderless
			// cluster elects within ~2.5 s instead of ~5-8 s.
			"EtcdRaft": m{"Consenters": consenters, "Options": m{"TickInterval": "250ms", "ElectionTick": 10,
				"HeartbeatTick": 1, "MaxInflightBlocks": 5, "SnapshotIntervalSize": "16 MB"}},
			"Organizations": []any{ordererOrg},
			"Policies":      ordererPolicies,
			"Capabilities":  m{"V2_0": true},
		},
		"Application": m{
			"Organizations": orgs,
			"Policies":      appPolicies,
			"Capabilities":  m{"V2_5": true},
		},
	}
	b, err := yaml.Marshal(m{"Profiles": m{"QrsignChannel": profile}})
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(n.cfgDir(), "configtx.yaml"), b, 0o644); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(n.blockFile()), 0o755); err != nil {
		return err
	}
	tmp := n.blockFile() + ".tmp"
	if err := n.run([]string{"FABRIC_CFG_PATH=" + n.cfgDir()}, "configtxgen",
		"-profile", "QrsignChannel", "-channelID", p.Channel, "-outputBlock", tmp); err != nil {
		return err
	}
	return os.Rename(tmp, n.blockFile())
}

func splitHostPort(addr string) (string, int, error) {
	h, p, err := net.SplitHostPort(addr)
	if err != nil {
		return "", 0, err
	}
	port, err := strconv.Atoi(p)
	return h, port, err
}
