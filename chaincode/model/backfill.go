package model

// MaxBackfillLimit bounds the documents one BackfillLookupIndexes call
// scans, so a transaction's read/write set stays small.
const MaxBackfillLimit = 200

// BackfillRequest is the argument of BackfillLookupIndexes: scan at most
// Limit documents in key order after the document id After ("" = from the
// first).
type BackfillRequest struct {
	After string `json:"after"`
	Limit int    `json:"limit"`
}

// Validate checks the request's shape.
func (r *BackfillRequest) Validate() error {
	if r.After != "" && !reID.MatchString(r.After) {
		return Errorf(CodeInvalidField, "after %q must be empty or a document id", clip(r.After))
	}
	if r.Limit < 1 || r.Limit > MaxBackfillLimit {
		return Errorf(CodeInvalidField, "limit must be 1..%d", MaxBackfillLimit)
	}
	return nil
}

// BackfillResult is the answer of BackfillLookupIndexes: documents scanned,
// index keys written, and the document id to pass as After next ("" when the
// scan reached the last document).
type BackfillResult struct {
	Scanned int    `json:"scanned"`
	Written int    `json:"written"`
	Next    string `json:"next"`
}
