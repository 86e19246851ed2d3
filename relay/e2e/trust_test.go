//go:build integration

package e2e

import (
	"slices"
	"strings"
	"testing"
)

// A signer of another org signs through this org's relay: the ledger checks
// their chain against their own org's CA, and so does qrsign verify.
func TestCrossOrgSigners(t *testing.T) {
	e := setup(t)
	if len(e.info.Orgs) < 2 {
		t.Fatal("the network needs two orgs")
	}
	other := &env{info: e.info, org: &e.info.Orgs[1], http: e.http}
	alice, dave := e.enroll(t, "alice"), other.enroll(t, "dave")
	doc := e.upload(t, "Two orgs", content("xorg"), []*signer{alice, dave}, []int{1, 1})
	_, daveQR := doc.link(t, dave)
	_, aliceQR := doc.link(t, alice)
	daveURL, aliceURL := e.scanQR(t, daveQR), e.scanQR(t, aliceQR)
	if res, cb := dave.scan(t, "scan", daveURL); cb == nil {
		t.Fatalf("dave (%s): exit %d\n%s", dave.msp, res.code, res.stderr)
	}
	if res, cb := alice.scan(t, "scan", aliceURL); cb == nil || cb.DocumentStatus != "COMPLETED" {
		t.Fatalf("alice: exit %d %+v\n%s", res.code, cb, res.stderr)
	}
	v := run(t, "", "verify", doc.Document.ID, "--relay", e.org.Relay.URL, "--token", aliceURL,
		"--ca-cert", e.org.MSPID+"="+e.org.CA.CACertFile, "--ca-cert", other.org.MSPID+"="+other.org.CA.CACertFile, "--channel", e.info.Channel)
	if v.code != 0 || !strings.Contains(v.stdout, "VERIFIED") {
		t.Fatalf("qrsign verify with both orgs' CAs: exit %d\n%s%s", v.code, v.stdout, v.stderr)
	}
	// With only this org's CA, dave's chain is not trusted.
	v = e.verifyCLI(t, doc.Document.ID, aliceURL)
	if v.code != 6 || !strings.Contains(v.stdout, "FAIL event") {
		t.Fatalf("qrsign verify with one org's CA: exit %d, want 6\n%s%s", v.code, v.stdout, v.stderr)
	}
}

// A signer whose certificate the org revoked (and published a CRL for) is
// refused with CERT_REVOKED; what they signed before still verifies, because
// the evidence is frozen on the ledger.
func TestRevokedSignerIsRefused(t *testing.T) {
	e := setup(t)
	carol := e.enroll(t, "carol")
	before := e.upload(t, "Signed before revocation", content("rev1"), []*signer{carol}, []int{1})
	_, qr1 := before.link(t, carol)
	url1 := e.scanQR(t, qr1)
	if res, cb := carol.scan(t, "scan", url1); cb == nil {
		t.Fatalf("carol before revocation: exit %d\n%s", res.code, res.stderr)
	}
	after := e.upload(t, "After revocation", content("rev2"), []*signer{carol}, []int{1})
	_, qr2 := after.link(t, carol)
	url2 := e.scanQR(t, qr2)

	e.revoke(t, carol.id)

	res, cb := carol.scan(t, "scan", url2)
	if cb != nil || res.code != 4 || !strings.Contains(res.stderr, "CERT_REVOKED") {
		t.Fatalf("revoked carol: exit %d %+v, want 4 with CERT_REVOKED\n%s", res.code, cb, res.stderr)
	}
	if got := eventTypes(e.provenance(t, after.Document.ID)); !slices.Equal(got, []string{"DocumentRegistered"}) {
		t.Fatalf("ledger changed: %v", got)
	}
	if v := e.verifyCLI(t, before.Document.ID, url1); v.code != 0 {
		t.Fatalf("the signature made before revocation no longer verifies: exit %d\n%s%s", v.code, v.stdout, v.stderr)
	}
}

// --trust-ledger-cas takes the signer's CA from the ledger: read through the
// relay being checked and confirmed by another org's relay (reading its own
// peer) it verifies, marked DELEGATED; from the checked relay alone it does not.
func TestTrustLedgerCAsConfirmedByAnotherOrgsRelay(t *testing.T) {
	e := setup(t)
	if len(e.info.Orgs) < 2 {
		t.Fatal("the network needs two orgs")
	}
	witness := e.info.Orgs[1].Relay.URL
	alice := e.enroll(t, "alice")
	doc := e.upload(t, "Ledger trust", content("ledgertrust"), []*signer{alice}, []int{1})
	_, qr := doc.link(t, alice)
	url := e.scanQR(t, qr)
	if res, cb := alice.scan(t, "scan", url); cb == nil {
		t.Fatalf("qrsign scan: exit %d\n%s", res.code, res.stderr)
	}
	id := doc.Document.ID
	v := run(t, "", "verify", id, "--relay", e.org.Relay.URL, "--token", url, "--trust-ledger-cas",
		"--trust-relay", witness, "--channel", e.info.Channel)
	if v.code != 0 || !strings.Contains(v.stdout, "VERIFIED (trust delegated to the ledger's CAs for "+e.org.MSPID+")") ||
		!strings.Contains(v.stdout, "DELEGATED") || !strings.Contains(v.stdout, "confirmed by "+witness) {
		t.Fatalf("qrsign verify --trust-ledger-cas --trust-relay %s: exit %d\n%s%s", witness, v.code, v.stdout, v.stderr)
	}
	t.Logf("qrsign verify --trust-ledger-cas --trust-relay:\n%s", v.stdout)
	v = run(t, "", "verify", id, "--relay", e.org.Relay.URL, "--token", url, "--trust-ledger-cas", "--channel", e.info.Channel)
	if v.code != 6 || !strings.Contains(v.stdout, "UNVERIFIED") ||
		!strings.Contains(v.stdout, "would take its CA only from the relay being checked") {
		t.Fatalf("qrsign verify --trust-ledger-cas alone: exit %d, want 6\n%s%s", v.code, v.stdout, v.stderr)
	}
}
