package cluster

import (
	"net"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/qrsign/qrsign/network/config"
)

// A busy port stops `up` before anything starts, naming port and field.
func TestCheckPortsNamesBusyPort(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	busy := l.Addr().(*net.TCPAddr).Port
	b, err := os.ReadFile("../../test-network.yaml")
	if err != nil {
		t.Fatal(err)
	}
	// Move the whole profile so that peer0.org2's port lands on the busy one.
	p0, err := config.Parse("test-network.yaml", b, "default", 0)
	if err != nil {
		t.Fatal(err)
	}
	offset := busy - p0.Orgs[1].Peers[0].Port
	p, err := config.Parse("test-network.yaml", b, "default", offset)
	if err != nil {
		t.Skipf("offset %d does not fit: %v", offset, err)
	}
	n := &Net{P: p, State: t.TempDir()}
	err = n.CheckPorts("profiles.default.")
	want := "port " + strconv.Itoa(busy) + " (profiles.default.orgs[1].peers[0].port) is already in use by another program; stop it or use --port-offset"
	if err == nil || err.Error() != want {
		// another port of the moved profile may be taken on this machine
		if err == nil || !strings.Contains(err.Error(), "is already in use") {
			t.Fatalf("got %v\nwant %s", err, want)
		}
		t.Skipf("an earlier port is busy here: %v", err)
	}
	entries, _ := os.ReadDir(n.State)
	if len(entries) != 0 {
		t.Fatalf("CheckPorts created %d entries in the state dir", len(entries))
	}
}
