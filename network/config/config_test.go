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
      host: 127.0.0.2
      orderers:
        - {name: orderer0, port: 7050, adminPort: 7053, opsPort: 9440}
    orgs:
      - name: org1
        mspId: Org1MSP
        domain: org1.example.com
        host: 127.0.0.3
        ca: {port: 7054, opsPort: 9450}
        peers:
          - {name: peer0, port: 7051, chaincodePort: 7052, opsPort: 9443}
        relay: {port: 7080}
    joining:
      - name: org3
        mspId: Org3MSP
        domain: org3.example.com
        host: 127.0.0.5
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
			"f.yaml: line 19: field prot not found in type config.CA"},
		{"duplicate port", "relay: {port: 7080}", "relay: {port: 7051}",
			"f.yaml: profiles.p.orgs[0].relay.port: port 7051 is also profiles.p.orgs[0].peers[0].port (both on 127.0.0.3)"},
		{"chaincode server port on a member's host", "relay: {port: 7080}", "relay: {port: 9999}",
			"f.yaml: profiles.p.orgs[0].relay.port: port 9999 is also profiles.p.chaincode.serverPort (both on 127.0.0.3)"},
		{"missing host", "\n        host: 127.0.0.3", "",
			"f.yaml: profiles.p.orgs[0].host: required (the IP address the org's nodes listen on, e.g. 127.0.0.3)"},
		{"host not an IP", "host: 127.0.0.3", "host: org1.example.com",
			`f.yaml: profiles.p.orgs[0].host: "org1.example.com" is not an IP address`},
		{"host shared with the orderer org", "host: 127.0.0.3", "host: 127.0.0.2",
			"f.yaml: profiles.p.orgs[0].host: 127.0.0.2 is also profiles.p.ordererOrg.host: each org has its own address"},
		{"joining org on a member's host", "host: 127.0.0.5", "host: 127.0.0.3",
			"f.yaml: profiles.p.joining[0].host: 127.0.0.3 is also profiles.p.orgs[0].host: each org has its own address"},
		{"joining org repeats a member's MSP id", "mspId: Org3MSP", "mspId: Org1MSP",
			`f.yaml: profiles.p.joining[0].mspId: "Org1MSP" is also profiles.p.orgs[0].mspId`},
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
		// A peer's process is <peer>.<org>, its cryptogen node <peer>: these
		// are the org's Fabric CA, relay and chaincode server.
		{"peer named ca", "{name: peer0, port: 7051", "{name: ca, port: 7051",
			`f.yaml: profiles.p.orgs[0].peers[0].name: "ca" is reserved (the org's ca, relay and chaincode server use it)`},
		{"peer named relay", "{name: peer0, port: 7051", "{name: relay, port: 7051",
			`f.yaml: profiles.p.orgs[0].peers[0].name: "relay" is reserved (the org's ca, relay and chaincode server use it)`},
		{"peer named chaincode", "{name: peer0, port: 7051", "{name: chaincode, port: 7051",
			`f.yaml: profiles.p.orgs[0].peers[0].name: "chaincode" is reserved (the org's ca, relay and chaincode server use it)`},
		// Every org, the orderer org too, has orgs/<name> and exchange/<name>.
		{"member org named like the orderer org", "- name: org1", "- name: orderer",
			`f.yaml: profiles.p.orgs[0].name: name "orderer" is also profiles.p.ordererOrg.name`},
		{"joining org named like the orderer org", "- name: org3", "- name: orderer",
			`f.yaml: profiles.p.joining[0].name: name "orderer" is also profiles.p.ordererOrg.name`},
		{"host as IPv4-mapped IPv6 of a member's", "host: 127.0.0.5", "host: \"::ffff:127.0.0.3\"",
			"f.yaml: profiles.p.joining[0].host: ::ffff:127.0.0.3 is also profiles.p.orgs[0].host: each org has its own address"},
		{"unspecified IPv4 host", "host: 127.0.0.5", "host: 0.0.0.0",
			"f.yaml: profiles.p.joining[0].host: 0.0.0.0 is the unspecified address (every address of the host): each org has its own address"},
		{"unspecified IPv6 host", "host: 127.0.0.2", "host: \"::\"",
			"f.yaml: profiles.p.ordererOrg.host: :: is the unspecified address (every address of the host): each org has its own address"},
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

func TestOffsetMovesEveryPortOnce(t *testing.T) {
	p, err := Parse("f.yaml", []byte(good), "p", 20000)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range p.Addrs() {
		if a.Port < 27000 {
			t.Errorf("%s = %d, not offset", a.Field, a.Port)
		}
	}
	// The chaincode server port is listed once per member host, offset once.
	if got := p.Chaincode.ServerPort; got != 29999 {
		t.Errorf("chaincode server port %d, want 29999", got)
	}
	if got := p.Joining[0].Peers[0].Port; got != 27051 {
		t.Errorf("joining peer port %d, want 27051", got)
	}
}

// Addrs are the founding members' and the orderer org's listeners on their
// own hosts; OrgAddrs one org's, joining or not.
func TestAddrsAreOnEachOrgsHost(t *testing.T) {
	p, err := Parse("f.yaml", []byte(good), "p", 0)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, a := range p.Addrs() {
		got[a.Field] = a.Host
	}
	want := map[string]string{"ordererOrg.orderers[0].port": "127.0.0.2", "orgs[0].peers[0].port": "127.0.0.3",
		"chaincode.serverPort": "127.0.0.3", "orgs[0].relay.port": "127.0.0.3"}
	for f, h := range want {
		if got[f] != h {
			t.Errorf("%s on %q, want %q", f, got[f], h)
		}
	}
	if _, ok := got["joining[0].peers[0].port"]; ok {
		t.Error("Addrs lists a joining org")
	}
	j := p.OrgAddrs(p.Joining[0])
	if len(j) != 7 || j[0].Host != "127.0.0.5" || j[0].Field != "chaincode.serverPort" {
		t.Errorf("OrgAddrs(org3) = %+v", j)
	}
}

func TestEndorsementPolicy(t *testing.T) {
	p := &Profile{Orgs: []*Org{{MSPID: "A"}, {MSPID: "B"}, {MSPID: "C"}}}
	for _, tc := range []struct{ in, policy, rule string }{
		{"majority", "/Channel/Application/Endorsement", "MAJORITY"},
		{"all", "/Channel/Application/Endorsement", "ALL"},
		{"any", "/Channel/Application/Endorsement", "ANY"},
		{"OR('A.member')", "OR('A.member')", "MAJORITY"},
	} {
		p.Chaincode.Endorsement = tc.in
		if got, rule := p.EndorsementPolicy(), p.EndorsementRule(); got != tc.policy || rule != tc.rule {
			t.Errorf("%s: got %s %s want %s %s", tc.in, got, rule, tc.policy, tc.rule)
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
