package verify

import (
	"context"
	"crypto/x509"
	"fmt"
	"slices"
	"strings"

	"github.com/qrsign/qrsign/chaincode/certchain"
	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/chaincode/payload"

	"github.com/qrsign/qrsign/relay/api"
)

// SignerMSPs lists, sorted, the orgs of everyone whose signature p carries:
// the orgs a verifier needs roots for.
func SignerMSPs(p *api.Provenance) []string {
	var out []string
	for _, pe := range p.Events {
		if ev, _, _, _ := evidenceOf(pe.Event); ev != nil && !slices.Contains(out, ev.Signer.MSPID) {
			out = append(out, ev.Signer.MSPID)
		}
	}
	slices.Sort(out)
	return out
}

// TrustReader reads an org's signer CAs as the ledger records them (a relay's
// GET /v1/orgs/{mspId}/trust).
type TrustReader interface {
	OrgTrust(ctx context.Context, mspID string) (*model.OrgTrust, error)
	Origin() string
}

// LedgerRoots returns the CA certificates the ledger registered for mspID,
// read through checked (the relay whose history is being verified). Because
// that relay could lie about the ledger as easily as about the history, a
// CA is kept only if something else vouches for it: its fingerprint is in
// pins (given by the user, e.g. from the org's published records), or every
// witness (another org's relay, reading its own peer) reports it too.
func LedgerRoots(ctx context.Context, mspID string, checked TrustReader, pins []string, witnesses []TrustReader) ([]*x509.Certificate, string, error) {
	if len(pins) == 0 && len(witnesses) == 0 {
		return nil, "", fmt.Errorf("%w %s: --trust-ledger-cas would take its CA only from the relay being checked (%s); pin it with --ca-fingerprint %s=<sha256> or confirm it with --trust-relay <another org's relay>",
			ErrNoTrustedCA, mspID, checked.Origin(), mspID)
	}
	t, err := checked.OrgTrust(ctx, mspID)
	if err != nil {
		return nil, "", fmt.Errorf("%w %s: reading the ledger's trust through %s: %v", ErrNoTrustedCA, mspID, checked.Origin(), err)
	}
	seen := make([]map[string]bool, len(witnesses))
	for i, w := range witnesses {
		wt, err := w.OrgTrust(ctx, mspID)
		if err != nil {
			return nil, "", fmt.Errorf("%w %s: witness %s: %v", ErrNoTrustedCA, mspID, w.Origin(), err)
		}
		seen[i] = map[string]bool{}
		for _, ca := range wt.CAs {
			seen[i][ca.Fingerprint] = true
		}
	}
	var roots []*x509.Certificate
	var why []string
	for _, ca := range t.CAs {
		cs, err := certchain.Parse(ca.CertPEM)
		if err != nil || len(cs) != 1 || payload.Fingerprint(cs[0].Raw) != ca.Fingerprint {
			why = append(why, fmt.Sprintf("CA %.12s… does not match its certificate", ca.Fingerprint))
			continue
		}
		c := cs[0]
		vouched := slices.Contains(pins, ca.Fingerprint)
		if !vouched && len(witnesses) > 0 {
			vouched = true
			for i := range witnesses {
				vouched = vouched && seen[i][ca.Fingerprint]
			}
		}
		if !vouched {
			why = append(why, fmt.Sprintf("CA %.12s… is neither pinned nor confirmed by every witness", ca.Fingerprint))
			continue
		}
		roots = append(roots, c)
	}
	if len(roots) == 0 {
		if len(t.CAs) == 0 {
			why = append(why, "the ledger lists no CA")
		}
		return nil, "", fmt.Errorf("%w %s: %s", ErrNoTrustedCA, mspID, strings.Join(why, "; "))
	}
	src := "the ledger via " + checked.Origin()
	if len(witnesses) > 0 {
		var ws []string
		for _, w := range witnesses {
			ws = append(ws, w.Origin())
		}
		src += ", confirmed by " + strings.Join(ws, ", ")
	} else {
		src += ", pinned by --ca-fingerprint"
	}
	return roots, src, nil
}
