package cluster

import (
	"net"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/qrsign/qrsign/network/config"
)

// A busy port stops `up` before anything starts, naming the port, its field
// and the process holding it.
func TestCheckPortsNamesBusyPort(t *testing.T) {
	b, err := os.ReadFile("../../test-network.yaml")
	if err != nil {
		t.Fatal(err)
	}
	p, err := config.Parse("test-network.yaml", b, "default", 0)
	if err != nil {
		t.Fatal(err)
	}
	// Move every port to one that is free right now, then hold peer0.org2's
	// on org2's own address.
	for _, ref := range portRefs(p) {
		*ref = freePort(t)
	}
	at := net.JoinHostPort(p.Orgs[1].Host, strconv.Itoa(p.Orgs[1].Peers[0].Port))
	l, err := net.Listen("tcp", at)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	n := &Net{P: p, State: t.TempDir()}
	err = n.CheckPorts("profiles.default.", p.Addrs())
	want := at + " (profiles.default.orgs[1].peers[0].port) is already in use by pid " +
		strconv.Itoa(os.Getpid()) + " ("
	if err == nil || !strings.HasPrefix(err.Error(), want) || !strings.HasSuffix(err.Error(), "); stop it or use --port-offset") {
		t.Fatalf("got %v\nwant %s...); stop it or use --port-offset", err, want)
	}
	entries, _ := os.ReadDir(n.State)
	if len(entries) != 0 {
		t.Fatalf("CheckPorts created %d entries in the state dir", len(entries))
	}
}

func portRefs(p *config.Profile) []*int {
	r := []*int{&p.Chaincode.ServerPort}
	for _, o := range p.OrdererOrg.Orderers {
		r = append(r, &o.Port, &o.AdminPort, &o.OpsPort)
	}
	for _, g := range p.Orgs {
		r = append(r, &g.CA.Port, &g.CA.OpsPort, &g.Relay.Port)
		for _, pe := range g.Peers {
			r = append(r, &pe.Port, &pe.ChaincodePort, &pe.OpsPort)
		}
	}
	return r
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
