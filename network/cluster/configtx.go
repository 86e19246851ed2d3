package cluster

import (
	"os"
	"path/filepath"

	"go.yaml.in/yaml/v3"
)

type m = map[string]any

func sig(rule string) m      { return m{"Type": "Signature", "Rule": rule} }
func implicit(rule string) m { return m{"Type": "ImplicitMeta", "Rule": rule} }

// Genesis writes configtx.yaml and the channel's genesis block (Raft, no
// system channel: orderers join it through channel participation).
func (n *Net) Genesis() error {
	if _, err := os.Stat(n.blockFile()); err == nil {
		return nil
	}
	p := n.P
	oo := p.OrdererOrg
	var endpoints, consenters []any
	for _, o := range oo.Orderers {
		endpoints = append(endpoints, addr(o.Port))
		crt := filepath.Join(n.ordererDir(o), "tls", "server.crt")
		consenters = append(consenters, m{"Host": "127.0.0.1", "Port": o.Port, "ClientTLSCert": crt, "ServerTLSCert": crt})
	}
	ordererOrg := m{
		"Name": oo.MSPID, "ID": oo.MSPID, "MSPDir": filepath.Join(n.ordererOrgDir(), "msp"),
		"Policies": m{
			"Readers": sig("OR('" + oo.MSPID + ".member')"),
			"Writers": sig("OR('" + oo.MSPID + ".member')"),
			"Admins":  sig("OR('" + oo.MSPID + ".admin')"),
		},
		"OrdererEndpoints": endpoints,
	}
	var orgs []any
	for _, g := range p.Orgs {
		id := g.MSPID
		var anchors []any
		anchors = append(anchors, m{"Host": "127.0.0.1", "Port": g.Peers[0].Port})
		orgs = append(orgs, m{
			"Name": id, "ID": id, "MSPDir": filepath.Join(n.orgDir(g), "msp"),
			"Policies": m{
				"Readers":     sig("OR('" + id + ".admin','" + id + ".peer','" + id + ".client')"),
				"Writers":     sig("OR('" + id + ".admin','" + id + ".client')"),
				"Admins":      sig("OR('" + id + ".admin')"),
				"Endorsement": sig("OR('" + id + ".peer')"),
			},
			"AnchorPeers": anchors,
		})
	}
	std := m{"Readers": implicit("ANY Readers"), "Writers": implicit("ANY Writers"), "Admins": implicit("MAJORITY Admins")}
	ordererPolicies := m{"BlockValidation": implicit("ANY Writers")}
	appPolicies := m{"LifecycleEndorsement": implicit("MAJORITY Endorsement"), "Endorsement": implicit("MAJORITY Endorsement")}
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
