package payload

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"strconv"
)

// BatchPDFs is what a batch-sign payload binds of the PDF signatures made
// in the same user action: Root is the Merkle tree hash (chaincode/merkle,
// RFC 9162) over PDFLeaf of each signed PDF document's statement, in the
// batch's order, and Count is the tree's size. Each document's event keeps
// its statement's inclusion proof, so one event alone proves which PDF
// revision the signer consented to.
type BatchPDFs struct {
	Root  string `json:"root"`
	Count int    `json:"count"`
}

// PDFStatementHeader is the first line of a batch document's PDF statement.
const PDFStatementHeader = "QRSIGN-PDF/1"

// PDFStatement is the canonical statement that document's PDF revision p is
// signed within a batch, in the payload's field encoding:
//
//	QRSIGN-PDF/1\n
//	document=<len>:<value>\n
//	revision=<len>:<decimal>\n
//	prevsha256=<len>:<hex>\n
//	pdfdigest=<len>:<hex>\n
func PDFStatement(document string, p PDF) ([]byte, error) {
	switch {
	case document == "":
		return nil, errors.New("payload: a PDF statement names its document")
	case p.Revision < 1 || p.Revision > MaxRevision:
		return nil, errors.New("payload: PDF revision must be 1.." + strconv.Itoa(MaxRevision))
	case !isHex64(p.PrevSHA256) || !isHex64(p.Digest):
		return nil, errors.New("payload: prevsha256 and pdfdigest must be 64 lowercase hex characters")
	}
	var b bytes.Buffer
	b.WriteString(PDFStatementHeader + "\n")
	for _, kv := range [][2]string{{"document", document}, {"revision", strconv.Itoa(p.Revision)},
		{"prevsha256", p.PrevSHA256}, {"pdfdigest", p.Digest}} {
		b.WriteString(kv[0] + "=" + strconv.Itoa(len(kv[1])) + ":" + kv[1] + "\n")
	}
	return b.Bytes(), nil
}

// PDFLeaf is the Merkle leaf of a PDF statement: its SHA-256.
func PDFLeaf(document string, p PDF) ([32]byte, error) {
	st, err := PDFStatement(document, p)
	if err != nil {
		return [32]byte{}, err
	}
	return sha256.Sum256(st), nil
}
