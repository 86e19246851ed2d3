package config

import (
	"os"
	"strings"
	"testing"
)

const good = `
profiles:
  p:
    channel: qrsign
    chaincode: {name: qrsign, version: "1.0", endorsement: majority, serverPort: 9999}
    blockCutting: {batchTimeout: 150ms, maxMessageCount: 100}
    ordererOrg:
      name: orderer
      mspId: OrdererMSP
      domain: example.com
      orderers:
        - {name: orderer0, port: 7050, adminPort: 7053, opsPort: 9440}
    orgs:
      - name: org1
        mspId: Org1MSP
        domain: org1.example.com
        ca: {port: 7054, opsPort: 9450}
        peers:
          - {name: peer0, port: 7051, chaincodePort: 7052, opsPort: 9443}
        relay: {port: 7080}
`

func TestParseRejectsBadFilesNamingTheField(t *testing.T) {
	tests := []struct {
		name, old, new, want string
	}{
		{"unknown key", "channel: qrsign", "channel: qrsign\n    colour: blue",
			"f.yaml: line 5: field colour not found in type config.Profile"},
		{"unknown nested key", "ca: {port: 7054", "ca: {prot: 1, port: 7054",
			"f.yaml: line 17: field prot not found in type config.CA"},
		{"duplicate port", "relay: {port: 7080}", "relay: {port: 7051}",
			"f.yaml: profiles.p.orgs[0].relay.port: port 7051 is also profiles.p.orgs[0].peers[0].port"},
		{"missing port", "adminPort: 7053, ", "",
			"f.yaml: profiles.p.ordererOrg.orderers[0].adminPort: required"},
		{"missing channel", "channel: qrsign", "",
			"f.yaml: profiles.p.channel: required"},
		{"missing msp id", "mspId: Org1MSP", "",
			"f.yaml: profiles.p.orgs[0].mspId: required"},
		{"bad endorsement", "endorsement: majority", "endorsement: most",
			`f.yaml: profiles.p.chaincode.endorsement: "most" is not majority, all, any or a signature policy (AND(...), OR(...), OutOf(...))`},
		{"zero batch timeout", "batchTimeout: 150ms", "batchTimeout: 0s",
			"f.yaml: profiles.p.blockCutting.batchTimeout: required (a positive duration such as 250ms)"},
		{"bad duration", "batchTimeout: 150ms", "batchTimeout: soon",
			`f.yaml: line 6: bad duration "soon"`},
		{"port out of range", "port: 7054", "port: 70540",
			"f.yaml: profiles.p.orgs[0].ca.port: 70540 is not a port (1-65535)"},
		{"no peers", "peers:\n          - {name: peer0, port: 7051, chaincodePort: 7052, opsPort: 9443}", "peers: []",
			"f.yaml: profiles.p.orgs[0].peers: at least one peer required"},
		{"msp id clash", "mspId: Org1MSP", "mspId: OrdererMSP",
			`f.yaml: profiles.p.orgs[0].mspId: "OrdererMSP" is also profiles.p.ordererOrg.mspId`},
		{"bad channel name", "channel: qrsign", "channel: QR_Sign",
			`f.yaml: profiles.p.channel: "QR_Sign" is not a valid channel name (lower case letters, digits, '.', '-')`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			src := strings.Replace(good, tc.old, tc.new, 1)
			if src == good {
				t.Fatalf("test edit %q not applied", tc.old)
			}
			_, err := Parse("f.yaml", []byte(src), "p", 0)
			if err == nil || err.Error() != tc.want {
				t.Fatalf("got  %v\nwant %s", err, tc.want)
			}
		})
	}
}

func TestParseNamesMissingProfile(t *testing.T) {
	_, err := Parse("f.yaml", []byte(good), "nope", 0)
	if want := "f.yaml: profiles.nope: no such profile"; err == nil || err.Error() != want {
		t.Fatalf("got %v, want %s", err, want)
	}
}

func TestOffsetMovesEveryPort(t *testing.T) {
	p, err := Parse("f.yaml", []byte(good), "p", 20000)
	if err != nil {
		t.Fatal(err)
	}
	for f, port := range p.Ports() {
		if port < 27000 {
			t.Errorf("%s = %d, not offset", f, port)
		}
	}
	if got := p.Orgs[0].Peers[0].Port; got != 27051 {
		t.Errorf("peer port %d, want 27051", got)
	}
}

func TestEndorsementPolicy(t *testing.T) {
	p := &Profile{Orgs: []*Org{{MSPID: "A"}, {MSPID: "B"}, {MSPID: "C"}}}
	for _, tc := range []struct{ in, want string }{
		{"majority", "OutOf(2,'A.peer','B.peer','C.peer')"},
		{"all", "OutOf(3,'A.peer','B.peer','C.peer')"},
		{"any", "OutOf(1,'A.peer','B.peer','C.peer')"},
		{"OR('A.member')", "OR('A.member')"},
	} {
		p.Chaincode.Endorsement = tc.in
		if got := p.EndorsementPolicy(); got != tc.want {
			t.Errorf("%s: got %s want %s", tc.in, got, tc.want)
		}
	}
}

// The shipped file must load in every profile.
func TestShippedProfilesAreValid(t *testing.T) {
	b, err := os.ReadFile("../../test-network.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"default", "redundant"} {
		p, err := Parse("test-network.yaml", b, name, 0)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if name == "redundant" && (len(p.OrdererOrg.Orderers) != 3 || len(p.Orgs[0].Peers) != 2) {
			t.Errorf("redundant profile is not redundant")
		}
	}
}
