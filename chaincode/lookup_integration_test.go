//go:build integration

package main

import (
	"encoding/json"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/qrsign/qrsign/chaincode/model"
)

// An auditor with only a peer finds a document by its bytes and by a
// transaction id with Fabric's own CLI (the commands chaincode/README.md shows).
func TestIntegrationPeerCLILookup(t *testing.T) {
	it := setup(t)
	id := "lookup-" + randHex(8)
	res := it.registerDoc(id, model.SignerSpec{ID: "nobody-" + randHex(4), MSPID: it.org.MSPID, RoutingOrder: 1})
	env, err := it.info.PeerEnv(it.org.Peers[0].Name)
	if err != nil {
		t.Fatal(err)
	}
	query := func(args ...string) model.Page {
		t.Helper()
		b, _ := json.Marshal(map[string][]string{"Args": args})
		cmd := exec.Command(filepath.Join(it.info.BinDir, "peer"), "chaincode", "query", "-C", it.info.Channel, "-n", it.info.Chaincode,
			"--tls", "--cafile", it.org.Peers[0].TLSCACert, "-c", string(b))
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("peer chaincode query %v: %v\n%s", args, err, out)
		}
		var p model.Page
		if err := json.Unmarshal(out, &p); err != nil {
			t.Fatalf("peer chaincode query %v: %v\n%s", args, err, out)
		}
		return p
	}
	sha, tx := res.Document.SHA256, res.Events[0].TxID
	for name, p := range map[string]model.Page{
		"ListByHash": query("ListByHash", `{"sha256":"`+sha+`"}`),
		"ListByTx":   query("ListByTx", tx),
	} {
		if len(p.Records) != 1 || p.Records[0].ID != id || p.Records[0].CreatedTxID != tx {
			t.Errorf("%s: %+v", name, p)
		}
	}
	if p := query("ListByHash", `{"sha256":"`+randHex(32)+`"}`); len(p.Records) != 0 {
		t.Errorf("unknown hash: %+v", p)
	}
}
