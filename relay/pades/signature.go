package pades

import (
	"bytes"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"encoding/hex"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/qrsign/qrsign/relay/cms"
)

// Kind is what a signature dictionary holds.
type Kind int

const (
	// CAdES is a signer's signature: /SubFilter /ETSI.CAdES.detached, CMS SignedData.
	CAdES Kind = iota
	// DocTimestamp is a document timestamp (PAdES B-LTA): /SubFilter /ETSI.RFC3161, an RFC 3161 token.
	DocTimestamp
)

// Signature is what an increment states about a signature: everything a
// signer's client shows and checks before signing.
type Signature struct {
	Kind   Kind
	Field  string    // form field name: [A-Za-z0-9_-]{1,64}, new in the document
	Name   string    // signer's name (/Name); CAdES only
	Reason string    // /Reason; CAdES only, may be empty
	Time   time.Time // /M, to the second, written in UTC; CAdES only
	// ContentsSize is the bytes reserved for the CMS or token; 0 means DefaultContentsSize.
	ContentsSize int
}

const (
	DefaultContentsSize = 16384
	minContentsSize     = 1024
	maxContentsSize     = 1 << 20
	maxTextRunes        = 256
)

var fieldName = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

func (s *Signature) validate() error {
	if s.ContentsSize == 0 {
		s.ContentsSize = DefaultContentsSize
	}
	if s.ContentsSize < minContentsSize || s.ContentsSize > maxContentsSize {
		return errf(CodeBadSignature, "contents size %d outside %d..%d", s.ContentsSize, minContentsSize, maxContentsSize)
	}
	if !fieldName.MatchString(s.Field) {
		return errf(CodeBadSignature, "field name %q is not 1-64 of A-Z a-z 0-9 _ -", s.Field)
	}
	switch s.Kind {
	case CAdES:
		if s.Time.IsZero() {
			return errf(CodeBadSignature, "signing time missing")
		}
		s.Time = s.Time.UTC().Truncate(time.Second) // as /M states it, so CheckIncrement gives it back equal
		for _, f := range [][2]string{{"name", s.Name}, {"reason", s.Reason}} {
			what, t := f[0], f[1]
			if !utf8.ValidString(t) || utf8.RuneCountInString(t) > maxTextRunes || strings.ContainsFunc(t, unicode.IsControl) {
				return errf(CodeBadSignature, "%s must be UTF-8 text of at most %d characters without control characters", what, maxTextRunes)
			}
		}
		if s.Name == "" {
			return errf(CodeBadSignature, "signer name missing")
		}
	case DocTimestamp:
		if s.Name != "" || s.Reason != "" || !s.Time.IsZero() {
			return errf(CodeBadSignature, "a document timestamp carries no name, reason or time")
		}
	default:
		return errf(CodeBadSignature, "unknown signature kind %d", s.Kind)
	}
	return nil
}

// Prepared is a revision waiting for its signature.
type Prepared struct {
	Signature Signature
	Prev      []byte   // the previous revision (not copied)
	Increment []byte   // the increment, /Contents all zeros
	ByteRange [4]int64 // offsets in Prev+Increment
	Digest    [32]byte // SHA-256 over the ByteRange: the CMS message-digest
}

// Prepare appends to prev an increment that adds only a signature: a
// signature dictionary with a /Contents placeholder, an invisible signature
// field merged with its widget, that field appended to the form's /Fields (and
// /SigFlags 3) and the widget appended to the first page's /Annots. It is
// deterministic: CheckIncrement re-runs it to judge an increment.
func Prepare(prev []byte, sig Signature) (*Prepared, error) {
	if err := sig.validate(); err != nil {
		return nil, err
	}
	e, err := newEditor(prev)
	if err != nil {
		return nil, err
	}
	sigRef, fieldRef := e.alloc(), e.alloc()
	page, err := e.addField(sig.Field, fieldRef)
	if err != nil {
		return nil, err
	}
	widget := newDict()
	widget.set("Type", name("Annot"))
	widget.set("Subtype", name("Widget"))
	widget.set("FT", name("Sig"))
	widget.set("T", []byte(sig.Field))
	widget.set("V", sigRef)
	widget.set("F", 132) // Print | Locked
	widget.set("Rect", array{0, 0, 0, 0})
	widget.set("P", page)
	var wbody bytes.Buffer
	writeObj(&wbody, widget)

	body, holeAt := sigDict(sig)
	inc, offsets := e.write([]indirect{{sigRef, body}, {fieldRef, wbody.Bytes()}})
	p := &Prepared{Signature: sig, Prev: prev, Increment: inc}
	// The hole is the hex string <...>; the ByteRange covers all else.
	sigAt := offsets[sigRef.num] + len(fmt.Sprintf("%d 0 obj\n", sigRef.num))
	a := int64(sigAt + holeAt)
	b := a + int64(2+2*sig.ContentsSize)
	total := int64(len(prev) + len(inc))
	p.ByteRange = [4]int64{0, a, b, total - b}
	br := fmt.Appendf(nil, byteRangeFormat, a, b, total-b)
	brAt := sigAt - len(prev) + bytes.Index(body, []byte(byteRangePlaceholder))
	copy(inc[brAt:], br)
	// The signature dictionary is in the increment, so the hole is too.
	h := sha256.New()
	h.Write(prev)
	h.Write(inc[:a-int64(len(prev))])
	h.Write(inc[b-int64(len(prev)):])
	copy(p.Digest[:], h.Sum(nil))
	return p, nil
}

const byteRangeFormat = "[0 %010d %010d %010d]"

var byteRangePlaceholder = fmt.Sprintf(byteRangeFormat, 0, 0, 0)

// sigDict writes the signature dictionary and returns where its /Contents
// hex string starts.
func sigDict(sig Signature) ([]byte, int) {
	var buf bytes.Buffer
	if sig.Kind == DocTimestamp {
		buf.WriteString("<</Type /DocTimeStamp /Filter /Adobe.PPKLite /SubFilter /ETSI.RFC3161")
	} else {
		buf.WriteString("<</Type /Sig /Filter /Adobe.PPKLite /SubFilter /ETSI.CAdES.detached /Name ")
		writeObj(&buf, textString(sig.Name))
		if sig.Reason != "" {
			buf.WriteString(" /Reason ")
			writeObj(&buf, textString(sig.Reason))
		}
		buf.WriteString(" /M ")
		writeObj(&buf, []byte(pdfDate(sig.Time)))
	}
	buf.WriteString(" /ByteRange " + byteRangePlaceholder + " /Contents ")
	at := buf.Len()
	buf.WriteByte('<')
	buf.Write(bytes.Repeat([]byte("0"), 2*sig.ContentsSize))
	buf.WriteString(">>>")
	return buf.Bytes(), at
}

// addField appends field to the form (creating it if needed) and to the first
// page's /Annots; it returns the page.
func (e *editor) addField(field string, fieldRef ref) (ref, error) {
	cat, err := e.catalog()
	if err != nil {
		return ref{}, err
	}
	cat = cat.clone()
	form, err := e.holder(cat, "AcroForm")
	if err != nil {
		return ref{}, err
	}
	if err := e.checkFieldName(form.dict, field); err != nil {
		return ref{}, err
	}
	formChanged, err := e.appendRefs(form.dict, "Fields", fieldRef)
	if err != nil {
		return ref{}, err
	}
	if flags, _ := form.dict.get("SigFlags").(int64); flags&3 != 3 {
		form.dict.set("SigFlags", flags|3)
		formChanged = true
	}
	if formChanged {
		if err := e.storeInCatalog(cat, "AcroForm", form); err != nil {
			return ref{}, err
		}
	}
	pageRef, err := e.firstPage(cat)
	if err != nil {
		return ref{}, err
	}
	page, err := e.dictAt(pageRef, "first page")
	if err != nil {
		return ref{}, err
	}
	page = page.clone()
	if changed, err := e.appendRefs(page, "Annots", fieldRef); err != nil {
		return ref{}, err
	} else if changed {
		return pageRef, e.edit(pageRef, page)
	}
	return pageRef, nil
}

// checkFieldName refuses a name a top-level field already has.
func (e *editor) checkFieldName(form *dict, field string) error {
	fields, err := e.f.resolve(form.get("Fields"))
	if err != nil {
		return errf(CodeNotPDF, "/Fields: %v", err)
	}
	arr, _ := fields.(array)
	for _, fv := range arr {
		fd, err := e.dictAt(fv, "form field")
		if err != nil {
			return err
		}
		t, _ := fd.get("T").([]byte)
		if decodeText(t) == field {
			return errf(CodeBadSignature, "the document already has a field named %q", field)
		}
	}
	return nil
}

// firstPage walks /Pages down the first kids to a page object reference.
func (e *editor) firstPage(cat *dict) (ref, error) {
	node, ok := cat.get("Pages").(ref)
	for depth := 0; ok && depth < maxDepth; depth++ {
		d, err := e.dictAt(node, "page tree node")
		if err != nil {
			return ref{}, err
		}
		if d.get("Type") == name("Page") {
			return node, nil
		}
		kids, _ := d.get("Kids").(array)
		if len(kids) == 0 {
			break
		}
		node, ok = kids[0].(ref)
	}
	return ref{}, errf(CodeNotPDF, "no first page reachable by reference from /Pages")
}

// textString encodes a PDF text string as UTF-16BE with a byte order mark,
// which carries any name in any script.
func textString(s string) []byte {
	out := []byte{0xfe, 0xff}
	for _, u := range utf16.Encode([]rune(s)) {
		out = append(out, byte(u>>8), byte(u))
	}
	return out
}

// decodeText reads a text string: UTF-16BE with a byte order mark, else
// taken byte for byte (PDFDocEncoding agrees with Latin-1 on the names a field can have).
func decodeText(b []byte) string {
	if len(b) >= 2 && b[0] == 0xfe && b[1] == 0xff {
		u := make([]uint16, 0, len(b)/2)
		for i := 2; i+1 < len(b); i += 2 {
			u = append(u, uint16(b[i])<<8|uint16(b[i+1]))
		}
		return string(utf16.Decode(u))
	}
	r := make([]rune, len(b))
	for i, c := range b {
		r[i] = rune(c)
	}
	return string(r)
}

const pdfDateLayout = "20060102150405"

func pdfDate(t time.Time) string { return "D:" + t.UTC().Format(pdfDateLayout) + "Z" }

func parsePDFDate(s string) (time.Time, error) {
	v, ok := strings.CutPrefix(s, "D:")
	if v, ok2 := strings.CutSuffix(v, "Z"); ok && ok2 {
		return time.Parse(pdfDateLayout, v)
	}
	return time.Time{}, fmt.Errorf("not D:YYYYMMDDHHmmSSZ")
}

// Embed places cms (DER CMS SignedData, or an RFC 3161 token for a document
// timestamp) in the placeholder and returns the whole signed revision.
func Embed(p *Prepared, cms []byte) ([]byte, error) {
	if len(cms) > p.Signature.ContentsSize {
		return nil, errf(CodeBadSignature, "signature of %d bytes exceeds the %d reserved", len(cms), p.Signature.ContentsSize)
	}
	if n, err := derLength(cms); err != nil || n != len(cms) {
		return nil, errf(CodeBadSignature, "signature is not one DER value")
	}
	out := make([]byte, 0, len(p.Prev)+len(p.Increment))
	out = append(append(out, p.Prev...), p.Increment...)
	hex.Encode(out[p.ByteRange[1]+1:], cms)
	return out, nil
}

// derLength is the length of the DER value b starts with.
func derLength(b []byte) (int, error) {
	var raw asn1.RawValue
	rest, err := asn1.Unmarshal(b, &raw)
	if err != nil {
		return 0, err
	}
	return len(b) - len(rest), nil
}

// Checked is what CheckIncrement learnt about an increment.
type Checked struct {
	Signature Signature
	ByteRange [4]int64
	Digest    [32]byte // recomputed from the bytes: what the signature must cover
	CMS       []byte   // nil while /Contents is still the placeholder
}

// SignerCert verifies a signed increment's CMS: SHA-256 with ECDSA over
// signed attributes whose message digest is c.Digest, by the certificate it
// carries. It judges neither trust nor validity dates (a phone may state
// its signature before its certificate was issued): what the returned
// certificate is worth is the caller's to judge (the ledger's signer, a CA
// the verifier names).
func (c *Checked) SignerCert() (*x509.Certificate, error) {
	if c.CMS == nil {
		return nil, fmt.Errorf("%s: the signature is a placeholder", CodeBadSignature)
	}
	s, err := cms.Parse(c.CMS)
	if err != nil {
		return nil, err
	}
	roots := x509.NewCertPool()
	var at time.Time // when every carried certificate has begun
	for _, cert := range s.Certs {
		roots.AddCert(cert)
		if cert.NotBefore.After(at) {
			at = cert.NotBefore
		}
	}
	return s.Verify(c.Digest[:], x509.VerifyOptions{Roots: roots, CurrentTime: at, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}})
}

// CheckIncrement verifies that next is prev plus exactly the increment
// Prepare writes for the signature metadata next states, and nothing else,
// and recomputes the digest. /Contents may be the placeholder or a DER value
// followed by zeros (a signed revision), nothing else.
func CheckIncrement(prev, next []byte) (*Checked, error) {
	nf, size, err := appended(prev, next)
	if err != nil {
		return nil, err
	}
	sig, err := statedSignature(nf, size)
	if err != nil {
		return nil, err
	}
	want, err := Prepare(prev, sig)
	if e, ok := err.(*Error); ok && e.Code == CodeBadSignature {
		return nil, errf(CodeIncrement, "the increment states %s", e.Msg)
	} else if err != nil {
		return nil, err
	}
	got := next[len(prev):]
	if len(got) != len(want.Increment) {
		return nil, errf(CodeIncrement, "the increment is %d bytes, a signature increment for what it states is %d", len(got), len(want.Increment))
	}
	hole := [2]int64{want.ByteRange[1] + 1 - int64(len(prev)), want.ByteRange[2] - 1 - int64(len(prev))}
	for i := range got {
		inHole := int64(i) >= hole[0] && int64(i) < hole[1]
		if !inHole && got[i] != want.Increment[i] {
			return nil, errf(CodeIncrement, "the increment differs from a signature increment at byte %d of the revision", len(prev)+i)
		}
	}
	c := &Checked{Signature: sig, ByteRange: want.ByteRange, Digest: want.Digest}
	hexed := got[hole[0]:hole[1]]
	if bytes.Count(hexed, []byte("0")) == len(hexed) {
		return c, nil
	}
	raw := make([]byte, len(hexed)/2)
	if _, err := hex.Decode(raw, hexed); err != nil {
		return nil, errf(CodeIncrement, "/Contents is not hexadecimal")
	}
	n, err := derLength(raw)
	if err != nil || bytes.Count(raw[n:], []byte{0}) != len(raw)-n {
		return nil, errf(CodeIncrement, "/Contents is not one DER value padded with zeros")
	}
	c.CMS = raw[:n]
	return c, nil
}

// appended checks that next starts with prev and reads next; it returns
// prev's /Size, the first object number an increment adds.
func appended(prev, next []byte) (*file, int, error) {
	if len(next) <= len(prev) || !bytes.Equal(next[:len(prev)], prev) {
		return nil, 0, errf(CodeNotAppended, "the revision does not start with the previous revision's %d bytes", len(prev))
	}
	pf, err := readFile(prev)
	if err != nil {
		return nil, 0, err
	}
	nf, err := readFile(next)
	if err != nil {
		return nil, 0, errf(CodeIncrement, "the revision is unreadable: %v", err)
	}
	size, _ := pf.trailer.get("Size").(int64)
	return nf, int(size), nil
}

// statedSignature reads the metadata the signature dictionary and field
// (objects size and size+1) state. It may be lenient: Prepare re-derives
// every byte from it.
func statedSignature(nf *file, size int) (Signature, error) {
	sigObj, err1 := nf.object(ref{size, 0})
	fieldObj, err2 := nf.object(ref{size + 1, 0})
	sd, ok1 := sigObj.(*dict)
	fd, ok2 := fieldObj.(*dict)
	if err1 != nil || err2 != nil || !ok1 || !ok2 {
		return Signature{}, errf(CodeIncrement, "objects %d and %d are not a signature dictionary and its field", size, size+1)
	}
	contents, _ := sd.get("Contents").([]byte)
	t, _ := fd.get("T").([]byte)
	sig := Signature{Field: string(t), ContentsSize: len(contents)}
	if sd.get("Type") == name("DocTimeStamp") {
		sig.Kind = DocTimestamp
		return sig, nil
	}
	n, _ := sd.get("Name").([]byte)
	r, _ := sd.get("Reason").([]byte)
	m, _ := sd.get("M").([]byte)
	sig.Name, sig.Reason = decodeText(n), decodeText(r)
	var err error
	if sig.Time, err = parsePDFDate(string(m)); err != nil {
		return Signature{}, errf(CodeIncrement, "/M: %v", err)
	}
	return sig, nil
}
