package cluster

import (
	"path/filepath"

	"github.com/qrsign/qrsign/network/netinfo"
)

// Info describes the network for clients and tests (network.json).
func (n *Net) Info(profile string, d *Deployed) *netinfo.Info {
	p := n.P
	in := &netinfo.Info{Profile: profile, StateDir: n.State, BinDir: n.Bin, Channel: p.Channel,
		Chaincode: p.Chaincode.Name, ConfigDir: n.cfgDir(), RunDir: n.RunDir(),
		ChaincodeVersion: p.Chaincode.Version, EndorsementPolicy: p.EndorsementPolicy(),
		ChaincodeServer: &netinfo.Node{Name: "chaincode", Address: addr(p.Chaincode.ServerPort),
			PIDFile: n.pidFile("chaincode"), LogFile: n.logFile("chaincode")},
	}
	adm := filepath.Join(n.ordererAdminDir(), "tls")
	in.OrdererAdminTLS = &netinfo.Identity{MSPID: p.OrdererOrg.MSPID, CertFile: filepath.Join(adm, "client.crt"),
		KeyFile: filepath.Join(adm, "client.key"), MSPDir: filepath.Join(n.ordererAdminDir(), "msp")}
	if d != nil {
		in.ChaincodeSequence, in.PackageID = d.Sequence, d.PackageID
	}
	for _, o := range p.OrdererOrg.Orderers {
		in.Orderers = append(in.Orderers, netinfo.Node{Name: o.Name, Address: addr(o.Port),
			TLSCACert: n.ordererTLSCA(), HostName: "localhost", AdminAddr: addr(o.AdminPort),
			OpsAddr: addr(o.OpsPort), PIDFile: n.pidFile(o.Name), LogFile: n.logFile(o.Name),
			MSPDir: filepath.Join(n.ordererDir(o), "msp")})
	}
	for _, g := range p.Orgs {
		org := netinfo.Org{Name: g.Name, MSPID: g.MSPID,
			CA: netinfo.CA{Name: caName(g), URL: "https://" + addr(g.CA.Port), TLSCertFile: n.orgTLSCA(g),
				CACertFile: n.orgCACert(g), RegistrarHome: n.registrarHome(g),
				PIDFile: n.pidFile(caName(g)), LogFile: n.logFile(caName(g))},
		}
		for _, pe := range g.Peers {
			org.Peers = append(org.Peers, netinfo.Node{Name: peerName(g, pe), Address: addr(pe.Port),
				TLSCACert: n.orgTLSCA(g), HostName: "localhost", OpsAddr: addr(pe.OpsPort),
				PIDFile: n.pidFile(peerName(g, pe)), LogFile: n.logFile(peerName(g, pe)),
				MSPDir: filepath.Join(n.peerDir(g, pe), "msp")})
		}
		org.Admin, _ = netinfo.IdentityFromMSPDir(g.MSPID, n.orgAdminMSP(g))
		org.Client, _ = netinfo.IdentityFromMSPDir(g.MSPID, filepath.Join(n.relayIDHome(g), "msp"))
		in.Orgs = append(in.Orgs, org)
	}
	return in
}
