package evidence

import (
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/hyperledger/fabric-protos-go-apiv2/common"
	"github.com/hyperledger/fabric-protos-go-apiv2/ledger/rwset/kvrwset"
	"github.com/hyperledger/fabric-protos-go-apiv2/peer"
	"google.golang.org/protobuf/proto"

	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/chaincode/testpki"
)

// The last event's transaction is proven valid only by the freshness
// witness: validation codes are the committing peer's unsigned word.
func TestTheLastTransactionNeedsTheWitness(t *testing.T) {
	golden := goldenBundle(t, "two-signers.json")
	doc := readFile(t, "two-signers.pdf")
	last := golden.Transactions[2]
	prev := golden.Transactions[1]
	key := docKey(golden.DocumentID)
	cases := []struct {
		name   string
		trust  func(*Trust)
		bundle func(*Bundle)
		want   string // the failing check, or with ok the detail's prefix
		ok     bool
	}{
		{"no witness", nil, func(b *Bundle) { b.Witness = "" },
			"last transaction validity: no freshness witness: that transaction " + last.TxID + " is VALID and the last is only the committing peer's (unsigned) word", false},
		{"no witness, the peer's word accepted", func(tr *Trust) { tr.AcceptUnwitnessed = true }, func(b *Bundle) { b.Witness = "" },
			"UNPROVEN (peer's word): no freshness witness; the last transaction " + last.TxID[:16], true},
		// The relay's trick: an earlier transaction presented as the last
		// (as a void marked MVCC_READ_CONFLICT would be, its write never
		// applied). The endorsers' state has a later write: the witness
		// pins it, not the presented one.
		{"a history cut before its last transaction", nil, func(b *Bundle) {
			b.Events, b.Transactions, b.Blocks = b.Events[:2], b.Transactions[:2], b.Blocks[:2]
		}, fmt.Sprintf("last transaction validity: witness: read %s at {%d, %d}, not at {%d, %d} where the last transaction %s wrote it", key,
			last.BlockNumber, last.TxIndex, prev.BlockNumber, prev.TxIndex, prev.TxID), false},
		{"the witness of another document", nil, func(b *Bundle) { b.Witness = goldenBundle(t, "declined.json").Witness },
			"last transaction validity: witness: did not read " + key, false},
		{"a witness endorsed by one org", func(tr *Trust) { tr.MinEndorsingOrgs = 2 }, func(b *Bundle) {
			b.Witness = rewrap(t, b.Witness, func(cap *peer.ChaincodeActionPayload) {
				cap.Action.Endorsements = cap.Action.Endorsements[:1]
			})
		}, "last transaction validity: witness: endorsed by 1 org(s)", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tr := goldenTrust(t)
			if c.trust != nil {
				c.trust(&tr)
			}
			b := goldenBundle(t, "two-signers.json")
			c.bundle(b)
			d := doc
			if len(b.Events) < len(golden.Events) {
				d = nil
			}
			r := Verify(b, tr, d)
			if c.ok {
				if !r.OK() {
					t.Fatalf("failures: %+v", r.Failures())
				}
				for _, ch := range r.Checks {
					if ch.Name == "last transaction validity" && strings.HasPrefix(ch.Detail, c.want) {
						return
					}
				}
				t.Fatalf("no check says %q: %+v", c.want, r.Checks)
			}
			if got := failing(r); r.OK() || !strings.HasPrefix(got, c.want) {
				t.Fatalf("first failure\n got  %s\n want %s…", got, c.want)
			}
		})
	}
}

// rewrap re-encodes a base64 envelope after changing its action payload.
func rewrap(tb testing.TB, b64env string, change func(*peer.ChaincodeActionPayload)) string {
	tb.Helper()
	raw, _ := base64.StdEncoding.DecodeString(b64env)
	var env common.Envelope
	var p common.Payload
	var trx peer.Transaction
	var cap peer.ChaincodeActionPayload
	must(tb, proto.Unmarshal(raw, &env), proto.Unmarshal(env.Payload, &p), proto.Unmarshal(p.Data, &trx),
		proto.Unmarshal(trx.Actions[0].Payload, &cap))
	change(&cap)
	trx.Actions[0].Payload = marshal(tb, &cap)
	p.Data = marshal(tb, &trx)
	env.Payload = marshal(tb, &p)
	return base64.StdEncoding.EncodeToString(marshal(tb, &env))
}

func must(tb testing.TB, errs ...error) {
	tb.Helper()
	for _, err := range errs {
		if err != nil {
			tb.Fatal(err)
		}
	}
}

func marshal(tb testing.TB, m proto.Message) []byte {
	tb.Helper()
	b, err := proto.Marshal(m)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// Each transaction must have read doc/<id> where the previous one wrote it
// (the first: absent), so no valid transaction is left out in between and
// the order is the ledger's.
func TestTheTransactionsChainByReadVersions(t *testing.T) {
	b := goldenBundle(t, "two-signers.json")
	txs := map[string]*tx{}
	for i := range b.Transactions {
		tr, err := checkEnvelope(b, &b.Transactions[i])
		if err != nil {
			t.Fatal(err)
		}
		txs[b.Transactions[i].TxID] = tr
	}
	events, _, err := checkEvents(b, txs)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := checkReadChain(b, events, txs); err != nil {
		t.Fatalf("the golden chain: %v", err)
	}
	key := docKey(b.DocumentID)
	t0, t1, t2 := b.Transactions[0], b.Transactions[1], b.Transactions[2]
	// The first transaction left out: the history starts at a transaction that read a version.
	_, err = checkReadChain(b, events[1:], txs)
	if want := fmt.Sprintf("transaction %s (event 1) read %s at {%d, %d}; the first must read it absent", t1.TxID, key, t0.BlockNumber,
		t0.TxIndex); err == nil || err.Error() != want {
		t.Fatalf("got  %v\nwant %s", err, want)
	}
	// A transaction claimed at another position than where it committed.
	b.Transactions[1].BlockNumber = 99
	_, err = checkReadChain(b, events, txs)
	if want := fmt.Sprintf("transaction %s (event 2) read %s at {%d, %d}, not at {99, %d} where transaction %s wrote it", t2.TxID, key,
		t1.BlockNumber, t1.TxIndex, t1.TxIndex, t1.TxID); err == nil || err.Error() != want {
		t.Fatalf("got  %v\nwant %s", err, want)
	}
	// A transaction that did not read the document.
	txs[t2.TxID].Reads = []*kvrwset.KVRead{{Key: "other"}}
	b.Transactions[1].BlockNumber = t1.BlockNumber
	_, err = checkReadChain(b, events, txs)
	if want := fmt.Sprintf("transaction %s (event 2) did not read %s", t2.TxID, key); err == nil || err.Error() != want {
		t.Fatalf("got  %v\nwant %s", err, want)
	}
}

// An endorsement is bound to its proposal as Fabric's validator binds it:
// re-wrapping another proposal's endorsed response (another channel,
// another creator, another nonce) under this transaction's headers fails.
func TestEndorsementsAreBoundToTheProposal(t *testing.T) {
	golden := goldenBundle(t, "two-signers.json")
	other := goldenBundle(t, "declined.json")
	var otherCAP peer.ChaincodeActionPayload
	{
		raw, _ := base64.StdEncoding.DecodeString(envOf(t, other, 0))
		var env common.Envelope
		var p common.Payload
		var trx peer.Transaction
		must(t, proto.Unmarshal(raw, &env), proto.Unmarshal(env.Payload, &p), proto.Unmarshal(p.Data, &trx),
			proto.Unmarshal(trx.Actions[0].Payload, &otherCAP))
	}
	cases := []struct {
		name   string
		change func(*peer.ChaincodeActionPayload)
		want   string
	}{
		{"another proposal's endorsed response", func(c *peer.ChaincodeActionPayload) { c.Action = otherCAP.Action },
			"the endorsed proposal hash "},
		{"another proposal payload", func(c *peer.ChaincodeActionPayload) { c.ChaincodeProposalPayload = otherCAP.ChaincodeProposalPayload },
			"the endorsed proposal hash "},
		{"a transient map", func(c *peer.ChaincodeActionPayload) {
			var cpp peer.ChaincodeProposalPayload
			must(t, proto.Unmarshal(c.ChaincodeProposalPayload, &cpp))
			cpp.TransientMap = map[string][]byte{"k": []byte("v")}
			c.ChaincodeProposalPayload = marshal(t, &cpp)
		}, "the chaincode proposal payload carries a transient map"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b := goldenBundle(t, "two-signers.json")
			setEnv(t, b, 0, rewrap(t, envOf(t, b, 0), c.change))
			_, err := checkEnvelope(b, &b.Transactions[0])
			if err == nil || !strings.HasPrefix(err.Error(), c.want) {
				t.Fatalf("got  %v\nwant %s…", err, c.want)
			}
		})
	}
	// The action's signature header must be the transaction's.
	raw, _ := base64.StdEncoding.DecodeString(envOf(t, golden, 0))
	var env common.Envelope
	var p common.Payload
	var trx peer.Transaction
	must(t, proto.Unmarshal(raw, &env), proto.Unmarshal(env.Payload, &p), proto.Unmarshal(p.Data, &trx))
	var sh common.SignatureHeader
	must(t, proto.Unmarshal(trx.Actions[0].Header, &sh))
	sh.Nonce = append([]byte{1}, sh.Nonce...)
	trx.Actions[0].Header = marshal(t, &sh)
	p.Data = marshal(t, &trx)
	env.Payload = marshal(t, &p)
	setEnv(t, golden, 0, base64.StdEncoding.EncodeToString(marshal(t, &env)))
	if _, err := checkEnvelope(golden, &golden.Transactions[0]); err == nil || err.Error() != "the action's signature header is not the transaction's" {
		t.Fatalf("got %v", err)
	}
}

// A transaction's write at ev/<doc>/k proves event k only if event k names
// that transaction.
func TestAWriteProvesOnlyTheEventThatNamesItsTransaction(t *testing.T) {
	at := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	ev := func(seq int, txID, title string) []byte {
		e := model.Event{Type: model.EventDocumentRegistered, DocumentID: "d", Seq: seq, TxID: txID, Timestamp: at,
			Registered: &model.DocumentRegistered{OwnerMSP: title}}
		b, _ := json.Marshal(e)
		return b
	}
	e0, e1 := ev(0, "a", "first"), ev(1, "b", "second")
	txs := map[string]*tx{
		"a": {TxID: "a", Timestamp: at, Writes: []*kvrwset.KVWrite{{Key: eventKey("d", 0), Value: e0}}},
		// b wrote event 1 and also an event 0 of its own.
		"b": {TxID: "b", Timestamp: at, Writes: []*kvrwset.KVWrite{{Key: eventKey("d", 0), Value: ev(0, "b", "other")},
			{Key: eventKey("d", 1), Value: e1}}},
	}
	b := &Bundle{DocumentID: "d", Events: []json.RawMessage{e0, e1}, Transactions: []Transaction{{TxID: "a"}, {TxID: "b"}}}
	_, _, err := checkEvents(b, txs)
	if want := "transaction b wrote ev/d/00000000, but event 0 names transaction a"; err == nil || err.Error() != want {
		t.Fatalf("got  %v\nwant %s", err, want)
	}
}

// Every link of the signer's chain that the frozen CA issued is checked
// against the frozen CRL: a revoked intermediate fails, not only a revoked leaf.
func TestRevocationChecksEveryLinkTheFrozenCAIssued(t *testing.T) {
	now := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	ca := testpki.NewCA("root", now.Add(-time.Hour), now.Add(time.Hour))
	interCert, interKey := ca.Issue(testpki.Leaf{CN: "inter", IsCA: true, Serial: 0x2a})
	inter := &testpki.CA{Cert: interCert, Key: interKey}
	leaf, _ := inter.Issue(testpki.Leaf{CN: "leaf", Serial: 0x99})
	root := ca.Cert
	crl := func(serials ...int64) *x509.RevocationList {
		var entries []x509.RevocationListEntry
		for _, s := range serials {
			entries = append(entries, x509.RevocationListEntry{SerialNumber: big.NewInt(s), RevocationTime: now})
		}
		blk, _ := pem.Decode([]byte(ca.CRLWith(x509.RevocationList{Number: big.NewInt(1), ThisUpdate: now,
			NextUpdate: now.Add(time.Hour), RevokedCertificateEntries: entries})))
		l, err := x509.ParseRevocationList(blk.Bytes)
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	chain := []*x509.Certificate{leaf, interCert}
	if got, err := revokedLinks(now, chain, root, crl(0x99)); err != nil || got != "2a" {
		t.Fatalf("a CRL of the root that lists a serial the root did not issue: %q, %v", got, err)
	}
	_, err := revokedLinks(now, chain, root, crl(0x2a))
	if want := `certificate "inter" (serial 2a) is on the CRL its signature froze`; err == nil || err.Error() != want {
		t.Fatalf("got  %v\nwant %s", err, want)
	}
}

// A witness older than the last transaction proves nothing about it.
func TestAWitnessMustPostdateTheLastTransaction(t *testing.T) {
	b := goldenBundle(t, "two-signers.json")
	last := &b.Transactions[len(b.Transactions)-1]
	later := time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC) // after the golden witness, whatever today is
	_, err := checkWitness(b, last, later, goldenTrust(t))
	if err == nil || !strings.HasPrefix(err.Error(), "witness: dated ") ||
		!strings.HasSuffix(err.Error(), ", before the last transaction ("+later.Format(time.RFC3339Nano)+")") {
		t.Fatalf("got %v", err)
	}
}
