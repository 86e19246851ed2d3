package cluster

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/qrsign/qrsign/network/config"
	"github.com/qrsign/qrsign/network/netinfo"
	relayconfig "github.com/qrsign/qrsign/relay/config"
)

// The relay config written for an org with two peers lists both, the org's
// first peer preferred, and the relay reads it as such.
func TestRelayConfigListsEveryPeerOfTheOrgPreferredFirst(t *testing.T) {
	b, err := os.ReadFile("../../test-network.yaml")
	if err != nil {
		t.Fatal(err)
	}
	p, err := config.Parse("test-network.yaml", b, "redundant", 10000)
	if err != nil {
		t.Fatal(err)
	}
	state := t.TempDir()
	if err := os.MkdirAll(filepath.Join(state, "config"), 0o700); err != nil {
		t.Fatal(err)
	}
	n := &Net{P: p, State: state}
	// The relay config names the signer module BuildRelay puts in bin/; Load checks it is there.
	if err := os.MkdirAll(filepath.Join(state, "bin"), 0o700); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{n.signerWasm(), filepath.Join(state, "bin", "wasm_exec.js")} {
		if err := os.WriteFile(f, nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	o := &netinfo.Org{Name: "org1", MSPID: "Org1MSP",
		Peers: []netinfo.Node{{Name: "peer0.org1", Address: "127.0.0.1:17051", HostName: "localhost", TLSCACert: "/abs/tlsca.pem"},
			{Name: "peer1.org1", Address: "127.0.0.1:17151", HostName: "peer1.local", TLSCACert: "/abs/tlsca.pem"}},
		Client: netinfo.Identity{CertFile: "/abs/cert.pem", KeyFile: "/abs/key.pem"}, CA: netinfo.CA{URL: "https://127.0.0.1:17054"}}
	r, _, err := n.relayFiles(p.Orgs[0], o, "/abs/relay")
	if err != nil {
		t.Fatal(err)
	}
	c, err := relayconfig.Load(r.ConfigFile, []string{})
	if err != nil {
		t.Fatal(err)
	}
	want := []relayconfig.Peer{{Endpoint: "127.0.0.1:17051", ServerName: "localhost"}, {Endpoint: "127.0.0.1:17151", ServerName: "peer1.local"}}
	if c.SignerWasm != n.signerWasm() {
		t.Errorf("signerWasm %q, want %q", c.SignerWasm, n.signerWasm())
	}
	if got := c.Gateway.Peers(); !reflect.DeepEqual(got, want) || c.Gateway.Endpoint != "127.0.0.1:17051" {
		t.Fatalf("peers %v (endpoint %s), want %v", got, c.Gateway.Endpoint, want)
	}
}
