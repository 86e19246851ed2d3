// Package payload builds the canonical byte string a signer signs. It is
// versioned and domain-separated so that a signature made for one purpose,
// channel, document or session can never be replayed for another. The format
// is specified in chaincode/README.md; testdata/vectors.json pins it.
package payload

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Header is the first line of every version-1 payload.
const Header = "QRSIGN-PAYLOAD/1"

// MaxBatchSize bounds a batch-sign payload's size (merkle.MaxLeaves).
const MaxBatchSize = 1 << 16

// Purpose says what a signature is for.
type Purpose string

const (
	PurposeSign      Purpose = "sign"
	PurposeDecline   Purpose = "decline"
	PurposeAnnotate  Purpose = "annotate"
	PurposeLogin     Purpose = "login"
	PurposeBatchSign Purpose = "batch-sign"
	// PurposeBatchDecline declines every document of a batch that awaits the
	// signer with one signature: batch-sign's fields plus the reason.
	PurposeBatchDecline Purpose = "batch-decline"
)

// IsBatch reports whether p signs a batch (its id, Merkle root and size).
func (p Purpose) IsBatch() bool { return p == PurposeBatchSign || p == PurposeBatchDecline }

// Batched is the purpose that does p for a whole batch with one signature
// (sign → batch-sign, decline → batch-decline); false for the others.
func (p Purpose) Batched() (Purpose, bool) {
	switch p {
	case PurposeSign:
		return PurposeBatchSign, true
	case PurposeDecline:
		return PurposeBatchDecline, true
	}
	return "", false
}

// IsDecline reports whether p binds a reason.
func (p Purpose) IsDecline() bool { return p == PurposeDecline || p == PurposeBatchDecline }

// Fields are the inputs of a payload. Size is bound for the batch purposes,
// Reason for the declines, Tags and Note for annotate; they must be empty
// otherwise.
type Fields struct {
	Purpose           Purpose  `json:"purpose"`
	Channel           string   `json:"channel"`
	DocumentID        string   `json:"documentId"`     // the batch id for batch purposes, the challenge id for login
	DocumentSHA256    string   `json:"documentSha256"` // the batch's Merkle root (hex) for batch purposes
	Nonce             string   `json:"nonce"`
	SignerFingerprint string   `json:"signerFingerprint"` // SHA-256 hex of the signer certificate's DER
	Size              int      `json:"size,omitempty"`    // batch purposes only: the number of documents (1..MaxBatchSize)
	Reason            string   `json:"reason,omitempty"`
	Tags              []string `json:"tags,omitempty"`
	Note              string   `json:"note,omitempty"`
	// PDF binds a sign payload to the PDF signature made in the same user
	// action (issue 13); nil for every other signature.
	PDF *PDF `json:"pdf,omitempty"`
	// PDFs binds a batch-sign payload to the PDF signatures made in the
	// same user action, one per PDF document of the batch (issue 13 item
	// 5); nil for every other signature.
	PDFs *BatchPDFs `json:"pdfs,omitempty"`
}

// PDF is the PDF revision a signer signs beside the ledger payload: revision
// Revision is the file whose SHA-256 is PrevSHA256 plus an increment whose
// ByteRange digest is Digest (the CMS message-digest).
type PDF struct {
	Revision   int    `json:"revision"`   // 1 for the first signature over the registered file
	PrevSHA256 string `json:"prevSha256"` // revision Revision-1; the registered file for 1
	Digest     string `json:"digest"`     // SHA-256 over the increment's ByteRange, lowercase hex
}

// MaxRevision bounds PDF.Revision (a document has at most that many signers).
const MaxRevision = 999

// Fingerprint is the SHA-256 hex of a certificate's DER bytes.
func Fingerprint(der []byte) string {
	h := sha256.Sum256(der)
	return hex.EncodeToString(h[:])
}

// Build returns the canonical payload:
//
//	QRSIGN-PAYLOAD/1\n
//	purpose=<len>:<value>\n
//	channel=<len>:<value>\n
//	document=<len>:<value>\n
//	sha256=<len>:<value>\n
//	nonce=<len>:<value>\n
//	signer=<len>:<value>\n
//	size=<len>:<decimal>\n            (batch-sign and batch-decline only)
//	reason=<len>:<value>\n            (decline and batch-decline only)
//	tags=<len>:<t1,t2,...>\n          (annotate only)
//	note=<len>:<value>\n              (annotate only)
//	revision=<len>:<decimal>\n        (sign with a PDF signature only)
//	prevsha256=<len>:<hex>\n          (idem)
//	pdfdigest=<len>:<hex>\n           (idem)
//	pdfroot=<len>:<hex>\n             (batch-sign with PDF signatures only)
//	pdfcount=<len>:<decimal>\n        (idem)
//
// <len> is the value's length in bytes, decimal, so values may hold any byte.
func Build(f Fields) ([]byte, error) {
	if err := f.check(); err != nil {
		return nil, err
	}
	var b bytes.Buffer
	b.WriteString(Header)
	b.WriteByte('\n')
	put := func(k, v string) {
		b.WriteString(k)
		b.WriteByte('=')
		b.WriteString(strconv.Itoa(len(v)))
		b.WriteByte(':')
		b.WriteString(v)
		b.WriteByte('\n')
	}
	put("purpose", string(f.Purpose))
	put("channel", f.Channel)
	put("document", f.DocumentID)
	put("sha256", f.DocumentSHA256)
	put("nonce", f.Nonce)
	put("signer", f.SignerFingerprint)
	if f.Purpose.IsBatch() {
		put("size", strconv.Itoa(f.Size))
	}
	if f.Purpose.IsDecline() {
		put("reason", f.Reason)
	}
	if f.Purpose == PurposeAnnotate {
		put("tags", strings.Join(f.Tags, ","))
		put("note", f.Note)
	}
	if f.PDF != nil {
		put("revision", strconv.Itoa(f.PDF.Revision))
		put("prevsha256", f.PDF.PrevSHA256)
		put("pdfdigest", f.PDF.Digest)
	}
	if f.PDFs != nil {
		put("pdfroot", f.PDFs.Root)
		put("pdfcount", strconv.Itoa(f.PDFs.Count))
	}
	return b.Bytes(), nil
}

func (f Fields) check() error {
	switch f.Purpose {
	case PurposeSign, PurposeDecline, PurposeAnnotate, PurposeLogin, PurposeBatchSign, PurposeBatchDecline:
	default:
		return fmt.Errorf("payload: unknown purpose %q", f.Purpose)
	}
	if f.Channel == "" || f.DocumentID == "" || f.Nonce == "" {
		return errors.New("payload: channel, document and nonce are required")
	}
	if !isHex64(f.DocumentSHA256) || !isHex64(f.SignerFingerprint) {
		return errors.New("payload: sha256 and signer must be 64 lowercase hex characters")
	}
	if f.Purpose.IsBatch() && (f.Size < 1 || f.Size > MaxBatchSize) {
		return fmt.Errorf("payload: batch size must be 1..%d", MaxBatchSize)
	}
	if !f.Purpose.IsBatch() && f.Size != 0 {
		return errors.New("payload: size is bound only for batch-sign and batch-decline")
	}
	if !f.Purpose.IsDecline() && f.Reason != "" {
		return errors.New("payload: reason is bound only for decline and batch-decline")
	}
	if f.Purpose != PurposeAnnotate && (len(f.Tags) > 0 || f.Note != "") {
		return errors.New("payload: tags and note are bound only for annotate")
	}
	for _, t := range f.Tags {
		if t == "" || strings.Contains(t, ",") {
			return fmt.Errorf("payload: tag %q is empty or holds a comma", t)
		}
	}
	if p := f.PDF; p != nil {
		switch {
		case f.Purpose != PurposeSign:
			return errors.New("payload: a PDF revision is bound only for sign")
		case p.Revision < 1 || p.Revision > MaxRevision:
			return fmt.Errorf("payload: PDF revision must be 1..%d", MaxRevision)
		case !isHex64(p.PrevSHA256) || !isHex64(p.Digest):
			return errors.New("payload: prevsha256 and pdfdigest must be 64 lowercase hex characters")
		}
	}
	if p := f.PDFs; p != nil {
		switch {
		case f.Purpose != PurposeBatchSign:
			return errors.New("payload: PDF signatures of a batch are bound only for batch-sign")
		case !isHex64(p.Root):
			return errors.New("payload: pdfroot must be 64 lowercase hex characters")
		case p.Count < 1 || p.Count > f.Size:
			return fmt.Errorf("payload: pdfcount must be 1..size (%d)", f.Size)
		}
	}
	return nil
}

// Parse is the inverse of Build; it accepts exactly what Build produces.
func Parse(p []byte) (Fields, error) {
	var f Fields
	rest, ok := bytes.CutPrefix(p, []byte(Header+"\n"))
	if !ok {
		return f, errors.New("payload: missing header " + Header)
	}
	next := func(key string) (string, error) {
		k, after, ok := bytes.Cut(rest, []byte("="))
		if !ok || string(k) != key {
			return "", fmt.Errorf("payload: expected field %q", key)
		}
		n, after, ok := bytes.Cut(after, []byte(":"))
		if !ok || len(n) == 0 || len(n) > 6 || (len(n) > 1 && n[0] == '0') {
			return "", fmt.Errorf("payload: field %q: bad length", key)
		}
		l, err := strconv.Atoi(string(n))
		if err != nil || l < 0 || l+1 > len(after) || after[l] != '\n' {
			return "", fmt.Errorf("payload: field %q: bad length", key)
		}
		rest = after[l+1:]
		return string(after[:l]), nil
	}
	var err error
	var purpose string
	fields := []struct {
		key string
		dst *string
	}{{"purpose", &purpose}, {"channel", &f.Channel}, {"document", &f.DocumentID},
		{"sha256", &f.DocumentSHA256}, {"nonce", &f.Nonce}, {"signer", &f.SignerFingerprint}}
	for _, fd := range fields {
		if *fd.dst, err = next(fd.key); err != nil {
			return Fields{}, err
		}
	}
	f.Purpose = Purpose(purpose)
	if f.Purpose.IsBatch() {
		var size string
		if size, err = next("size"); err != nil {
			return Fields{}, err
		}
		if size == "" || len(size) > 6 || size[0] == '0' || strings.Trim(size, "0123456789") != "" {
			return Fields{}, errors.New("payload: size is not a positive decimal without leading zeros")
		}
		f.Size, _ = strconv.Atoi(size)
	}
	if f.Purpose.IsDecline() {
		if f.Reason, err = next("reason"); err != nil {
			return Fields{}, err
		}
	}
	if f.Purpose == PurposeAnnotate {
		var tags string
		if tags, err = next("tags"); err != nil {
			return Fields{}, err
		}
		if tags != "" {
			f.Tags = strings.Split(tags, ",")
		}
		if f.Note, err = next("note"); err != nil {
			return Fields{}, err
		}
	}
	if f.Purpose == PurposeSign && bytes.HasPrefix(rest, []byte("revision=")) {
		p := &PDF{}
		rev, err := next("revision")
		if err != nil {
			return Fields{}, err
		}
		if rev == "" || len(rev) > 3 || rev[0] == '0' || strings.Trim(rev, "0123456789") != "" {
			return Fields{}, errors.New("payload: revision is not a positive decimal without leading zeros")
		}
		p.Revision, _ = strconv.Atoi(rev)
		if p.PrevSHA256, err = next("prevsha256"); err != nil {
			return Fields{}, err
		}
		if p.Digest, err = next("pdfdigest"); err != nil {
			return Fields{}, err
		}
		f.PDF = p
	}
	if f.Purpose == PurposeBatchSign && bytes.HasPrefix(rest, []byte("pdfroot=")) {
		p := &BatchPDFs{}
		if p.Root, err = next("pdfroot"); err != nil {
			return Fields{}, err
		}
		n, err := next("pdfcount")
		if err != nil {
			return Fields{}, err
		}
		if n == "" || len(n) > 6 || n[0] == '0' || strings.Trim(n, "0123456789") != "" {
			return Fields{}, errors.New("payload: pdfcount is not a positive decimal without leading zeros")
		}
		p.Count, _ = strconv.Atoi(n)
		f.PDFs = p
	}
	if len(rest) != 0 {
		return Fields{}, errors.New("payload: trailing bytes")
	}
	if err := f.check(); err != nil {
		return Fields{}, err
	}
	return f, nil
}

func isHex64(s string) bool {
	if len(s) != 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !(s[i] >= '0' && s[i] <= '9' || s[i] >= 'a' && s[i] <= 'f') {
			return false
		}
	}
	return true
}
