package contract

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/qrsign/qrsign/chaincode/model"
)

// Ledger keys are simple keys "prefix/part/part...". '/' cannot occur in any
// part (ids, MSP ids, tags, hex and timestamps all exclude it), so a prefix
// ending in '/' selects exactly one group and range queries work on them
// (Fabric refuses range queries over composite keys, which the list queries
// need for their createdAt ranges). chaincode/README.md lists every prefix
// and why it exists.
const (
	pDoc     = "doc"     // doc/<docId> → model.Document (the projection)
	pEvent   = "ev"      // ev/<docId>/<seq:08> → model.Event, append-only
	pNonce   = "nonce"   // nonce/<nonce> → model.NonceRecord, written once
	pSigner  = "signer"  // signer/<msp>/<id>/<createdAt>/<docId> → index
	pOwner   = "owner"   // owner/<ownerMsp>/<owner>/<createdAt>/<docId> → index
	pPending = "pending" // pending/<msp>/<id>/<9-priority>/<order:02>/<createdAt>/<docId> → index, deleted when done
	pTag     = "tag"     // tag/<tag>/<createdAt>/<docId> → index
	pCA      = "ca"      // ca/<msp>/<caFingerprint> → model.SignerCA
	pCRL     = "crl"     // crl/<msp>/<caFingerprint> → model.CRLInfo, the latest one
	pOrgEv   = "orgev"   // orgev/<msp>/<timestamp>/<txId> → model.Event (CA and CRL events)
	pOrgSeq  = "orgseq"  // orgseq/<msp> → decimal count of the org's events (next seq)
	pBatch   = "batch"   // batch/<batchId>/<order:05>/<docId> → index
	pHash    = "hash"    // hash/<sha256>/<createdAt>/<docId> → index (public lookup by content)
	// tx/<txId>/ → the ids of the documents a transaction appended events to
	// (JSON array, one key per transaction); ledgers written before it, and
	// BackfillLookupIndexes, hold tx/<txId>/<docId> → index, one per document.
	pTx = "tx"
)

// indexValue is what index keys hold: the peer treats an empty value as a delete.
var indexValue = []byte{0}

// tsKey renders a time so that byte order is time order (fixed width, UTC).
func tsKey(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000000000Z") }

func key(parts ...string) string { return strings.Join(parts, "/") }

// prefixEnd is the exclusive end of the range of keys starting with prefix.
func prefixEnd(prefix string) string { return prefix + string(utf8.MaxRune) }

func docKey(id string) string            { return key(pDoc, id) }
func eventKey(id string, seq int) string { return key(pEvent, id, fmt.Sprintf("%08d", seq)) }
func eventPrefix(id string) string       { return key(pEvent, id, "") }
func nonceKey(n string) string           { return key(pNonce, n) }
func caKey(msp, fp string) string        { return key(pCA, msp, fp) }
func caPrefix(msp string) string         { return key(pCA, msp, "") }
func crlKey(msp, fp string) string       { return key(pCRL, msp, fp) }
func crlPrefix(msp string) string        { return key(pCRL, msp, "") }
func orgEventPrefix(msp string) string   { return key(pOrgEv, msp, "") }
func orgSeqKey(msp string) string        { return key(pOrgSeq, msp) }
func batchPrefix(batchID string) string  { return key(pBatch, batchID, "") }
func batchKey(d *model.Document) string  { return batchSlotPrefix(d) + d.ID }

// batchSlotPrefix is the range of d's batch position (one key at most).
func batchSlotPrefix(d *model.Document) string {
	return batchPrefix(d.BatchID) + key(fmt.Sprintf("%05d", d.BatchOrder), "")
}
func orgEventKey(e model.Event) string     { return key(pOrgEv, e.MSPID, tsKey(e.Timestamp), e.TxID) }
func signerPrefix(msp, id string) string   { return key(pSigner, msp, id, "") }
func ownerPrefix(msp, owner string) string { return key(pOwner, msp, owner, "") }
func pendingPrefix(msp, id string) string  { return key(pPending, msp, id, "") }
func tagPrefix(tag string) string          { return key(pTag, tag, "") }

func signerKey(d *model.Document, s model.SignerSpec) string {
	return signerPrefix(s.MSPID, s.ID) + key(tsKey(d.CreatedAt), d.ID)
}

func ownerKey(d *model.Document) string {
	return ownerPrefix(d.OwnerMSP, d.Owner) + key(tsKey(d.CreatedAt), d.ID)
}

// pendingKey sorts a signer's open documents by priority (highest first),
// then routing order, then age.
func pendingKey(d *model.Document, s model.SignerSpec) string {
	return pendingPrefix(s.MSPID, s.ID) +
		key(fmt.Sprintf("%d", model.MaxPriority-d.Priority), fmt.Sprintf("%02d", s.RoutingOrder), tsKey(d.CreatedAt), d.ID)
}

func hashPrefix(sha string) string     { return key(pHash, sha, "") }
func hashKey(d *model.Document) string { return revisionHashKey(d, d.SHA256) }

// revisionHashKey indexes a PDF revision under its own hash, so the lookup
// by content finds a document by any of its revisions.
func revisionHashKey(d *model.Document, sha string) string {
	return hashPrefix(sha) + key(tsKey(d.CreatedAt), d.ID)
}
func txPrefix(txID string) string     { return key(pTx, txID, "") }
func txKey(txID, docID string) string { return txPrefix(txID) + docID }

// txListKey is the prefix itself: no document id is empty, so it is apart
// from every per-document key and the prefix range reads both forms.
func txListKey(txID string) string { return txPrefix(txID) }

func tagKey(d *model.Document, tag string) string {
	return tagPrefix(tag) + key(tsKey(d.CreatedAt), d.ID)
}

// lastPart is the document id at the end of an index key.
func lastPart(k string) string { return k[strings.LastIndexByte(k, '/')+1:] }
