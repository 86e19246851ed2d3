package cluster

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/qrsign/qrsign/network/config"
)

// Definition is what an org hands the consortium: its MSP as public
// material (root and TLS root certificates, NodeOU config) and where its
// nodes are. It lives in exchange/<org>/ (definition.json beside msp/);
// every address one org uses for another comes from here.
type Definition struct {
	Name      string     `json:"name"`
	MSPID     string     `json:"mspId"`
	Host      string     `json:"host"`
	MSPDir    string     `json:"mspDir"`    // cacerts, tlscacerts, config.yaml: no keys
	TLSCACert string     `json:"tlsCaCert"` // the org's TLS root certificate (in MSPDir/tlscacerts)
	CACert    string     `json:"caCert"`    // the org's CA certificate (in MSPDir/cacerts): its signer CA
	Peers     []Endpoint `json:"peers,omitempty"`
	Orderers  []Endpoint `json:"orderers,omitempty"`
	CAURL     string     `json:"caUrl,omitempty"` // the org's Fabric CA
}

// Endpoint is a node another org may dial. An orderer's TLSCert is its
// (public) TLS server certificate, which the channel names as a Raft consenter.
type Endpoint struct {
	Name      string `json:"name"`
	Address   string `json:"address"`
	AdminAddr string `json:"adminAddr,omitempty"`
	TLSCert   string `json:"tlsCert,omitempty"`
}

const definitionFile = "definition.json"

// Definition reads the published definition of an org (or the orderer org).
func (n *Net) Definition(name string) (*Definition, error) {
	b, err := os.ReadFile(filepath.Join(n.ExchangeDir(name), definitionFile))
	if err != nil {
		return nil, fmt.Errorf("definition of %s: %w (has it published its material?)", name, err)
	}
	var d Definition
	if err := json.Unmarshal(b, &d); err != nil {
		return nil, fmt.Errorf("definition of %s: %w", name, err)
	}
	return &d, nil
}

// publish copies the public parts of an org's MSP folder into its exchange
// directory and writes definition.json.
func (n *Net) publish(d *Definition, mspDir, caFile, tlsCAFile string) error {
	dir := n.ExchangeDir(d.Name)
	d.MSPDir = filepath.Join(dir, "msp")
	for _, f := range []string{"config.yaml", filepath.Join("cacerts", filepath.Base(caFile)),
		filepath.Join("tlscacerts", filepath.Base(tlsCAFile))} {
		if err := copyFile(filepath.Join(mspDir, f), filepath.Join(d.MSPDir, f)); err != nil {
			return err
		}
	}
	d.CACert = filepath.Join(d.MSPDir, "cacerts", filepath.Base(caFile))
	d.TLSCACert = filepath.Join(d.MSPDir, "tlscacerts", filepath.Base(tlsCAFile))
	b, err := json.MarshalIndent(d, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, definitionFile), append(b, '\n'), 0o644)
}

// PublishOrdererOrg publishes the orderer org: MSP, orderer endpoints and
// their TLS certificates (the consenters of the channel).
func (n *Net) PublishOrdererOrg() error {
	oo := n.P.OrdererOrg
	d := &Definition{Name: oo.Name, MSPID: oo.MSPID, Host: oo.Host}
	for _, o := range oo.Orderers {
		crt := filepath.Join(n.ExchangeDir(oo.Name), o.Name+"-tls.crt")
		if err := copyFile(filepath.Join(n.ordererDir(o), "tls", "server.crt"), crt); err != nil {
			return err
		}
		d.Orderers = append(d.Orderers, Endpoint{Name: o.Name, Address: hostPort(oo.Host, o.Port),
			AdminAddr: hostPort(oo.Host, o.AdminPort), TLSCert: crt})
	}
	msp := filepath.Join(n.ordererOrgDir(), "msp")
	return n.publish(d, msp, filepath.Join(n.ordererOrgDir(), "ca", "ca."+oo.Domain+"-cert.pem"),
		filepath.Join(n.ordererOrgDir(), "tlsca", "tlsca."+oo.Domain+"-cert.pem"))
}

// PublishOrg publishes a member org: MSP, peers (the first is its anchor
// peer) and its Fabric CA.
func (n *Net) PublishOrg(g *config.Org) error {
	d := &Definition{Name: g.Name, MSPID: g.MSPID, Host: g.Host, CAURL: "https://" + hostPort(g.Host, g.CA.Port)}
	for _, p := range g.Peers {
		d.Peers = append(d.Peers, Endpoint{Name: peerName(g, p), Address: hostPort(g.Host, p.Port)})
	}
	return n.publish(d, filepath.Join(n.orgDir(g), "msp"), n.orgCACert(g), n.orgTLSCA(g))
}

func copyFile(from, to string) error {
	b, err := os.ReadFile(from)
	if err != nil {
		return err
	}
	return writeFile(to, b)
}

// writeFile writes a public (0644) file, making its directory.
func writeFile(file string, b []byte) error {
	if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
		return err
	}
	return os.WriteFile(file, b, 0o644)
}
