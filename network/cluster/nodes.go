package cluster

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/qrsign/qrsign/network/config"
	"github.com/qrsign/qrsign/network/proc"
)

// baseEnv is what every Fabric process gets besides its overrides: no HOME
// or user settings leak into the network.
func (n *Net) baseEnv() []string {
	return []string{"PATH=" + os.Getenv("PATH"), "HOME=" + n.State, "TMPDIR=" + os.TempDir(),
		"FABRIC_LOGGING_SPEC=" + LogSpec}
}

func list(files ...string) string { return "[" + strings.Join(files, ",") + "]" }

// ordererSpec is a Raft orderer with channel participation (no system channel).
func (n *Net) ordererSpec(o *config.Orderer) *proc.Spec {
	d := n.ordererDir(o)
	tls := func(f string) string { return filepath.Join(d, "tls", f) }
	h := n.P.OrdererOrg.Host
	addr := func(port int) string { return hostPort(h, port) }
	data := n.nodeData(n.ordererName(), o.Name)
	env := append(n.baseEnv(),
		"FABRIC_CFG_PATH="+n.cfgDir(),
		"ORDERER_GENERAL_LISTENADDRESS="+h,
		fmt.Sprintf("ORDERER_GENERAL_LISTENPORT=%d", o.Port),
		"ORDERER_GENERAL_LOCALMSPID="+n.P.OrdererOrg.MSPID,
		"ORDERER_GENERAL_LOCALMSPDIR="+filepath.Join(d, "msp"),
		"ORDERER_GENERAL_TLS_ENABLED=true",
		"ORDERER_GENERAL_TLS_PRIVATEKEY="+tls("server.key"),
		"ORDERER_GENERAL_TLS_CERTIFICATE="+tls("server.crt"),
		"ORDERER_GENERAL_TLS_ROOTCAS="+list(tls("ca.crt")),
		"ORDERER_GENERAL_CLUSTER_CLIENTCERTIFICATE="+tls("server.crt"),
		"ORDERER_GENERAL_CLUSTER_CLIENTPRIVATEKEY="+tls("server.key"),
		"ORDERER_GENERAL_CLUSTER_ROOTCAS="+list(tls("ca.crt")),
		"ORDERER_GENERAL_BOOTSTRAPMETHOD=none",
		"ORDERER_CHANNELPARTICIPATION_ENABLED=true",
		"ORDERER_ADMIN_LISTENADDRESS="+addr(o.AdminPort),
		"ORDERER_ADMIN_TLS_ENABLED=true",
		"ORDERER_ADMIN_TLS_PRIVATEKEY="+tls("server.key"),
		"ORDERER_ADMIN_TLS_CERTIFICATE="+tls("server.crt"),
		"ORDERER_ADMIN_TLS_ROOTCAS="+list(tls("ca.crt")),
		"ORDERER_ADMIN_TLS_CLIENTAUTHREQUIRED=true",
		"ORDERER_ADMIN_TLS_CLIENTROOTCAS="+list(tls("ca.crt")),
		"ORDERER_OPERATIONS_LISTENADDRESS="+addr(o.OpsPort),
		"ORDERER_METRICS_PROVIDER=prometheus", // Raft leader and heights on /metrics
		"ORDERER_FILELEDGER_LOCATION="+filepath.Join(data, "ledger"),
		"ORDERER_CONSENSUS_WALDIR="+filepath.Join(data, "etcdraft", "wal"),
		"ORDERER_CONSENSUS_SNAPDIR="+filepath.Join(data, "etcdraft", "snapshot"),
	)
	return n.spec(o.Name, h, filepath.Join(n.Bin, "orderer"), nil, env, o.Port, o.AdminPort, o.OpsPort)
}

// peerSpec is a peer with the gateway on, gossip bootstrapped from the org's
// other peers and a short reconnect interval (readiness in seconds, not 30 s).
func (n *Net) peerSpec(g *config.Org, p *config.Peer) *proc.Spec {
	addr := func(port int) string { return hostPort(g.Host, port) }
	d := n.peerDir(g, p)
	tls := func(f string) string { return filepath.Join(d, "tls", f) }
	var boot []string
	for _, q := range g.Peers {
		if q != p {
			boot = append(boot, addr(q.Port))
		}
	}
	if len(boot) == 0 {
		boot = []string{addr(p.Port)}
	}
	data := n.nodeData(g.Name, peerName(g, p))
	env := append(n.baseEnv(),
		"FABRIC_CFG_PATH="+n.cfgDir(),
		"CORE_PEER_ID="+peerHost(g, p),
		"CORE_PEER_NETWORKID=qrsign",
		"CORE_PEER_LISTENADDRESS="+addr(p.Port),
		"CORE_PEER_ADDRESS="+addr(p.Port),
		"CORE_PEER_CHAINCODELISTENADDRESS="+addr(p.ChaincodePort),
		"CORE_PEER_CHAINCODEADDRESS="+addr(p.ChaincodePort),
		"CORE_PEER_GOSSIP_BOOTSTRAP="+strings.Join(boot, " "),
		"CORE_PEER_GOSSIP_EXTERNALENDPOINT="+addr(p.Port),
		"CORE_PEER_GOSSIP_RECONNECTINTERVAL=2s",
		"CORE_PEER_LOCALMSPID="+g.MSPID,
		"CORE_PEER_MSPCONFIGPATH="+filepath.Join(d, "msp"),
		"CORE_PEER_TLS_ENABLED=true",
		"CORE_PEER_TLS_CERT_FILE="+tls("server.crt"),
		"CORE_PEER_TLS_KEY_FILE="+tls("server.key"),
		"CORE_PEER_TLS_ROOTCERT_FILE="+tls("ca.crt"),
		"CORE_PEER_FILESYSTEMPATH="+data,
		"CORE_LEDGER_SNAPSHOTS_ROOTDIR="+filepath.Join(data, "snapshots"),
		"CORE_OPERATIONS_LISTENADDRESS="+addr(p.OpsPort),
		"CORE_METRICS_PROVIDER=prometheus",
		"CORE_PEER_GATEWAY_ENABLED=true",
		"CORE_PEER_PROFILE_ENABLED=false",
	)
	return n.spec(peerName(g, p), g.Host, filepath.Join(n.Bin, "peer"), []string{"node", "start"}, env,
		p.Port, p.ChaincodePort, p.OpsPort)
}

// caSpec is the org's Fabric CA, signing with its current signer CA's key:
// the identities it enrolls are signers, trusted through the CAs the org
// registered on the ledger, not members of the channel's MSP.
// The bootstrap registrar's user:secret reaches fabric-ca-server through
// its environment (FABRIC_CA_SERVER_BOOT binds -b), never its command line;
// the saved spec holding it is 0600.
func (n *Net) caSpec(g *config.Org) (*proc.Spec, error) {
	tls, ca := n.caTLSDir(g), n.signerCA(g)
	secret, err := n.caBootSecret(ca)
	if err != nil {
		return nil, err
	}
	args := []string{"start",
		"--home", ca.Home,
		"--address", g.Host, "--port", fmt.Sprint(g.CA.Port),
		"--ca.name", caName(g),
		"--ca.certfile", ca.Cert, "--ca.keyfile", ca.Key,
		"--tls.enabled", "--tls.certfile", filepath.Join(tls, "server.crt"), "--tls.keyfile", filepath.Join(tls, "server.key"),
		"--operations.listenaddress", hostPort(g.Host, g.CA.OpsPort),
		"--csr.hosts", strings.Join(sans(g.Host), ","),
	}
	env := append(n.baseEnv(), "FABRIC_CA_SERVER_BOOT="+caBootUser+":"+secret)
	return n.spec(caName(g), g.Host, filepath.Join(n.Bin, "fabric-ca-server"), args, env, g.CA.Port, g.CA.OpsPort), nil
}

// caBootUser is the bootstrap registrar of every Fabric CA; its secret is
// per org and signer CA generation (caBootSecret).
const caBootUser = "admin"

// legacyCABootSecret is the fixed secret Fabric CAs were bootstrapped with
// before each got its own.
const legacyCABootSecret = "adminpw"

// caBootSecret is the bootstrap registrar's secret of signer CA ca's Fabric
// CA: random, made once and kept in <gen>/bootstrap.secret (0600). Fabric CA
// takes the bootstrap identity only when it first creates its config file
// and database; a CA that already has them but no secret file was made
// before the secret was (with admin:adminpw), and keeps that secret: its
// registrar is enrolled with it, and a new one would not be accepted.
func (n *Net) caBootSecret(ca SignerCA) (string, error) {
	f := caBootSecretFile(ca)
	if !exists(f) && (exists(filepath.Join(ca.Home, "fabric-ca-server.db")) || exists(filepath.Join(ca.Home, "fabric-ca-server-config.yaml"))) {
		return legacyCABootSecret, nil
	}
	if err := os.MkdirAll(filepath.Dir(f), 0o700); err != nil {
		return "", err
	}
	// The server writes the secret into its config file (0644) in its home:
	// keep the home to the owner.
	if err := os.MkdirAll(ca.Home, 0o700); err != nil {
		return "", err
	}
	if err := os.Chmod(ca.Home, 0o700); err != nil {
		return "", err
	}
	return secretFile(f)
}

func caBootSecretFile(ca SignerCA) string {
	return filepath.Join(filepath.Dir(ca.Cert), "bootstrap.secret")
}

// peerCLIEnv is the peer CLI acting as the org admin against peer p.
func (n *Net) peerCLIEnv(g *config.Org, p *config.Peer) []string {
	return []string{
		"FABRIC_CFG_PATH=" + n.cfgDir(),
		"FABRIC_LOGGING_SPEC=warn",
		"CORE_PEER_TLS_ENABLED=true",
		"CORE_PEER_LOCALMSPID=" + g.MSPID,
		"CORE_PEER_MSPCONFIGPATH=" + n.orgAdminMSP(g),
		"CORE_PEER_ADDRESS=" + hostPort(g.Host, p.Port),
		"CORE_PEER_TLS_ROOTCERT_FILE=" + n.orgTLSCA(g),
	}
}

// ordererFlags are the peer CLI's flags to reach the ordering service, from
// the orderer org's published definition.
func (n *Net) ordererFlags() ([]string, error) {
	od, err := n.Definition(n.ordererName())
	if err != nil {
		return nil, err
	}
	return []string{"-o", od.Orderers[0].Address, "--tls", "--cafile", od.TLSCACert}, nil
}
