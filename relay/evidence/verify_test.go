package evidence

import (
	"crypto/x509"
	"strings"
	"testing"
)

// failing is the first failed check of a report, as "name: detail".
func failing(r *Report) string {
	for _, c := range r.Checks {
		if !c.OK {
			return c.Name + ": " + c.Detail
		}
	}
	return ""
}

func TestVerifyFailsWith(t *testing.T) {
	golden := goldenBundle(t, "two-signers.json")
	doc := readFile(t, "two-signers.pdf")
	tx0 := golden.Transactions[0].TxID
	cases := []struct {
		name   string
		trust  func(tr *Trust)
		bundle func(b *Bundle)
		doc    []byte
		want   string // prefix of the first failure
	}{
		{"another document file", nil, nil, []byte("%PDF-1.7 other"),
			"document file: the file hashes to "},
		{"the orgs' roots swapped", func(tr *Trust) { tr.Orgs["Org1MSP"], tr.Orgs["Org2MSP"] = tr.Orgs["Org2MSP"], tr.Orgs["Org1MSP"] }, nil, doc,
			"tx " + tx0[:16] + " creator signature: untrusted: \"relay\" does not chain to a root of Org1MSP at "},
		{"no root for an endorsing org", func(tr *Trust) { delete(tr.Orgs, "Org2MSP") }, nil, doc,
			"tx " + tx0[:16] + " endorsements: endorsement 1: untrusted: no root was given for Org2MSP (given: Org1MSP)"},
		{"the orderer's root not given", func(tr *Trust) { tr.Orderers = nil }, nil, doc,
			"tx " + tx0[:16] + " block: orderer signature 0: untrusted: no root was given for OrdererMSP (given: none)"},
		{"an org's root given as the orderer's", func(tr *Trust) { tr.Orderers = map[string][]*x509.Certificate{"OrdererMSP": tr.Orgs["Org1MSP"]} }, nil, doc,
			"tx " + tx0[:16] + " block: orderer signature 0: untrusted: \"orderer0.example.com\" does not chain to a root of OrdererMSP at "},
		{"a policy of three orgs", func(tr *Trust) { tr.MinEndorsingOrgs = 3 }, nil, doc,
			"tx " + tx0[:16] + " endorsements: endorsed by 2 org(s) (Org1MSP, Org2MSP); the policy needs 3 of the 2 given"},
		{"another format", nil, func(b *Bundle) { b.Format = "qrsign-evidence/1" }, doc,
			`format: format "qrsign-evidence/1", want "qrsign-evidence/2"`},
		{"no endorsement policy given", func(tr *Trust) { tr.MinEndorsingOrgs = 0 }, nil, doc,
			"tx " + tx0[:16] + " endorsements: no endorsement policy given (Trust.MinEndorsingOrgs, --endorsing-orgs)"},
		{"another channel", nil, func(b *Bundle) { b.Channel = "other" }, doc,
			"tx " + tx0[:16] + ` envelope: envelope is of channel "qrsign", the bundle's is "other"`},
		{"a transaction left out", nil, func(b *Bundle) { b.Transactions, b.Blocks = b.Transactions[1:], b.Blocks[1:] }, doc,
			"events proven: event 0 names transaction " + tx0 + ", which is not proven in the bundle"},
		{"an event left out", nil, func(b *Bundle) { b.Events = b.Events[:3] }, doc,
			"events proven: transaction " + golden.Transactions[2].TxID + " wrote ev/" + golden.DocumentID + "/00000003, which the bundle leaves out"},
		{"the validation code", nil, func(b *Bundle) { b.Transactions[1].ValidationCode = "MVCC_READ_CONFLICT" }, doc,
			"tx " + golden.Transactions[1].TxID[:16] + ` validation code: validation code "MVCC_READ_CONFLICT"`},
		{"the entry of another transaction", nil, func(b *Bundle) {
			b.Transactions[0].BlockNumber, b.Transactions[0].TxIndex = b.Transactions[1].BlockNumber, b.Transactions[1].TxIndex
		}, doc, "tx " + tx0[:16] + " envelope: envelope is of transaction " + golden.Transactions[1].TxID},
		{"a block left out", nil, func(b *Bundle) { b.Blocks = b.Blocks[1:] }, doc,
			"tx " + tx0[:16] + " envelope: block " + itoa(golden.Transactions[0].BlockNumber) + " is not in the bundle"},
		{"a block listed twice", nil, func(b *Bundle) { b.Blocks = append(b.Blocks, b.Blocks[0]) }, doc,
			"tx " + tx0[:16] + " envelope: block " + itoa(golden.Transactions[0].BlockNumber) + " is listed twice"},
		{"blocks out of order", nil, func(b *Bundle) { b.Blocks[0], b.Blocks[1] = b.Blocks[1], b.Blocks[0] }, doc,
			"blocks: block " + itoa(golden.Blocks[0].Number) + " is listed after block " + itoa(golden.Blocks[1].Number)},
		{"a transaction listed twice", nil, func(b *Bundle) { b.Transactions = append(b.Transactions, b.Transactions[0]) }, doc,
			"tx " + tx0[:16] + ": transaction " + tx0 + " is listed twice"},
		{"a CA not named by any event", nil, func(b *Bundle) { b.CAs = append(b.CAs, CA{MSPID: "Org3MSP", Fingerprint: "00", CertPEM: "x"}) }, doc,
			"CA 2 Org3MSP: CA 00 of Org3MSP is named by no event"},
		{"the CRL left out", nil, func(b *Bundle) { b.CRLs = nil }, doc,
			`event 1 revocation: the CRL it froze (number "", thisUpdate `},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tr := goldenTrust(t)
			if c.trust != nil {
				c.trust(&tr)
			}
			b := goldenBundle(t, "two-signers.json")
			if c.bundle != nil {
				c.bundle(b)
			}
			r := Verify(b, tr, c.doc)
			if r.OK() {
				t.Fatal("verified")
			}
			if got := failing(r); !strings.HasPrefix(got, c.want) {
				t.Fatalf("first failure\n got  %s\n want %s…", got, c.want)
			}
		})
	}
}

func TestDecodeRefuses(t *testing.T) {
	good := string(readFile(t, "two-signers.json"))
	cases := []struct{ name, in, want string }{
		{"not JSON", "hello", "evidence bundle: invalid character 'h' looking for beginning of value"},
		{"an unknown top-level field", strings.Replace(good, `"format"`, `"note": "x", "format"`, 1),
			`evidence bundle: json: unknown field "note"`},
		{"a missing top-level field", strings.Replace(good, `"chaincode": "qrsign",`, "", 1),
			"evidence bundle: bundle lacks chaincode"},
		{"a null field", strings.Replace(good, `"format": "qrsign-evidence/2"`, `"format": null`, 1),
			"evidence bundle: bundle lacks format"},
		{"a missing txIndex (would read as 0)", strings.Replace(good, `"txIndex": 0,`, "", 1),
			"evidence bundle: transactions[0] lacks txIndex"},
		{"a missing block field", strings.Replace(good, `"headerHash"`, `"headerHashX"`, 1),
			`evidence bundle: json: unknown field "headerHashX"`},
		{"two bundles", good + good, "evidence bundle: data after the bundle"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Decode([]byte(c.in))
			if err == nil || err.Error() != c.want {
				t.Fatalf("got  %v\nwant %s", err, c.want)
			}
		})
	}
}

func BenchmarkVerify(b *testing.B) {
	bundle, trust, doc := goldenBundle(b, "two-signers.json"), goldenTrust(b), readFile(b, "two-signers.pdf")
	for b.Loop() {
		if !Verify(bundle, trust, doc).OK() {
			b.Fatal("does not verify")
		}
	}
}

func BenchmarkDecodeAndVerify(b *testing.B) {
	raw, trust, doc := readFile(b, "two-signers.json"), goldenTrust(b), readFile(b, "two-signers.pdf")
	b.SetBytes(int64(len(raw)))
	for b.Loop() {
		bundle, err := Decode(raw)
		if err != nil || !Verify(bundle, trust, doc).OK() {
			b.Fatal("does not verify", err)
		}
	}
}

// Any member of an org chains to its root; only its peers may endorse.
func TestEndorsementsMustComeFromPeers(t *testing.T) {
	golden := goldenBundle(t, "two-signers.json")
	env, err := b64(envOf(t, golden, 0), "envelope")
	if err != nil {
		t.Fatal(err)
	}
	tx, err := parseTx(env)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := checkEndorsements(tx, goldenTrust(t)); err != nil {
		t.Fatalf("the real endorsements: %v", err)
	}
	// The relay (OU client) as an endorser, with the first endorsement's signature.
	tx.Endorsements[0].Endorser = tx.Creator
	_, err = checkEndorsements(tx, goldenTrust(t))
	if want := `endorsement 0: "relay" of Org1MSP is not a peer (OU [client])`; err == nil || err.Error() != want {
		t.Fatalf("got  %v\nwant %s", err, want)
	}
}
