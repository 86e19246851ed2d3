//go:build integration

package integration

import (
	"bytes"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/qrsign/qrsign/network/cli"
	"github.com/qrsign/qrsign/network/netinfo"
)

// network/README.md's founding guide, run exactly as written on a state
// directory of its own: org1, org2 and the orderer org each make their own
// keys and exchange definitions, the orderer org creates the channel from
// them, the members join, approve and one commits; then each member's
// gateway commits a Ping, its relay answers and no org holds another's key.
// Its ports are the network under test's plus 100 (no port of the default
// profile is another's plus 100), or QRSIGN_FOUNDING_PORT_OFFSET.
func TestOperatorGuideFounding(t *testing.T) {
	offset := mustInfo(t).PortOffset + 100
	if v := os.Getenv("QRSIGN_FOUNDING_PORT_OFFSET"); v != "" {
		var err error
		if offset, err = strconv.Atoi(v); err != nil {
			t.Fatalf("QRSIGN_FOUNDING_PORT_OFFSET=%q: %v", v, err)
		}
	}
	state := filepath.Join(t.TempDir(), "founded")
	t.Cleanup(func() {
		var out bytes.Buffer
		if code := cli.Main([]string{"down", "--state", state}, &out, &out); code != 0 {
			t.Errorf("network down: exit %d\n%s", code, out.String())
		}
	})
	md, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := filepath.Abs("../../test-network.yaml")
	if err != nil {
		t.Fatal(err)
	}
	runGuide(t, map[string]string{"STATE": state, "CONFIG": cfg, "OFFSET": strconv.Itoa(offset)}, guideBlock(t, string(md), "found"))

	in, err := netinfo.Load(state)
	if err != nil {
		t.Fatal(err)
	}
	if len(in.Orgs) != 2 || in.ChaincodeSequence != 1 {
		t.Fatalf("founded network: %d orgs, chaincode sequence %d; want org1 and org2, sequence 1", len(in.Orgs), in.ChaincodeSequence)
	}
	for i := range in.Orgs {
		o := &in.Orgs[i]
		if err := ping(contract(t, in, o, 0)); err != nil {
			t.Errorf("Ping through %s's gateway: %v", o.Name, err)
		}
		if o.Relay == nil {
			t.Errorf("%s has no relay in network.json", o.Name)
		} else if err := healthy(o.Relay.URL); err != nil {
			t.Errorf("%s's relay: %v", o.Name, err)
		}
	}
	checkCustody(t, in)
}

// healthy fails unless the relay at url answers /healthz with 200.
func healthy(url string) error {
	resp, err := http.Get(url + "/healthz")
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s/healthz: %s", url, resp.Status)
	}
	return nil
}
