package pades

import (
	"bytes"
	"encoding/pem"
	"errors"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/qrsign/qrsign/chaincode/testpki"
	"github.com/qrsign/qrsign/relay/pades/padestest"
)

var at = time.Date(2031, 5, 6, 7, 8, 9, 0, time.UTC)

func sig(field string) Signature {
	return Signature{Field: field, Name: "Zoë 鲍勃", Reason: "approve (v2) \\ ok", Time: at}
}

func prepared(t *testing.T, prev []byte, s Signature) []byte {
	t.Helper()
	p, err := Prepare(prev, s)
	if err != nil {
		t.Fatal(err)
	}
	return append(bytes.Clone(prev), p.Increment...)
}

func wantCode(t *testing.T, err error, code Code, msg string) {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) || e.Code != code || !strings.Contains(e.Msg, msg) {
		t.Fatalf("error %v, want %s containing %q", err, code, msg)
	}
}

func TestPrepareRefuses(t *testing.T) {
	encrypted := bytes.Replace(padestest.SimplePDF(), []byte("/Root 1 0 R>>"), []byte("/Root 1 0 R /Encrypt 9 0 R>>"), 1)
	for _, tc := range []struct {
		name string
		prev []byte
		sig  func(*Signature)
		code Code
		msg  string
	}{
		{"not a PDF", []byte("hello"), nil, CodeNotPDF, "no startxref"},
		{"startxref past the end", []byte("%PDF-1.7\nstartxref\n999\n%%EOF\n"), nil, CodeNotPDF, "startxref does not point into the file"},
		{"encrypted", encrypted, nil, CodeUnsupported, "encrypted PDFs are not supported"},
		{"field name with a dot", padestest.SimplePDF(), func(s *Signature) { s.Field = "a.b" }, CodeBadSignature, `field name "a.b"`},
		{"field already there", formPDF(), func(s *Signature) { s.Field = "Name" }, CodeBadSignature, `already has a field named "Name"`},
		{"no signer name", padestest.SimplePDF(), func(s *Signature) { s.Name = "" }, CodeBadSignature, "signer name missing"},
		{"control character", padestest.SimplePDF(), func(s *Signature) { s.Reason = "ok\x1b[2J" }, CodeBadSignature, "reason must be UTF-8 text"},
		{"too long", padestest.SimplePDF(), func(s *Signature) { s.Name = strings.Repeat("é", 257) }, CodeBadSignature, "name must be UTF-8 text of at most 256"},
		{"no time", padestest.SimplePDF(), func(s *Signature) { s.Time = time.Time{} }, CodeBadSignature, "signing time missing"},
		{"timestamp with a name", padestest.SimplePDF(), func(s *Signature) { s.Kind = DocTimestamp }, CodeBadSignature, "a document timestamp carries no name"},
		{"tiny contents", padestest.SimplePDF(), func(s *Signature) { s.ContentsSize = 100 }, CodeBadSignature, "contents size 100 outside"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := sig("Signature1")
			if tc.sig != nil {
				tc.sig(&s)
			}
			_, err := Prepare(tc.prev, s)
			wantCode(t, err, tc.code, tc.msg)
		})
	}
}

// TestIncrementShape pins what an increment rewrites: only the innermost
// indirect object holding /Fields, /SigFlags and /Annots.
func TestIncrementShape(t *testing.T) {
	objects := regexp.MustCompile(`(?m)^(\d+) 0 obj`)
	for _, tc := range []struct {
		name string
		prev []byte
		want []string // object numbers written, in order
	}{
		// simple: 6 sig, 7 field, then catalog 1 (gains /AcroForm) and page 3 (gains /Annots)
		{"no form", padestest.SimplePDF(), []string{"6", "7", "1", "3"}},
		// form: /AcroForm 6 gains /SigFlags, /Fields array 7 and /Annots array 8 gain the field
		{"indirect form and arrays", formPDF(), []string{"10", "11", "6", "7", "8"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := Prepare(tc.prev, sig("Signature1"))
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, m := range objects.FindAllSubmatch(p.Increment, -1) {
				got = append(got, string(m[1]))
			}
			if !slices.Equal(got, tc.want) {
				t.Fatalf("increment writes objects %v, want %v:\n%s", got, tc.want, p.Increment)
			}
			again, _ := Prepare(tc.prev, sig("Signature1"))
			if !bytes.Equal(again.Increment, p.Increment) {
				t.Fatal("Prepare is not deterministic")
			}
		})
	}
}

func TestCheckIncrementRoundTrip(t *testing.T) {
	prev := padestest.SimplePDF()
	s := sig("Signature1")
	s.ContentsSize = 4000
	s.Time = at.Add(700 * time.Millisecond).In(time.FixedZone("CET", 3600))
	p, err := Prepare(prev, s)
	if err != nil {
		t.Fatal(err)
	}
	c, err := CheckIncrement(prev, append(bytes.Clone(prev), p.Increment...))
	if err != nil {
		t.Fatal(err)
	}
	s.Time = at // /M holds seconds in UTC
	if c.Signature != s || p.Signature != s || c.Digest != p.Digest || c.ByteRange != p.ByteRange || c.CMS != nil {
		t.Fatalf("checked %+v, prepared %+v", c, p)
	}
	signed, err := Embed(p, []byte{0x30, 0x03, 0x02, 0x01, 0x07})
	if err != nil {
		t.Fatal(err)
	}
	c, err = CheckIncrement(prev, signed)
	if err != nil || !bytes.Equal(c.CMS, []byte{0x30, 0x03, 0x02, 0x01, 0x07}) || c.Digest != p.Digest {
		t.Fatalf("signed revision: %v %x", err, c.CMS)
	}
}

func TestEmbedRefuses(t *testing.T) {
	p, err := Prepare(padestest.SimplePDF(), Signature{Field: "S", Name: "n", Time: at, ContentsSize: 1024})
	if err != nil {
		t.Fatal(err)
	}
	big := append([]byte{0x04, 0x82, 0x04, 0x00}, make([]byte, 1024)...)
	_, err = Embed(p, big)
	wantCode(t, err, CodeBadSignature, "signature of 1028 bytes exceeds the 1024 reserved")
	_, err = Embed(p, []byte{0x30, 0x03, 0x02, 0x01, 0x07, 0x00})
	wantCode(t, err, CodeBadSignature, "not one DER value")
}

// TestCheckIncrementRefuses tampers with a prepared revision the ways a
// relay could, each of which a signer's client must refuse.
func TestCheckIncrementRefuses(t *testing.T) {
	prev := padestest.SimplePDF()
	next := prepared(t, prev, sig("Signature1"))
	p, _ := Prepare(prev, sig("Signature1"))
	replace := func(old, new string) []byte {
		if len(old) != len(new) || !bytes.Contains(next[len(prev):], []byte(old)) {
			t.Fatalf("bad tamper %q", old)
		}
		return append(bytes.Clone(prev), bytes.Replace(next[len(prev):], []byte(old), []byte(new), 1)...)
	}
	hole := int(p.ByteRange[1]) + 1
	withContents := func(hexed string) []byte {
		b := bytes.Clone(next)
		copy(b[hole:], hexed)
		return b
	}
	dss, err := AppendDSS(prev, Validation{Certs: [][]byte{{0x30, 0x00}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name       string
		prev, next []byte
		code       Code
		msg        string
	}{
		{"previous revision altered", append([]byte("%PDF-1.6"), prev[8:]...), next, CodeNotAppended, "does not start with the previous revision"},
		{"nothing appended", prev, prev, CodeNotAppended, "does not start with the previous revision"},
		{"widget made visible", prev, replace("/Rect [0 0 0 0]", "/Rect [0 0 9 9]"), CodeIncrement, "differs from a signature increment at byte"},
		{"widget flags changed", prev, replace("/F 132", "/F 128"), CodeIncrement, "differs from a signature increment at byte"},
		{"byte range narrowed", prev, replace("/ByteRange [0 ", "/ByteRange [9 "), CodeIncrement, "differs from a signature increment at byte"},
		{"a second increment", prev, prepared(t, next, sig("Signature2")), CodeIncrement, "the increment is"},
		{"a DSS increment", prev, dss, CodeIncrement, "are not a signature dictionary and its field"},
		{"time not in the one format", prev, replace("5A>", "58>"), CodeIncrement, "/M: not D:YYYYMMDDHHmmSSZ"},
		{"control character in the name", prev, replace("/Name <FEFF005A", "/Name <FEFF001B"), CodeIncrement, "the increment states name must be UTF-8 text"},
		{"contents not hex", prev, withContents("zz"), CodeIncrement, "not a signature dictionary"},
		{"contents with trailing data", prev, withContents("3003020107000001"), CodeIncrement, "/Contents is not one DER value padded with zeros"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := CheckIncrement(tc.prev, tc.next)
			wantCode(t, err, tc.code, tc.msg)
		})
	}
}

func TestCheckDSSRefuses(t *testing.T) {
	prev := padestest.SimplePDF()
	ca := testpki.NewCA("Org1 CA", at.Add(-time.Hour), at.Add(time.Hour))
	crl, _ := pem.Decode([]byte(ca.CRL(1, at)))
	v := Validation{Certs: [][]byte{ca.Cert.Raw}, CRLs: [][]byte{crl.Bytes}}
	next, err := AppendDSS(prev, v)
	if err != nil {
		t.Fatal(err)
	}
	// Items that are one DER value each but not what the DSS says they are.
	notCert, err := AppendDSS(prev, Validation{Certs: [][]byte{{0x30, 0x01, 0x01}}})
	if err != nil {
		t.Fatal(err)
	}
	notCRL, err := AppendDSS(prev, Validation{Certs: [][]byte{ca.Cert.Raw}, CRLs: [][]byte{{0x30, 0x00}}})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := CheckDSS(prev, next); err != nil || !reflect.DeepEqual(got, v) {
		t.Fatalf("CheckDSS of a DSS increment: %v %v", got, err)
	}
	if again, _ := AppendDSS(next, v); !bytes.Equal(again, next) {
		t.Fatal("adding items the DSS already holds wrote an increment")
	}
	tampered := append(bytes.Clone(prev), bytes.Replace(next[len(prev):], []byte("/Pages 2 0 R"), []byte("/Pages 9 0 R"), 1)...)
	for _, tc := range []struct {
		name       string
		prev, next []byte
		code       Code
		msg        string
	}{
		{"not appended", next, prev, CodeNotAppended, "does not start with the previous revision"},
		{"a signature increment", prev, prepared(t, prev, sig("S")), CodeIncrement, "the revision has no /DSS"},
		{"catalog rewritten", prev, tampered, CodeIncrement, "not a DSS increment for the items it adds"},
		{"an item not a certificate", prev, notCert, CodeIncrement, "/DSS /Certs item 1 is not a certificate"},
		{"an item not a CRL", prev, notCRL, CodeIncrement, "/DSS /CRLs item 1 is not a CRL"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := CheckDSS(tc.prev, tc.next)
			wantCode(t, err, tc.code, tc.msg)
		})
	}
}

// TestPrevWithoutEOL: a file ending right after %%EOF gets an EOL before the
// increment, and its revision end is still found.
func TestPrevWithoutEOL(t *testing.T) {
	prev := bytes.TrimRight(padestest.SimplePDF(), "\n")
	next := prepared(t, prev, sig("Signature1"))
	if next[len(prev)] != '\n' {
		t.Fatalf("increment starts with %q", next[len(prev)])
	}
	if _, err := CheckIncrement(prev, next); err != nil {
		t.Fatal(err)
	}
	if ends := Revisions(next); !slices.Equal(ends, []int{len(prev), len(prev) + 1, len(next) - 1, len(next)}) {
		t.Fatalf("Revisions %v, want each %%%%EOF end and the EOL after it", ends)
	}
}
