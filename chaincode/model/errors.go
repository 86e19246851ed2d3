// Package model holds the ledger's public vocabulary: request and event types,
// the document projection, and the stable error codes. The chaincode, the relay
// and the signer client all speak it, so changes here are wire changes.
package model

import (
	"errors"
	"fmt"
	"strings"
)

// Code is a stable, machine-readable error code. Codes never change meaning;
// new ones may be added.
type Code string

// The error codes the chaincode returns. chaincode/README.md has the table.
const (
	CodeBadRequest       Code = "BAD_REQUEST"        // malformed JSON, unknown field, missing field
	CodeInvalidField     Code = "INVALID_FIELD"      // a field fails validation (format, length, range)
	CodeDocumentExists   Code = "DOCUMENT_EXISTS"    // RegisterDocument with an id already on the ledger
	CodeDocumentNotFound Code = "DOCUMENT_NOT_FOUND" // no such document
	CodeDocumentClosed   Code = "DOCUMENT_CLOSED"    // voided, completed or declined
	CodeDocumentExpired  Code = "DOCUMENT_EXPIRED"   // past its expiry at the transaction time
	CodeNotASigner       Code = "NOT_A_SIGNER"       // certificate does not belong to any of the document's signers
	CodeAlreadySigned    Code = "ALREADY_SIGNED"     // this signer already signed or declined
	CodeOutOfTurn        Code = "OUT_OF_TURN"        // an earlier routing order has not finished
	CodeBadCertificate   Code = "BAD_CERTIFICATE"    // PEM/DER unparsable, wrong key type or curve, bad key usage
	CodeUntrustedChain   Code = "UNTRUSTED_CHAIN"    // chain does not end at a CA registered by the signer's org
	CodeCertExpired      Code = "CERT_EXPIRED"       // not valid at the transaction time (expired or not yet valid)
	CodeCertRevoked      Code = "CERT_REVOKED"       // serial on the org's latest published CRL
	CodeBadSignature     Code = "BAD_SIGNATURE"      // signature does not verify, high-S, bad encoding
	CodeUnknownAlgorithm Code = "UNKNOWN_ALGORITHM"  // algorithm not supported
	CodeNonceReused      Code = "NONCE_REUSED"       // session nonce already used
	CodeForbidden        Code = "FORBIDDEN"          // submitter lacks the role (admin, owner's org)
	CodeCAExists         Code = "CA_EXISTS"          // signer CA already registered for the org
	CodeCANotFound       Code = "CA_NOT_FOUND"       // no such registered CA
	CodeBadCRL           Code = "BAD_CRL"            // CRL unparsable, not signed by the CA, or older than the current one
	CodeClockSkew        Code = "CLOCK_SKEW"         // the tx timestamp is before the document's last event
	CodeInternal         Code = "INTERNAL"           // ledger access failed; never caused by input
)

// Error is the chaincode's error: a stable code and a message for humans.
// Its text is "CODE: message", which is what crosses the gateway.
type Error struct {
	Code    Code
	Message string
}

func (e *Error) Error() string { return string(e.Code) + ": " + e.Message }

// Errorf builds an *Error with a formatted message.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// CodeOf returns the code of err if it is (or wraps) an *Error, or the code
// found at the start of a chaincode message (as a gateway client sees it).
func CodeOf(err error) (Code, bool) {
	if err == nil {
		return "", false
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code, true
	}
	return ParseMessage(err.Error())
}

// ParseMessage extracts the code from a chaincode error message "CODE: text".
// The gateway may prefix the message with its own words, so the code is
// searched for as the first "UPPER_CASE: " token.
func ParseMessage(msg string) (Code, bool) {
	for i := 0; i < len(msg); i++ {
		if i > 0 && msg[i-1] != ' ' && msg[i-1] != '(' && msg[i-1] != '"' {
			continue
		}
		j := i
		for j < len(msg) && (msg[j] == '_' || (msg[j] >= 'A' && msg[j] <= 'Z')) {
			j++
		}
		if j > i+1 && strings.HasPrefix(msg[j:], ": ") {
			c := Code(msg[i:j])
			if knownCodes[c] {
				return c, true
			}
		}
	}
	return "", false
}

var knownCodes = map[Code]bool{
	CodeBadRequest: true, CodeInvalidField: true, CodeDocumentExists: true, CodeDocumentNotFound: true,
	CodeDocumentClosed: true, CodeDocumentExpired: true, CodeNotASigner: true, CodeAlreadySigned: true,
	CodeOutOfTurn: true, CodeBadCertificate: true, CodeUntrustedChain: true, CodeCertExpired: true,
	CodeCertRevoked: true, CodeBadSignature: true, CodeUnknownAlgorithm: true, CodeNonceReused: true,
	CodeForbidden: true, CodeCAExists: true, CodeCANotFound: true, CodeBadCRL: true, CodeInternal: true,
	CodeClockSkew: true, CodeRevisionStale: true,
}
