package evidence

import (
	"maps"

	"github.com/qrsign/qrsign/chaincode/model"
)

// Check is one thing Verify checked. Name and Detail are English; Code,
// Event and Params say it again stably, for output in the reader's language.
// Its fields are relay/verify's Check's, in order (qrsign converts one to
// the other to say a copied check as `qrsign verify` does).
type Check struct {
	Name   string `json:"name"`
	OK     bool   `json:"ok"`
	Detail string `json:"detail"`
	Code   string `json:"code,omitempty"` // one of the Check* codes here or relay/verify's
	// Event is the event a signature or nonce check (relay/verify's) is about.
	Event *model.CheckEvent `json:"event,omitempty"`
	// Params are the values that name the check (tx, i, msp, seq, revision)
	// and, when it passed, the values its detail states (see the codes).
	Params map[string]string `json:"params,omitempty"`
}

// Check codes of the evidence verifier; the checks copied from relay/verify
// keep its codes (events, documentHash, signature, nonce, projection).
// Params naming a check: tx (its first 16 hex digits) for the tx* codes,
// i and msp for ca and crl, seq for revocation, revision for pdfRevision.
// Params of a passed check:
//
//	format: format
//	documentFile: sha256, and for a signed PDF revision, latest (true|false)
//	txEnvelope: channel, chaincode, submitted
//	txCreator: msp, cn
//	txEndorsements: n, orgs, orgCount, need, given
//	txBlock: entry, block, headerHash, signers
//	blocks: n; eventsProven: n, prefix; bundleDocumentHash: sha256
//	readChain: n, key; finalState: key, tx
//	lastTxValidity: unwitnessed and tx, or witness, creator, signed, date,
//	  key, block, index, tx and txEndorsements' params
//	pdfRevision: end, sha256, by (registration|signature|dss), signer, seq,
//	  tx, increment (signature|dss, none for revision 0), certs, crls
//	ca: cn, fp, root; crl: number, thisUpdate, revoked, ca
//	revocation: serials, number, thisUpdate, msp
//
// tx and the failed checks that name nothing (a missing CA or CRL) only fail.
const (
	CheckFormat             = "format"
	CheckDocumentFile       = "documentFile"
	CheckTx                 = "tx"
	CheckTxEnvelope         = "txEnvelope"
	CheckTxCreator          = "txCreator"
	CheckTxEndorsements     = "txEndorsements"
	CheckTxBlock            = "txBlock"
	CheckTxValidationCode   = "txValidationCode"
	CheckBlocks             = "blocks"
	CheckEventsProven       = "eventsProven"
	CheckBundleDocumentHash = "bundleDocumentHash"
	CheckReadChain          = "readChain"
	CheckLastTxValidity     = "lastTxValidity"
	CheckFinalState         = "finalState"
	CheckPDFRevision        = "pdfRevision"
	CheckCA                 = "ca"
	CheckCRL                = "crl"
	CheckRevocation         = "revocation"
)

// Report is every check Verify made, in order.
type Report struct {
	DocumentID string  `json:"documentId"`
	Checks     []Check `json:"checks"`
}

// OK reports whether there were checks and all passed.
func (r *Report) OK() bool {
	if len(r.Checks) == 0 {
		return false
	}
	for _, c := range r.Checks {
		if !c.OK {
			return false
		}
	}
	return true
}

// Failures are the checks that failed.
func (r *Report) Failures() []Check {
	var out []Check
	for _, c := range r.Checks {
		if !c.OK {
			out = append(out, c)
		}
	}
	return out
}

// finding is what a passed check found: its English detail and the values
// it states.
type finding struct {
	detail string
	params map[string]string
}

// add records c (Name, Code, naming Params) as passed with what it found,
// unless err: then its Detail is err's and its Params only those naming it.
func (r *Report) add(c Check, err error, f finding) bool {
	c.OK = err == nil
	if err != nil {
		c.Detail = err.Error()
	} else {
		c.Detail = f.detail
		if len(f.params) > 0 {
			p := maps.Clone(c.Params)
			if p == nil {
				p = map[string]string{}
			}
			maps.Copy(p, f.params)
			c.Params = p
		}
	}
	r.Checks = append(r.Checks, c)
	return c.OK
}
