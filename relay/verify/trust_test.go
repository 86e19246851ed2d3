package verify_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/chaincode/payload"
	"github.com/qrsign/qrsign/chaincode/testpki"
	"github.com/qrsign/qrsign/relay/signer/signertest"
	"github.com/qrsign/qrsign/relay/verify"
)

// trustOf is a relay's answer of GET /v1/orgs/{msp}/trust.
type trustOf struct {
	origin string
	cas    []*testpki.CA
}

func (t trustOf) Origin() string { return t.origin }
func (t trustOf) OrgTrust(_ context.Context, msp string) (*model.OrgTrust, error) {
	ot := &model.OrgTrust{MSPID: msp}
	for _, c := range t.cas {
		ot.CAs = append(ot.CAs, model.SignerCA{Fingerprint: payload.Fingerprint(c.Cert.Raw), CertPEM: c.PEM()})
	}
	return ot, nil
}

func TestLedgerRootsNeedSomethingBesidesTheCheckedRelay(t *testing.T) {
	real, forged := signertest.NewCA("ca-org2"), signertest.NewCA("ca-org2")
	honest := trustOf{"http://relay-org2", []*testpki.CA{real}}
	lying := trustOf{"http://relay-org1", []*testpki.CA{forged}}
	realFP := payload.Fingerprint(real.Cert.Raw)
	for _, tc := range []struct {
		name      string
		checked   verify.TrustReader
		pins      []string
		witnesses []verify.TrustReader
		want      string // error text, or the source when it succeeds
	}{
		{"the checked relay alone", lying, nil, nil,
			"UNVERIFIED: no trusted CA for Org2MSP: --trust-ledger-cas would take its CA only from the relay being checked (http://relay-org1); pin it with --ca-fingerprint Org2MSP=<sha256> or confirm it with --trust-relay <another org's relay>"},
		{"a pin the lying relay's CA misses", lying, []string{realFP}, nil,
			"UNVERIFIED: no trusted CA for Org2MSP: CA " + payload.Fingerprint(forged.Cert.Raw)[:12] + "… is neither pinned nor confirmed by every witness"},
		{"a witness that disagrees", lying, nil, []verify.TrustReader{honest},
			"UNVERIFIED: no trusted CA for Org2MSP: CA " + payload.Fingerprint(forged.Cert.Raw)[:12] + "… is neither pinned nor confirmed by every witness"},
		{"a pinned CA", honest, []string{realFP}, nil, "the ledger via http://relay-org2, pinned by --ca-fingerprint"},
		{"a witness that agrees", honest, nil, []verify.TrustReader{trustOf{"http://relay-org3", []*testpki.CA{real}}},
			"the ledger via http://relay-org2, confirmed by http://relay-org3"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			roots, src, err := verify.LedgerRoots(context.Background(), "Org2MSP", tc.checked, tc.pins, tc.witnesses)
			if strings.HasPrefix(tc.want, "UNVERIFIED") {
				if !errors.Is(err, verify.ErrNoTrustedCA) || err.Error() != tc.want {
					t.Fatalf("err = %v\nwant %s", err, tc.want)
				}
				return
			}
			if err != nil || src != tc.want || len(roots) != 1 || !roots[0].Equal(real.Cert) {
				t.Fatalf("roots %d src %q err %v", len(roots), src, err)
			}
		})
	}
}
