package model

import "time"

// ChaincodeEventName is the name of the one chaincode event each writing
// transaction emits; its payload is the JSON array of the Events it appended.
const ChaincodeEventName = "qrsign.events"

// WriteResult is the answer of every writing transaction except Ping: the
// events it appended (in order) and the document after them, if any.
type WriteResult struct {
	Events   []Event       `json:"events"`
	Document *DocumentView `json:"document,omitempty"`
	// Documents are the documents a batch transaction (RecordBatchSignature,
	// RecordBatchDecline) wrote, in request order; Document is then empty.
	Documents []DocumentView `json:"documents,omitempty"`
}

// NonceRecord is the answer of GetNonce: whether and where a session nonce was used.
type NonceRecord struct {
	Nonce      string     `json:"nonce"`
	Used       bool       `json:"used"`
	TxID       string     `json:"txId,omitempty"`
	DocumentID string     `json:"documentId,omitempty"` // empty for a batch signature
	BatchID    string     `json:"batchId,omitempty"`    // set for a batch signature
	EventType  EventType  `json:"eventType,omitempty"`
	Timestamp  *time.Time `json:"timestamp,omitempty"`
}

// OrgTrust is the answer of GetOrgTrust: an org's registered signer CAs and
// the latest CRL published for each.
type OrgTrust struct {
	MSPID string     `json:"mspId"`
	CAs   []SignerCA `json:"cas"`
	CRLs  []CRLInfo  `json:"crls"`
}
