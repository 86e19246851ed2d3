package model

import (
	"errors"
	"fmt"
)

// MaxGroupItems bounds the signatures one RecordSignatures records.
const MaxGroupItems = 64

// SignatureGroupRequest is the argument of RecordSignatures: independent
// signatures, each on its own document with its own nonce, recorded in one
// transaction, each exactly as RecordSignature would record it.
type SignatureGroupRequest struct {
	Items []SignatureRequest `json:"items"`
}

// Validate checks every item's shape. Two items on one document or with one
// nonce are refused: a transaction does not read its own writes, so the
// second would be proven against the state before the first.
func (r *SignatureGroupRequest) Validate() error {
	if len(r.Items) == 0 || len(r.Items) > MaxGroupItems {
		return Errorf(CodeInvalidField, "items must list 1..%d signatures", MaxGroupItems)
	}
	docs := make(map[string]int, len(r.Items))
	nonces := make(map[string]int, len(r.Items))
	for i := range r.Items {
		it := &r.Items[i]
		if err := it.Validate(); err != nil {
			return prefixed(fmt.Sprintf("items[%d]", i), err)
		}
		if it.Reason != "" {
			return Errorf(CodeInvalidField, "items[%d]: reason is bound only for DeclineSignature", i)
		}
		if j, ok := docs[it.DocumentID]; ok {
			return Errorf(CodeInvalidField, "items[%d]: document %s is also items[%d]; one signature per document in a group", i, it.DocumentID, j)
		}
		if j, ok := nonces[it.Nonce]; ok {
			return Errorf(CodeInvalidField, "items[%d]: nonce %s is also items[%d]'s", i, it.Nonce, j)
		}
		docs[it.DocumentID], nonces[it.Nonce] = i, i
	}
	return nil
}

// prefixed names where in a request an item's error is.
func prefixed(where string, err error) error {
	var e *Error
	if errors.As(err, &e) {
		return Errorf(e.Code, "%s: %s", where, e.Message)
	}
	return err
}

// GroupResult is the answer of RecordSignatures: the documents of the
// recorded items, in item order, and one GroupItem per request item, in
// request order. It carries no events: they are in the transaction's one
// chaincode event and on the ledger (ev/ keys), and a third copy in the
// result would ride in both endorsements, the transaction and every block
// read, about a fifth of a grouped signature's bytes.
type GroupResult struct {
	Documents []DocumentView `json:"documents"`
	Items     []GroupItem    `json:"items"`
}

// GroupItem is what became of one item: recorded (no code), or refused by
// the chaincode with the code and message RecordSignature would have given
// it; a refused item wrote nothing.
type GroupItem struct {
	DocumentID string `json:"documentId"`
	Code       Code   `json:"code,omitempty"`
	Message    string `json:"message,omitempty"`
}
