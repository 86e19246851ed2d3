// Package netinfo describes a running qrsign network: what `network up` writes
// to <state>/network.json and what clients and integration tests read to find
// peers, identities, CAs and relays. Paths in it are absolute.
package netinfo

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// EnvState names the environment variable holding the state directory of the
// network integration tests run against (set by scripts/test.sh).
const EnvState = "QRSIGN_NETWORK_STATE"

// FileName is the file under the state directory that holds Info.
const FileName = "network.json"

// Info is a running network.
type Info struct {
	Profile   string `json:"profile"`
	StateDir  string `json:"stateDir"`
	BinDir    string `json:"binDir"` // peer, orderer, osnadmin, configtxgen, fabric-ca-client, ...
	Channel   string `json:"channel"`
	Chaincode string `json:"chaincode"`
	Orderers  []Node `json:"orderers"`
	Orgs      []Org  `json:"orgs"`

	// Added by the network helper (additive).
	ConfigDir         string `json:"configDir,omitempty"`         // FABRIC_CFG_PATH for the peer CLI (core.yaml)
	RunDir            string `json:"runDir,omitempty"`            // saved command lines (see network/proc)
	ChaincodeVersion  string `json:"chaincodeVersion,omitempty"`  // definition version
	ChaincodeSequence int64  `json:"chaincodeSequence,omitempty"` // committed definition sequence
	// EndorsementPolicy is the definition's policy: /Channel/Application/Endorsement
	// (a majority, all or any of the current members) or a signature policy.
	EndorsementPolicy string `json:"endorsementPolicy,omitempty"`
	// OrdererAdminTLS is the orderer org admin's TLS client certificate, which
	// the orderers' admin endpoints (osnadmin) require.
	OrdererAdminTLS *Identity `json:"ordererAdminTls,omitempty"`
	// ConfigFile and PortOffset are how `network up` was called, so the same
	// network can be brought up again (`up --config F --profile P --port-offset N --state S`).
	ConfigFile string `json:"configFile,omitempty"`
	PortOffset int    `json:"portOffset,omitempty"`
}

// Node is an orderer or a peer process.
type Node struct {
	Name      string `json:"name"`                // e.g. orderer0, peer0.org1
	Address   string `json:"address"`             // host:port of the gRPC listener (the org's own address)
	TLSCACert string `json:"tlsCaCert"`           // PEM file of the TLS CA that signed its server cert
	HostName  string `json:"hostName"`            // TLS server name to dial with (a SAN of its cert)
	AdminAddr string `json:"adminAddr,omitempty"` // orderer admin (osnadmin) listener
	OpsAddr   string `json:"opsAddr"`             // operations (/healthz, /metrics)
	PIDFile   string `json:"pidFile"`
	LogFile   string `json:"logFile"`
	MSPDir    string `json:"mspDir"`
}

// Identity is an X.509 identity on disk.
type Identity struct {
	MSPID    string `json:"mspId"`
	CertFile string `json:"certFile"` // PEM
	KeyFile  string `json:"keyFile"`  // PKCS#8 PEM private key
	MSPDir   string `json:"mspDir"`   // the same identity as an MSP folder (for the peer CLI)
}

// CA is an org's Fabric CA server.
type CA struct {
	Name          string `json:"name"`
	URL           string `json:"url"`           // https://<org host>:port
	TLSCertFile   string `json:"tlsCertFile"`   // PEM trusted for the CA's TLS
	CACertFile    string `json:"caCertFile"`    // the CA certificate that signs enrollment certs (= the signer CA)
	RegistrarHome string `json:"registrarHome"` // fabric-ca-client home enrolled as the bootstrap registrar
	PIDFile       string `json:"pidFile"`
	LogFile       string `json:"logFile"`
}

// Relay is one org's relay process.
type Relay struct {
	URL        string `json:"url"` // http://<org host>:port
	ConfigFile string `json:"configFile"`
	APIKey     string `json:"apiKey"` // the org's uploading-app key written into its config
	PIDFile    string `json:"pidFile"`
	LogFile    string `json:"logFile"`
}

// Org is a member org.
type Org struct {
	Name   string   `json:"name"`  // e.g. org1
	MSPID  string   `json:"mspId"` // e.g. Org1MSP
	Host   string   `json:"host"`  // the IP address its nodes listen on
	Home   string   `json:"home"`  // the directory holding everything the org keeps to itself
	Peers  []Node   `json:"peers"`
	CA     CA       `json:"ca"`
	Admin  Identity `json:"admin"`  // admin OU: may register signer CAs and publish CRLs
	Client Identity `json:"client"` // the relay's identity, issued by the org's MSP CA with qrsign.role=relay
	Member Identity `json:"member"` // an org member (client OU) with no role: may not write documents
	Relay  *Relay   `json:"relay,omitempty"`
	// ChaincodeServer is the org's own chaincode server (plain gRPC, on its
	// host), PackageID the package its peers run it as.
	ChaincodeServer *Node  `json:"chaincodeServer,omitempty"`
	PackageID       string `json:"packageId,omitempty"`
}

// Load reads <stateDir>/network.json.
func Load(stateDir string) (*Info, error) {
	b, err := os.ReadFile(filepath.Join(stateDir, FileName))
	if err != nil {
		return nil, fmt.Errorf("netinfo: %w (is the network up?)", err)
	}
	var in Info
	if err := json.Unmarshal(b, &in); err != nil {
		return nil, fmt.Errorf("netinfo: %s: %w", filepath.Join(stateDir, FileName), err)
	}
	return &in, nil
}

// FromEnv loads the network named by $QRSIGN_NETWORK_STATE.
func FromEnv() (*Info, error) {
	dir := os.Getenv(EnvState)
	if dir == "" {
		return nil, errors.New("netinfo: " + EnvState + " is not set; run integration tests through scripts/test.sh")
	}
	return Load(dir)
}

// Org returns the org with the given name or MSP id.
func (in *Info) Org(nameOrMSP string) (*Org, error) {
	for i := range in.Orgs {
		if in.Orgs[i].Name == nameOrMSP || in.Orgs[i].MSPID == nameOrMSP {
			return &in.Orgs[i], nil
		}
	}
	return nil, fmt.Errorf("netinfo: no org %q", nameOrMSP)
}

// Save writes in to <in.StateDir>/network.json atomically, mode 0600: it
// holds every org's relay API key.
func (in *Info) Save() error {
	b, err := json.MarshalIndent(in, "", "  ")
	if err != nil {
		return err
	}
	p := filepath.Join(in.StateDir, FileName)
	tmp := p + ".tmp"
	// Remove a leftover temporary file first: WriteFile keeps the mode of a
	// file that exists.
	if err := os.Remove(tmp); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return err
	}
	// Umask can only take bits away; make it exactly 0600 anyway.
	if err := os.Chmod(tmp, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, p)
}
