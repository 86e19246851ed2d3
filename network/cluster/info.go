package cluster

import (
	"path/filepath"

	"github.com/qrsign/qrsign/network/netinfo"
)

// Info describes the network for clients and tests (network.json): the
// one-machine view of a harness that plays every org, so it names each org's
// own files.
func (n *Net) Info(profile string, d *Deployed) *netinfo.Info {
	p := n.P
	oo := p.OrdererOrg
	in := &netinfo.Info{Profile: profile, StateDir: n.State, BinDir: n.Bin, Channel: p.Channel,
		Chaincode: p.Chaincode.Name, ConfigDir: n.cfgDir(), RunDir: n.RunDir(),
		ChaincodeVersion: p.Chaincode.Version, EndorsementPolicy: p.EndorsementPolicy(),
	}
	adm := filepath.Join(n.ordererAdminDir(), "tls")
	in.OrdererAdminTLS = &netinfo.Identity{MSPID: oo.MSPID, CertFile: filepath.Join(adm, "client.crt"),
		KeyFile: filepath.Join(adm, "client.key"), MSPDir: filepath.Join(n.ordererAdminDir(), "msp")}
	if d != nil {
		in.ChaincodeSequence = d.Sequence
	}
	ordererTLSCA := filepath.Join(n.ExchangeDir(oo.Name), "msp", "tlscacerts", "tlsca."+oo.Domain+"-cert.pem")
	for _, o := range oo.Orderers {
		in.Orderers = append(in.Orderers, netinfo.Node{Name: o.Name, Address: hostPort(oo.Host, o.Port),
			TLSCACert: ordererTLSCA, HostName: oo.Host, AdminAddr: hostPort(oo.Host, o.AdminPort),
			OpsAddr: hostPort(oo.Host, o.OpsPort), PIDFile: n.pidFile(o.Name), LogFile: n.logFile(o.Name),
			MSPDir: filepath.Join(n.ordererDir(o), "msp")})
	}
	for _, g := range n.members() {
		org := netinfo.Org{Name: g.Name, MSPID: g.MSPID, Host: g.Host, Home: n.OrgHome(g.Name),
			CA: netinfo.CA{Name: caName(g), URL: "https://" + hostPort(g.Host, g.CA.Port), TLSCertFile: n.orgTLSCA(g),
				CACertFile: n.signerCA(g).Trust, RegistrarHome: n.signerCA(g).Registrar,
				PIDFile: n.pidFile(caName(g)), LogFile: n.logFile(caName(g))},
			ChaincodeServer: &netinfo.Node{Name: chaincodeName(g), Address: hostPort(g.Host, p.Chaincode.ServerPort),
				PIDFile: n.pidFile(chaincodeName(g)), LogFile: n.logFile(chaincodeName(g))},
		}
		if d != nil {
			org.PackageID = d.PackageIDs[g.Name]
		}
		for _, pe := range g.Peers {
			org.Peers = append(org.Peers, netinfo.Node{Name: peerName(g, pe), Address: hostPort(g.Host, pe.Port),
				TLSCACert: n.orgTLSCA(g), HostName: g.Host, OpsAddr: hostPort(g.Host, pe.OpsPort),
				PIDFile: n.pidFile(peerName(g, pe)), LogFile: n.logFile(peerName(g, pe)),
				MSPDir: filepath.Join(n.peerDir(g, pe), "msp")})
		}
		org.Admin, _ = netinfo.IdentityFromMSPDir(g.MSPID, n.orgAdminMSP(g))
		org.Client, _ = netinfo.IdentityFromMSPDir(g.MSPID, filepath.Join(n.relayIDHome(g), "msp"))
		org.Member, _ = netinfo.IdentityFromMSPDir(g.MSPID, filepath.Join(n.orgDir(g), "users", "User1@"+g.Domain, "msp"))
		in.Orgs = append(in.Orgs, org)
	}
	return in
}
