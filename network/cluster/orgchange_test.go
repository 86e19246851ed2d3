package cluster

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/hyperledger/fabric-config/configtx"
	cb "github.com/hyperledger/fabric-protos-go-apiv2/common"
	"google.golang.org/protobuf/proto"

	"github.com/qrsign/qrsign/network/config"
)

func testNet(t *testing.T, founding, joining []string) *Net {
	p := &config.Profile{Channel: "qrsign"}
	for _, name := range founding {
		p.Orgs = append(p.Orgs, &config.Org{Name: name, MSPID: name + "MSP", Domain: name + ".example.com"})
	}
	for _, name := range joining {
		p.Joining = append(p.Joining, &config.Org{Name: name, MSPID: name + "MSP", Domain: name + ".example.com"})
	}
	state := t.TempDir()
	os.MkdirAll(filepath.Join(state, "channel"), 0o755)
	return &Net{P: p, State: state}
}

func names(orgs []*config.Org) []string {
	var out []string
	for _, g := range orgs {
		out = append(out, g.Name)
	}
	return out
}

// A majority of the current members' admins sign; the org leaving signs
// only when the others are too few.
func TestAdminQuorum(t *testing.T) {
	for _, tc := range []struct {
		founding []string
		joined   []string
		skip     string
		want     []string
	}{
		{[]string{"org1", "org2"}, nil, "", []string{"org1", "org2"}},
		{[]string{"org1", "org2"}, []string{"org3"}, "", []string{"org1", "org2"}},
		{[]string{"org1", "org2"}, []string{"org3"}, "org1", []string{"org2", "org3"}},
		{[]string{"org1", "org2"}, nil, "org2", []string{"org1", "org2"}},
		{[]string{"org1", "org2", "org4", "org5"}, nil, "org1", []string{"org2", "org4", "org5"}},
	} {
		n := testNet(t, tc.founding, tc.joined)
		n.M.Joined = tc.joined
		if got := names(n.adminQuorum(tc.skip)); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%v+%v skip %q: %v, want %v", tc.founding, tc.joined, tc.skip, got, tc.want)
		}
	}
}

// Members follow the submitted config: founding orgs it lacks are removed,
// joining orgs it has are joined; the record survives a reload.
func TestRecordMembersFromConfig(t *testing.T) {
	n := testNet(t, []string{"org1", "org2"}, []string{"org3", "org4"})
	app := &cb.ConfigGroup{Groups: map[string]*cb.ConfigGroup{"org1MSP": {}, "org3MSP": {}}}
	cfg := &cb.Config{ChannelGroup: &cb.ConfigGroup{Groups: map[string]*cb.ConfigGroup{"Application": app}}}
	if err := n.recordMembers(cfg); err != nil {
		t.Fatal(err)
	}
	if got := names(n.members()); !reflect.DeepEqual(got, []string{"org1", "org3"}) {
		t.Fatalf("members %v", got)
	}
	m, err := n.LoadMembership()
	if err != nil || !reflect.DeepEqual(m, Membership{Joined: []string{"org3"}, Removed: []string{"org2"}}) {
		t.Fatalf("membership.json %+v %v", m, err)
	}
}

// An update collects one signature per admin that signs it; anything that
// is not an update is refused naming the file.
func TestSignUpdateAddsSignatures(t *testing.T) {
	n := testNet(t, []string{"org1", "org2"}, nil)
	for _, g := range n.P.Orgs {
		writeAdmin(t, n, g)
	}
	file := filepath.Join(n.State, "channel", "x.update")
	upd, err := proto.Marshal(&cb.ConfigUpdate{ChannelId: "qrsign"})
	if err != nil {
		t.Fatal(err)
	}
	env, err := configtx.NewEnvelope(upd)
	if err != nil {
		t.Fatal(err)
	}
	if err := writeProto(file, env); err != nil {
		t.Fatal(err)
	}
	for _, g := range n.P.Orgs {
		if err := n.SignUpdate(g, file); err != nil {
			t.Fatal(err)
		}
	}
	_, _, cue, err := readUpdate(file)
	if err != nil {
		t.Fatal(err)
	}
	if len(cue.Signatures) != 2 || string(cue.ConfigUpdate) != string(upd) {
		t.Fatalf("%d signatures over %q", len(cue.Signatures), cue.ConfigUpdate)
	}
	bad := filepath.Join(n.State, "channel", "bad.update")
	os.WriteFile(bad, []byte("not a protobuf envelope at all"), 0o644)
	if err := n.SignUpdate(n.P.Orgs[0], bad); err == nil {
		t.Fatal("signed a file that is not an update")
	}
	if err := writeProto(bad, &cb.Envelope{}); err != nil {
		t.Fatal(err)
	}
	if err := n.SignUpdate(n.P.Orgs[0], bad); err == nil || err.Error() != bad+": not a channel configuration update" {
		t.Fatalf("got %v", err)
	}
}

// writeAdmin makes a self-signed admin identity where cryptogen puts it.
func writeAdmin(t *testing.T, n *Net, g *config.Org) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Admin@" + g.Domain},
		NotBefore: time.Unix(0, 0), NotAfter: time.Unix(0, 0).AddDate(200, 0, 0)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	k8, _ := x509.MarshalPKCS8PrivateKey(key)
	dir := n.orgAdminMSP(g)
	os.MkdirAll(filepath.Join(dir, "signcerts"), 0o755)
	os.MkdirAll(filepath.Join(dir, "keystore"), 0o700)
	os.WriteFile(filepath.Join(dir, "signcerts", "Admin@"+g.Domain+"-cert.pem"), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644)
	os.WriteFile(filepath.Join(dir, "keystore", "priv_sk"), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: k8}), 0o600)
}
