package api

import (
	"time"

	"github.com/qrsign/qrsign/chaincode/model"
)

// BatchMeta is the "batch" part of POST /v1/batches.
type BatchMeta struct {
	ID        string             `json:"id,omitempty"`
	Title     string             `json:"title"`
	Owner     string             `json:"owner,omitempty"` // default: the API key's name
	Priority  int                `json:"priority"`
	Signers   []model.SignerSpec `json:"signers"`
	ExpiresAt *time.Time         `json:"expiresAt,omitempty"`
	Documents []BatchDocMeta     `json:"documents"`
}

// BatchDocMeta names one document of a batch and the file part holding it.
type BatchDocMeta struct {
	File      string `json:"file"`
	Title     string `json:"title"`
	DocType   string `json:"docType"`
	MediaType string `json:"mediaType,omitempty"`
	Order     int    `json:"order"`
}

// Batch is the answer of POST /v1/batches and GET /v1/batches/{id}: a batch
// manifest and the state of its documents.
type Batch struct {
	ID        string             `json:"id"`
	Title     string             `json:"title"`
	Owner     string             `json:"owner"`
	Priority  int                `json:"priority"`
	Signers   []model.SignerSpec `json:"signers"`
	ExpiresAt time.Time          `json:"expiresAt"`
	CreatedAt time.Time          `json:"createdAt"`
	// Root is the Merkle root (chaincode/merkle, RFC 9162) of the documents'
	// SHA-256 hashes in signing order; Total is the tree's size.
	Root       string     `json:"root"`
	Documents  []BatchDoc `json:"documents"` // in order
	Total      int        `json:"total"`
	Registered int        `json:"registered"`
	Complete   bool       `json:"complete"`
}

// BatchDoc is one document of a batch and its state on the ledger.
type BatchDoc struct {
	ID          string       `json:"id"`
	File        string       `json:"file"`
	Title       string       `json:"title"`
	DocType     string       `json:"docType"`
	MediaType   string       `json:"mediaType"`
	Order       int          `json:"order"`
	SHA256      string       `json:"sha256"`
	Size        int64        `json:"size"`
	Registered  bool         `json:"registered"`
	Status      model.Status `json:"status,omitempty"` // effective status, when registered
	TxID        string       `json:"txId,omitempty"`
	BlockNumber uint64       `json:"blockNumber,omitempty"`
	Error       *DocError    `json:"error,omitempty"`
	// Signers are the document's signers with their answers, when
	// registered: a batch page shows who signed what from the batch alone.
	Signers []BatchSigner `json:"signers,omitempty"`
}

// BatchSigner is one signer's answer on one document of a batch.
type BatchSigner struct {
	MSPID  string             `json:"mspId"`
	ID     string             `json:"id"`
	Status model.SignerStatus `json:"status"`
}

// DocError is why one document of a batch was refused or not registered.
type DocError struct {
	Index  int        `json:"index"`
	File   string     `json:"file,omitempty"`
	Code   model.Code `json:"code"`
	Detail string     `json:"detail"`
}
