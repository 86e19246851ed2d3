package service

import (
	"bytes"
	"context"

	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/relay/fault"
	"github.com/qrsign/qrsign/relay/ledger"
	"github.com/qrsign/qrsign/relay/pdfrev"
)

// MaxPDFProbes bounds the hash look-ups one PDF check makes while it searches,
// from the end of the file, for a revision the ledger knows: the endpoint
// needs no key and a file may hold any number of "%%EOF".
const MaxPDFProbes = 8

// PDFCheck is the answer of POST /v1/verify/pdf: which revisions of a signed
// PDF in hand the ledger recorded, per document the file belongs to.
type PDFCheck struct {
	SHA256  string `json:"sha256"` // the whole file
	Size    int64  `json:"size"`
	Channel string `json:"channel"`
	// Candidates counts the places a revision may end (pades.Revisions and
	// the file's end); Probed how many of them, from the end, were looked up
	// until one was found.
	Candidates int        `json:"candidates"`
	Probed     int        `json:"probed"`
	Matches    []PDFMatch `json:"matches"`
	More       bool       `json:"more"` // more documents hold the recognised revision than are listed
	View       string     `json:"view"` // as Lookup.View
	// LedgerCalls counts evaluations and block look-ups, for the rate limit.
	LedgerCalls int `json:"-"`
}

// PDFMatch is one document whose recorded revisions the file starts with.
type PDFMatch struct {
	View       string       `json:"view"`
	DocumentID string       `json:"documentId,omitzero"` // full view only
	Status     model.Status `json:"status"`              // effective status
	pdfrev.Result
}

// PDFHeaderWindow is how far into a file PDF readers look for its "%PDF-"
// header.
const PDFHeaderWindow = 1024

// HasPDFHeader says whether b (a file, or at least its first
// PDFHeaderWindow bytes) has the "%PDF-" header where PDF readers look for
// it: the one test of "is this a PDF" before any parsing.
func HasPDFHeader(b []byte) bool {
	return bytes.Contains(b[:min(len(b), PDFHeaderWindow)], []byte("%PDF-"))
}

// CheckPDF answers POST /v1/verify/pdf with the file: it looks up the file's candidate
// revisions from the end (at most MaxPDFProbes) until the ledger knows one,
// then matches every candidate against the history of each document found.
// Nothing recognised is 404 DOCUMENT_NOT_FOUND. With the bytes at hand,
// each recognised revision's increment is judged as the kind the ledger
// recorded (pdfrev.Judge: a signature's, a DSS).
func (s *Service) CheckPDF(ctx context.Context, file []byte) (*PDFCheck, error) {
	if !HasPDFHeader(file) {
		return nil, fault.New(model.CodeInvalidField, "the file is not a PDF (no %PDF- header in its first 1024 bytes)")
	}
	out, err := s.checkPrefixes(ctx, pdfrev.Prefixes(file)) // computed here: any number, ends valid
	if err != nil {
		return nil, err
	}
	for i := range out.Matches {
		pdfrev.Judge(file, &out.Matches[i].Result)
	}
	return out, nil
}

// MaxPDFPrefixes bounds the prefixes a client may send (a JSON body holds
// at most about 2,500 anyway).
const MaxPDFPrefixes = 1000

// CheckPDFPrefixes is CheckPDF for a client that hashed the file's prefixes
// itself (pdfrev.Prefixes: the /verify page, so the file never leaves the
// browser): ends strictly increasing, the last one the whole file.
func (s *Service) CheckPDFPrefixes(ctx context.Context, cands []pdfrev.Prefix) (*PDFCheck, error) {
	if len(cands) == 0 || len(cands) > MaxPDFPrefixes {
		return nil, fault.Newf(model.CodeInvalidField, "prefixes must hold 1..%d entries", MaxPDFPrefixes)
	}
	for i, c := range cands {
		switch {
		case c.End < 1 || i > 0 && c.End <= cands[i-1].End:
			return nil, fault.Newf(model.CodeInvalidField, "prefixes[%d].end must be positive and greater than the one before", i)
		case !model.ValidSHA256(c.SHA256):
			return nil, fault.Newf(model.CodeInvalidField, "prefixes[%d].sha256 must be 64 lowercase hex characters", i)
		}
	}
	return s.checkPrefixes(ctx, cands)
}

// checkPrefixes is CheckPDFPrefixes over valid candidates (at least one).
func (s *Service) checkPrefixes(ctx context.Context, cands []pdfrev.Prefix) (*PDFCheck, error) {
	out := &PDFCheck{SHA256: cands[len(cands)-1].SHA256, Size: cands[len(cands)-1].End, Channel: s.Channel,
		Candidates: len(cands), Matches: []PDFMatch{}, View: ViewFull}
	var page *model.Page
	for i := len(cands) - 1; i >= 0 && out.Probed < MaxPDFProbes && page == nil; i-- {
		out.Probed++
		out.LedgerCalls++
		p, err := s.Ledger.List(ctx, ledger.ListByHash, model.ListQuery{SHA256: cands[i].SHA256, PageSize: MaxLookupMatches})
		if err != nil {
			return nil, fromLedger(err)
		}
		if len(p.Records) > 0 {
			page = p
		}
	}
	if page == nil {
		return nil, fault.Newf(model.CodeDocumentNotFound, "no revision of this file is on this ledger (looked up the last %d of %d candidate revision ends)",
			out.Probed, out.Candidates)
	}
	out.More = page.Bookmark != ""
	blocks := blockCache{s: s, seen: map[string]uint64{}, calls: &out.LedgerCalls}
	for i := range page.Records {
		d := &page.Records[i]
		out.LedgerCalls++
		h, err := s.Ledger.GetHistory(ctx, d.ID)
		if err != nil {
			return nil, fromLedger(err)
		}
		m := PDFMatch{View: ViewFull, DocumentID: d.ID, Status: d.EffectiveStatus, Result: pdfrev.Match(h.Events, cands)}
		for j := range m.Revisions {
			r := &m.Revisions[j]
			if r.BlockNumber, err = blocks.of(ctx, r.TxID); err != nil {
				return nil, err
			}
		}
		out.Matches = append(out.Matches, m)
	}
	return out, nil
}

// Redact turns every match full does not admit into the public view, as
// Lookup.Redact: no document id, signers as disclosed.
func (c *PDFCheck) Redact(full func(documentID string) bool, signers SignerDisclosure) {
	for i := range c.Matches {
		m := &c.Matches[i]
		if full != nil && full(m.DocumentID) {
			continue
		}
		c.View, m.View, m.DocumentID = ViewPublic, ViewPublic, ""
		for j := range m.Revisions {
			m.Revisions[j].Signer = signers.disclose(m.Revisions[j].Signer)
		}
	}
}
