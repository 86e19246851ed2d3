package service

import (
	"strings"

	"github.com/qrsign/qrsign/chaincode/model"
)

// Lookup views: what a caller of GET /v1/verify may see.
const (
	// ViewFull carries titles, owners, doc types, tags, document ids and
	// signer identities: for API keys with documents:read, or a session token
	// for that document.
	ViewFull = "full"
	// ViewPublic answers "was this file anchored, where, and does the record
	// verify?" without saying what it is: status, ledger positions (tx ids,
	// blocks, times), signature counts, signer slots (as much of who signed
	// as a SignerDisclosure allows) and the verification verdict without
	// details. A hash lookup also hides document ids: the hash of a standard
	// form is known to many, so knowing it proves nothing more.
	ViewPublic = "public"
)

// SignatureCounts counts a document's signers by status.
type SignatureCounts struct {
	Required int `json:"required"`
	Signed   int `json:"signed"`
	Declined int `json:"declined"`
	Pending  int `json:"pending"`
}

func (c *SignatureCounts) count(s model.SignerStatus) {
	c.Required++
	switch s {
	case model.SignerSigned:
		c.Signed++
	case model.SignerDeclined:
		c.Declined++
	default:
		c.Pending++
	}
}

// SignerDisclosure is what the public view says about who signed, beyond
// each slot's status, time and ledger position (relay config publicSigners).
type SignerDisclosure string

const (
	// DiscloseNone shows no signer's organisation or id.
	DiscloseNone SignerDisclosure = "none"
	// DiscloseOrg shows each signer's organisation (MSP id), which the
	// channel's members know anyway, but not who in it signed.
	DiscloseOrg SignerDisclosure = "org"
	// DiscloseIdentity shows organisation and signer id: for consortia whose
	// signatures are public by policy.
	DiscloseIdentity SignerDisclosure = "identity"
)

// Redact turns every match that full does not admit (by document id) into
// the public view, disclosing signers as signers says. full may be nil:
// everything becomes public.
func (l *Lookup) Redact(full func(documentID string) bool, signers SignerDisclosure) {
	for i := range l.Matches {
		m := &l.Matches[i]
		if full != nil && full(m.DocumentID) {
			continue
		}
		l.View = ViewPublic
		m.redact(l.By == "doc", signers)
	}
}

func (m *LookupMatch) redact(keepID bool, signers SignerDisclosure) {
	m.View = ViewPublic
	if !keepID { // the caller did not name it: ids may be meaningful and they key further lookups
		m.DocumentID = ""
	}
	m.Title, m.DocType, m.OwnerMSP, m.Tags = "", "", "", nil
	for i := range m.Signers {
		s := &m.Signers[i]
		switch signers {
		case DiscloseIdentity:
		case DiscloseOrg:
			s.ID = ""
		default:
			s.ID, s.MSPID = "", ""
		}
	}
	for i := range m.TxEvents {
		m.TxEvents[i].Signer = signers.disclose(m.TxEvents[i].Signer)
	}
	if m.Verification != nil {
		r := &model.VerifyReport{OK: m.Verification.OK, AsOf: m.Verification.AsOf, Checks: []model.Check{}}
		if keepID {
			r.DocumentID = m.Verification.DocumentID
		}
		for _, c := range m.Verification.Checks {
			name := c.Name
			if signers != DiscloseIdentity {
				name = publicCheckName(name)
			}
			pc := model.Check{Name: name, OK: c.OK, Code: c.Code} // no details, no params
			if e := c.Event; e != nil {
				pc.Event = &model.CheckEvent{Seq: e.Seq, Type: e.Type, Signer: signers.disclose(e.Signer)}
			}
			r.Checks = append(r.Checks, pc)
		}
		m.Verification = r
	}
}

// disclose is what the public view shows of a signer key (mspId/id).
func (d SignerDisclosure) disclose(key string) string {
	switch msp, _, _ := strings.Cut(key, "/"); d {
	case DiscloseIdentity:
		return key
	case DiscloseOrg:
		return msp
	default:
		return ""
	}
}

// publicCheckName drops the signer key from VerifyRecord's per-evidence check
// names ("SignatureRecorded#1 Org1MSP/bob signature" → "SignatureRecorded#1
// signature"); the other names ("events", "projection", "completion") hold none.
func publicCheckName(name string) string {
	i, j := strings.IndexByte(name, ' '), strings.LastIndexByte(name, ' ')
	if i > 0 && j > i && strings.Contains(name[:i], "#") {
		return name[:i] + name[j:]
	}
	return name
}
