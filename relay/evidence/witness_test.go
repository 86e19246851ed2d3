package evidence

import (
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hyperledger/fabric-protos-go-apiv2/common"
	"github.com/hyperledger/fabric-protos-go-apiv2/msp"
	"google.golang.org/protobuf/proto"

	"github.com/qrsign/qrsign/chaincode/testpki"
)

// goldenWitness is the parsed witness of a golden bundle.
func goldenWitness(tb testing.TB, b *Bundle) *tx {
	tb.Helper()
	raw, err := base64.StdEncoding.DecodeString(b.Witness)
	must(tb, err)
	w, err := parseTx(raw)
	must(tb, err)
	return w
}

// Endorsers sign the proposal's timestamp without checking it: a witness
// dated after the verifier's clock (+ WitnessSkew) would claim "no later
// event" for a time that has not come.
func TestAWitnessDatedAfterTheVerifiersClockIsRefused(t *testing.T) {
	b := goldenBundle(t, "two-signers.json")
	when := goldenWitness(t, b).Timestamp
	last := &b.Transactions[len(b.Transactions)-1]
	cases := []struct {
		name string
		now  time.Time
		want string // "" = accepted
	}{
		{"the verifier's clock just past the witness", when, ""},
		{"the witness within the skew", when.Add(-WitnessSkew + time.Second), ""},
		{"the witness beyond the skew", when.Add(-WitnessSkew - time.Second),
			"witness: dated " + when.Format(time.RFC3339Nano) + ", after the verifier's clock (" +
				when.Add(-WitnessSkew-time.Second).Format(time.RFC3339Nano) + ") + 5m0s: its creator chose that date, nobody checked it"},
		{"a witness dated next year", when.AddDate(-1, 0, 0),
			"witness: dated " + when.Format(time.RFC3339Nano) + ", after the verifier's clock (" +
				when.AddDate(-1, 0, 0).Format(time.RFC3339Nano) + ") + 5m0s: its creator chose that date, nobody checked it"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tr := goldenTrust(t)
			tr.Now = c.now
			// The last event's time bounds the witness from below, not the clock.
			_, err := checkWitness(b, last, time.Time{}, tr)
			switch {
			case c.want == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case c.want != "" && (err == nil || err.Error() != c.want):
				t.Fatalf("got  %v\nwant %s", err, c.want)
			}
		})
	}
}

// The report names who created the witness and the date they chose.
func TestTheWitnessCreatorIsShown(t *testing.T) {
	b := goldenBundle(t, "two-signers.json")
	w := goldenWitness(t, b)
	f, err := checkWitness(b, &b.Transactions[len(b.Transactions)-1], time.Time{}, goldenTrust(t))
	if err != nil {
		t.Fatal(err)
	}
	want := `created by Org1MSP "relay" (envelope unsigned), dated ` + w.Timestamp.Format(time.RFC3339Nano) + " by its creator"
	if !strings.Contains(f.detail, want) || f.params["creator"] != `Org1MSP "relay"` || f.params["signed"] != "false" ||
		f.params["date"] != w.Timestamp.Format(time.RFC3339Nano) {
		t.Fatalf("got  %s %v\nwant it to contain %s", f.detail, f.params, want)
	}
}

// A witness envelope that carries a signature must carry its creator's.
func TestAWitnessSignatureMustBeItsCreators(t *testing.T) {
	b := goldenBundle(t, "two-signers.json")
	raw, err := base64.StdEncoding.DecodeString(b.Witness)
	must(t, err)
	var env common.Envelope
	must(t, proto.Unmarshal(raw, &env))
	env.Signature = []byte{0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01}
	b.Witness = base64.StdEncoding.EncodeToString(marshal(t, &env))
	_, err = checkWitness(b, &b.Transactions[len(b.Transactions)-1], time.Time{}, goldenTrust(t))
	if want := `witness: creator's signature: signature by "relay" does not verify`; err == nil || err.Error() != want {
		t.Fatalf("got  %v\nwant %s", err, want)
	}
}

// witnessCreator: the creator chains to a given root of its MSP; a signed
// envelope verifies with the creator's key.
func TestWitnessCreator(t *testing.T) {
	key := testpki.P256()
	now := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	cert, _ := testpki.SelfSigned(testpki.Leaf{CN: "someone", Key: key, Serial: 7, NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour),
		IsCA: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature})
	creator := marshal(t, &msp.SerializedIdentity{Mspid: "Org3MSP", IdBytes: []byte(testpki.PEM(cert))})
	payload := []byte("witness payload")
	sum := sha256.Sum256(payload)
	sig, err := ecdsa.SignASN1(rand.Reader, key, sum[:])
	must(t, err)
	mine := Trust{Orgs: map[string][]*x509.Certificate{"Org3MSP": {cert}}}
	cases := []struct {
		name  string
		trust Trust
		sig   []byte
		want  string
	}{
		{"signed by its creator", mine, sig, `Org3MSP "someone" signed=true`},
		{"unsigned", mine, nil, `Org3MSP "someone" signed=false`},
		{"signed by another key", mine, append([]byte{}, sig[:len(sig)-1]...), `creator's signature: signature by "someone" does not verify`},
		{"no root of its MSP given", goldenTrust(t), sig, "creator: untrusted: no root was given for Org3MSP (given: Org1MSP, Org2MSP)"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			who, signed, err := witnessCreator(&tx{Creator: creator, Payload: payload, Signature: c.sig, Timestamp: now}, c.trust)
			got := fmt.Sprintf("%s signed=%v", who, signed)
			if err != nil {
				got = err.Error()
			}
			if got != c.want {
				t.Fatalf("got  %s\nwant %s", got, c.want)
			}
		})
	}
}

// witnessRead is the one comparison Build (start over?) and Verify (proof)
// make: the witness's read of doc/<id> against the last transaction's
// {block, txIndex}.
func TestWitnessRead(t *testing.T) {
	b := goldenBundle(t, "two-signers.json")
	w := goldenWitness(t, b)
	last := b.Transactions[len(b.Transactions)-1]
	moved := last
	moved.TxIndex++
	other := *b
	other.DocumentID = "another"
	cases := []struct {
		name   string
		b      *Bundle
		last   Transaction
		pinned bool
		err    string
	}{
		{"where the last transaction wrote it", b, last, true, ""},
		{"another version", b, moved, false, ""},
		{"another document", &other, last, false, "did not read doc/another"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, pinned, err := witnessRead(c.b, w, &c.last)
			if pinned != c.pinned || (err == nil) != (c.err == "") || (err != nil && err.Error() != c.err) {
				t.Fatalf("got %v, %v; want %v, %q", pinned, err, c.pinned, c.err)
			}
			// Build decides with the same comparison.
			bb := *c.b
			bb.Transactions = append([]Transaction{}, c.b.Transactions...)
			bb.Transactions[len(bb.Transactions)-1] = c.last
			ok, err := witnessPins(&bb, mustB64(t, bb.Witness))
			if ok != c.pinned || (err == nil) != (c.err == "") {
				t.Fatalf("witnessPins: %v, %v", ok, err)
			}
		})
	}
}

func mustB64(tb testing.TB, s string) []byte {
	tb.Helper()
	raw, err := base64.StdEncoding.DecodeString(s)
	must(tb, err)
	return raw
}
