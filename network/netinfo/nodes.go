package netinfo

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/qrsign/qrsign/network/proc"
)

// Node returns the orderer, peer or chaincode server with that name.
func (in *Info) Node(name string) (*Node, error) {
	for i := range in.Orderers {
		if in.Orderers[i].Name == name {
			return &in.Orderers[i], nil
		}
	}
	for i := range in.Orgs {
		for j := range in.Orgs[i].Peers {
			if in.Orgs[i].Peers[j].Name == name {
				return &in.Orgs[i].Peers[j], nil
			}
		}
		if cs := in.Orgs[i].ChaincodeServer; cs != nil && cs.Name == name {
			return cs, nil
		}
	}
	return nil, fmt.Errorf("netinfo: no node %q", name)
}

// Process returns the saved command line of a node (any process of the
// network: orderer0, peer0.org1, ca.org1, chaincode, relay.org1).
func (in *Info) Process(name string) (*proc.Spec, error) {
	return proc.Load(in.RunDir, name)
}

// Kill sends sig (e.g. syscall.SIGKILL) to a running node, as an operator:
// a node it ends stays down, unsupervised, until StartNode (proc.Spec.Signal).
func (in *Info) Kill(name string, sig syscall.Signal) error {
	s, err := in.Process(name)
	if err != nil {
		return err
	}
	return s.Signal(sig)
}

// Crash SIGKILLs a running node as a fault would: the supervisor starts it
// again by itself.
func (in *Info) Crash(name string) error {
	s, err := in.Process(name)
	if err != nil {
		return err
	}
	return s.Crash()
}

// StartNode starts a stopped node from its saved command line and waits until
// its main port accepts connections.
func (in *Info) StartNode(name string) error {
	s, err := in.Process(name)
	if err != nil {
		return err
	}
	if s.PID() != 0 {
		return nil
	}
	if _, err := s.Start(); err != nil {
		return err
	}
	if len(s.Ports) == 0 {
		return nil
	}
	return proc.WaitPort(s, s.Ports[0], 60*time.Second)
}

// OrgOfPeer returns the org a peer belongs to.
func (in *Info) OrgOfPeer(peer string) (*Org, error) {
	for i := range in.Orgs {
		for _, p := range in.Orgs[i].Peers {
			if p.Name == peer {
				return &in.Orgs[i], nil
			}
		}
	}
	return nil, fmt.Errorf("netinfo: no peer %q", peer)
}

// PeerEnv is the environment for the peer CLI acting as the org admin against peer.
func (in *Info) PeerEnv(peer string) ([]string, error) {
	o, err := in.OrgOfPeer(peer)
	if err != nil {
		return nil, err
	}
	n, _ := in.Node(peer)
	return append(os.Environ(),
		"FABRIC_CFG_PATH="+in.ConfigDir,
		"FABRIC_LOGGING_SPEC=warn",
		"CORE_PEER_TLS_ENABLED=true",
		"CORE_PEER_LOCALMSPID="+o.MSPID,
		"CORE_PEER_MSPCONFIGPATH="+o.Admin.MSPDir,
		"CORE_PEER_ADDRESS="+n.Address,
		"CORE_PEER_TLS_ROOTCERT_FILE="+n.TLSCACert,
	), nil
}

// BlockHeight asks one peer (by name) for its height on the channel
// (`peer channel getinfo`, as the org admin).
func (in *Info) BlockHeight(peer string) (uint64, error) {
	env, err := in.PeerEnv(peer)
	if err != nil {
		return 0, err
	}
	cmd := exec.Command(filepath.Join(in.BinDir, "peer"), "channel", "getinfo", "-c", in.Channel)
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	if err != nil {
		return 0, fmt.Errorf("peer channel getinfo on %s: %w: %s", peer, err, strings.TrimSpace(string(out)))
	}
	s := string(out)
	i := strings.Index(s, "{")
	if i < 0 {
		return 0, fmt.Errorf("peer channel getinfo on %s: no JSON in %q", peer, s)
	}
	var bi struct {
		Height uint64 `json:"height"`
	}
	if err := json.NewDecoder(strings.NewReader(s[i:])).Decode(&bi); err != nil {
		return 0, fmt.Errorf("peer channel getinfo on %s: %w", peer, err)
	}
	return bi.Height, nil
}

// OrdererHeight asks an orderer's admin endpoint (osnadmin channel list) for
// its height on the channel.
func (in *Info) OrdererHeight(name string) (uint64, error) {
	o, err := in.Node(name)
	if err != nil {
		return 0, err
	}
	if in.OrdererAdminTLS == nil || o.AdminAddr == "" {
		return 0, fmt.Errorf("netinfo: %s: no admin endpoint", name)
	}
	cmd := exec.Command(filepath.Join(in.BinDir, "osnadmin"), "channel", "list", "--channelID", in.Channel,
		"-o", o.AdminAddr, "--ca-file", o.TLSCACert,
		"--client-cert", in.OrdererAdminTLS.CertFile, "--client-key", in.OrdererAdminTLS.KeyFile)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return 0, fmt.Errorf("osnadmin channel list on %s: %w: %s", name, err, strings.TrimSpace(string(out)))
	}
	s := string(out)
	i := strings.Index(s, "{")
	if i < 0 {
		return 0, fmt.Errorf("osnadmin channel list on %s: no JSON in %q", name, s)
	}
	var ci struct {
		Height uint64 `json:"height"`
	}
	if err := json.NewDecoder(strings.NewReader(s[i:])).Decode(&ci); err != nil {
		return 0, fmt.Errorf("osnadmin channel list on %s: %w", name, err)
	}
	return ci.Height, nil
}
