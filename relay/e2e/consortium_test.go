//go:build integration

package e2e

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hyperledger/fabric-gateway/pkg/client"

	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/network/cli"
	"github.com/qrsign/qrsign/network/netinfo"
)

// A real consortium change on the running network: `network org add org3`
// (a channel update signed by a majority of member admins), signers of org3
// and org1 sign each other's documents; `network org remove org3`; then
// org3's relay can no longer write (the callback is refused, nothing is
// recorded) while what org3's signer signed before still verifies:
// VerifyRecord on the ledger, `qrsign verify` and `qrsign verify-evidence`
// offline with org3's CA certificate.
func TestConsortiumAddSignAcrossRemoveVerify(t *testing.T) {
	e := setup(t)
	if _, err := e.info.Org("org3"); err == nil {
		t.Fatal("org3 is a member already: run on a network brought up without it")
	}
	block, took := orgChange(t, e.info, "add", "org3")
	t.Logf("measure: network org add org3: %v, took effect at configuration block %d", took, block)

	e.info = reload(t)
	e.org = mustOrg(t, e.info, e.org.Name)
	org3 := &env{info: e.info, org: mustOrg(t, e.info, "org3"), http: e.http}
	if org3.org.Relay == nil {
		t.Fatal("network.json has no relay for org3 after org add")
	}

	// Across orgs, both ways.
	carol, alice := org3.enroll(t, "carol"), e.enroll(t, "alice")
	docOf1 := e.upload(t, "Org1's, signed by org3", content("o1"), []*signer{carol}, []int{1})
	_, qr := docOf1.link(t, carol)
	carolURL := e.scanQR(t, qr)
	if res, cb := carol.scan(t, "scan", carolURL); cb == nil || cb.DocumentStatus != "COMPLETED" {
		t.Fatalf("org3's carol signs org1's document: exit %d %+v\n%s", res.code, cb, res.stderr)
	}
	docOf3 := org3.upload(t, "Org3's, signed by org1", content("o3"), []*signer{alice}, []int{1})
	_, qr = docOf3.link(t, alice)
	if res, cb := alice.scan(t, "scan", org3.scanQR(t, qr)); cb == nil || cb.DocumentStatus != "COMPLETED" {
		t.Fatalf("org1's alice signs org3's document: exit %d %+v\n%s", res.code, cb, res.stderr)
	}
	// Awaiting a signature through org3's relay when org3 leaves.
	pending := org3.upload(t, "Org3's, pending", content("o3p"), []*signer{alice}, []int{1})
	_, qr = pending.link(t, alice)
	pendingURL := org3.scanQR(t, qr)
	bundle, _ := e.fetchEvidence(t, docOf1.Document.ID)

	block, took = orgChange(t, e.info, "remove", "org3")
	t.Logf("measure: network org remove org3: %v, took effect at configuration block %d", took, block)
	after := reload(t)
	if _, err := after.Org("org3"); err == nil {
		t.Fatal("network.json still lists org3 as a member")
	}

	// org3's relay and peer still run, but the channel no longer admits them.
	// The refusal is permanent and says so (403 ORG_NOT_MEMBER), not 503 retry-later.
	if res, cb := alice.scan(t, "scan", pendingURL); cb != nil || res.code == 0 {
		t.Fatalf("a callback through removed org3's relay was accepted: exit %d %+v", res.code, cb)
	} else if !strings.Contains(res.stderr, "ORG_NOT_MEMBER") || !strings.Contains(res.stderr, "HTTP 403") || strings.Contains(res.stderr, "503") {
		t.Fatalf("callback through org3's relay after removal: exit %d, want one 403 ORG_NOT_MEMBER:\n%s", res.code, res.stderr)
	} else {
		t.Logf("callback through org3's relay after removal: exit %d: %s", res.code, strings.TrimSpace(res.stderr))
	}
	c := contract(t, after, mustOrg(t, after, "org1"))
	var h model.History
	evaluate(t, c, &h, "GetHistory", pending.Document.ID)
	if len(h.Events) != 1 || h.Events[0].Type != model.EventDocumentRegistered {
		t.Fatalf("the refused callback left events %+v", h.Events)
	}

	// What org3's signer signed before still verifies.
	var rep model.VerifyReport
	evaluate(t, c, &rep, "VerifyRecord", docOf1.Document.ID)
	if !rep.OK {
		t.Fatalf("VerifyRecord of org3's earlier signature after removal: %+v", rep)
	}
	v := run(t, "", "verify", docOf1.Document.ID, "--relay", e.org.Relay.URL, "--token", carolURL,
		"--ca-cert", e.org.MSPID+"="+e.org.CA.CACertFile, "--ca-cert", org3.org.MSPID+"="+org3.org.CA.CACertFile,
		"--channel", e.info.Channel)
	if v.code != 0 || !strings.Contains(v.stdout, "VERIFIED") {
		t.Fatalf("qrsign verify after org3 left: exit %d\n%s%s", v.code, v.stdout, v.stderr)
	}
	bf := filepath.Join(t.TempDir(), "bundle.json")
	if err := os.WriteFile(bf, bundle, 0o644); err != nil {
		t.Fatal(err)
	}
	r := e.roots(t) // the three members of the time the signatures were made
	res := run(t, "", append([]string{"verify-evidence", bf}, r.args()...)...)
	if res.code != 0 || !strings.Contains(res.stdout, "VERIFIED") {
		t.Fatalf("verify-evidence after org3 left: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
}

var changedAt = regexp.MustCompile(`at configuration block (\d+)`)

// orgChange runs `network org add|remove ORG` on the network under test.
func orgChange(t *testing.T, in *netinfo.Info, verb, org string) (uint64, time.Duration) {
	t.Helper()
	var out, errOut bytes.Buffer
	start := time.Now()
	if code := cli.Main([]string{"org", verb, org, "--state", in.StateDir}, &out, &errOut); code != 0 {
		t.Fatalf("network org %s %s: exit %d\n%s\n%s", verb, org, code, out.String(), errOut.String())
	}
	took := time.Since(start)
	m := changedAt.FindAllStringSubmatch(out.String(), -1)
	if len(m) == 0 {
		t.Fatalf("network org %s %s names no configuration block:\n%s", verb, org, out.String())
	}
	n, _ := strconv.ParseUint(m[len(m)-1][1], 10, 64)
	return n, took
}

func reload(t *testing.T) *netinfo.Info {
	t.Helper()
	in, err := netinfo.FromEnv()
	if err != nil {
		t.Fatal(err)
	}
	return in
}

func mustOrg(t *testing.T, in *netinfo.Info, name string) *netinfo.Org {
	t.Helper()
	o, err := in.Org(name)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// contract dials the org's first peer as its relay's client identity.
func contract(t *testing.T, in *netinfo.Info, o *netinfo.Org) *client.Contract {
	t.Helper()
	conn, gw, err := o.Dial(o.Client, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { gw.Close(); conn.Close() })
	return gw.GetNetwork(in.Channel).GetContract(in.Chaincode)
}

func evaluate(t *testing.T, c *client.Contract, into any, fn string, args ...string) {
	t.Helper()
	b, err := c.EvaluateTransaction(fn, args...)
	if err != nil {
		t.Fatalf("%s: %v", fn, err)
	}
	if err := json.Unmarshal(b, into); err != nil {
		t.Fatalf("%s: %v: %s", fn, err, b)
	}
}
