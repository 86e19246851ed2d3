package evidence

import "encoding/json"

// Format names the bundle layout; Verify refuses any other.
const Format = "qrsign-evidence/2"

// Bundle is the evidence of one document.
type Bundle struct {
	Format         string `json:"format"`
	DocumentID     string `json:"documentId"`
	DocumentSHA256 string `json:"documentSha256"`
	Channel        string `json:"channel"`
	Chaincode      string `json:"chaincode"`
	// Events are the document's events, each exactly the value its
	// transaction wrote at ev/<documentId>/<seq:08> (whitespace aside).
	Events       []json.RawMessage `json:"events"`
	Transactions []Transaction     `json:"transactions"`
	// Blocks holds each block the transactions are in once, by ascending
	// number; a transaction names its block and its entry in it.
	Blocks []Block `json:"blocks"`
	CAs    []CA    `json:"cas"`
	CRLs   []CRL   `json:"crls"`
	// Witness is a freshness witness (base64 common.Envelope, endorsed and
	// never submitted): a read-only proposal (GetDocument) whose endorsed
	// read set pins doc/<documentId> at the last transaction's position. It
	// proves that transaction was valid and that no later event existed as
	// of its timestamp. "" when the bundle has none (assembled from peer
	// CLI output): the last transaction's validity is then the peer's word.
	Witness string `json:"witness"`
}

// Transaction is one committed transaction that wrote events of the
// document: its envelope (creator signature, proposal response,
// endorsements) is entry TxIndex of block BlockNumber.
type Transaction struct {
	TxID        string `json:"txId"`
	BlockNumber uint64 `json:"blockNumber"`
	TxIndex     int    `json:"txIndex"` // position of the envelope in the block's data
	// ValidationCode is what the committing peer recorded in the block's
	// TRANSACTIONS_FILTER metadata (not signed by anyone; must be VALID).
	ValidationCode string `json:"validationCode"`
}

// Block is what proves the envelope is in an orderer-signed block.
type Block struct {
	Number       uint64   `json:"number"`
	PreviousHash string   `json:"previousHash"` // hex
	DataHash     string   `json:"dataHash"`     // hex, SHA-256 over the concatenated data entries
	HeaderHash   string   `json:"headerHash"`   // hex, SHA-256 of the ASN.1 header (number, previousHash, dataHash)
	Data         []string `json:"data"`         // base64, every data entry (envelope) of the block
	// Signatures is the block's SIGNATURES metadata (base64 common.Metadata):
	// the orderers' signatures over (value ‖ signature header ‖ header bytes).
	Signatures string `json:"signatures"`
}

// CA is a signer CA certificate that events name by fingerprint.
type CA struct {
	MSPID       string `json:"mspId"`
	Fingerprint string `json:"fingerprint"` // SHA-256 hex of the DER
	CertPEM     string `json:"certPem"`
}

// CRL is a CRL an event froze (by CA, number and thisUpdate), as the org
// published it (CRLPublished event).
type CRL struct {
	MSPID         string `json:"mspId"`
	CAFingerprint string `json:"caFingerprint"`
	CRLPEM        string `json:"crlPem"`
}
