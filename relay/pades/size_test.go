package pades

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"testing"

	"github.com/qrsign/qrsign/relay/pades/padestest"
)

const hiddenText = "BT /F1 24 Tf 72 600 Td (Shown by object 6) Tj ET"

// formXObjectBodies: the page draws form XObject 6 (visible text), so an
// increment numbering its objects from an understated /Size 6 would replace it.
func formXObjectBodies() []string {
	draw := "q /Fm1 Do Q"
	return []string{
		"<</Type /Catalog /Pages 2 0 R>>",
		"<</Type /Pages /Kids [3 0 R] /Count 1>>",
		"<</Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources <</Font <</F1 5 0 R>> /XObject <</Fm1 6 0 R>>>>>>",
		fmt.Sprintf("<</Length %d>>\nstream\n%s\nendstream", len(draw), draw),
		"<</Type /Font /Subtype /Type1 /BaseFont /Helvetica>>",
		fmt.Sprintf("<</Type /XObject /Subtype /Form /BBox [0 0 612 792] /Resources <</Font <</F1 5 0 R>>>> /Length %d>>\nstream\n%s\nendstream", len(hiddenText), hiddenText),
	}
}

// xrefRow is one uncompressed xref stream row with /W [1 4 2].
func xrefRow(kind byte, field2 int, field3 int) []byte {
	row := []byte{kind, 0, 0, 0, 0, 0, 0}
	binary.BigEndian.PutUint32(row[1:5], uint32(field2))
	binary.BigEndian.PutUint16(row[5:7], uint16(field3))
	return row
}

// writeObjects writes the header and bodies as objects 1..n and returns their offsets (index 0 unused).
func writeObjects(b *bytes.Buffer, bodies []string) []int {
	b.WriteString("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
	offsets := make([]int, len(bodies)+1)
	for i, body := range bodies {
		offsets[i+1] = b.Len()
		fmt.Fprintf(b, "%d 0 obj\n%s\nendobj\n", i+1, body)
	}
	return offsets
}

// xrefStreamPDF lists objects 1..6 and the xref stream 7 itself in an xref stream with the given /Size.
func xrefStreamPDF(size int) []byte {
	var b bytes.Buffer
	offsets := writeObjects(&b, formXObjectBodies())
	at := b.Len()
	rows := xrefRow(0, 0, 65535)
	for _, o := range offsets[1:] {
		rows = append(rows, xrefRow(1, o, 0)...)
	}
	rows = append(rows, xrefRow(1, at, 0)...)
	fmt.Fprintf(&b, "7 0 obj\n<</Type /XRef /Size %d /Index [0 8] /W [1 4 2] /Root 1 0 R /Length %d>>\nstream\n%s\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n", size, len(rows), rows, at)
	return b.Bytes()
}

// hybridPDF lists objects 1..5 in a classic table and 6..7 only in the /XRefStm.
func hybridPDF(size int) []byte {
	var b bytes.Buffer
	offsets := writeObjects(&b, formXObjectBodies())
	stm := b.Len()
	rows := append(xrefRow(1, offsets[6], 0), xrefRow(1, stm, 0)...)
	fmt.Fprintf(&b, "7 0 obj\n<</Type /XRef /Size 8 /Index [6 2] /W [1 4 2] /Length %d>>\nstream\n%s\nendstream\nendobj\n", len(rows), rows)
	at := b.Len()
	b.WriteString("xref\n0 6\n0000000000 65535 f\r\n")
	for _, o := range offsets[1:6] {
		fmt.Fprintf(&b, "%010d 00000 n\r\n", o)
	}
	fmt.Fprintf(&b, "trailer\n<</Size %d /Root 1 0 R /XRefStm %d>>\nstartxref\n%d\n%%%%EOF\n", size, stm, at)
	return b.Bytes()
}

// objStmPDF keeps the font, object 6, in object stream 5; xref stream 7 lists 0..6.
func objStmPDF(size int) []byte {
	font := "<</Type /Font /Subtype /Type1 /BaseFont /Helvetica>>"
	hdr := "6 0 "
	content := padestest.PageContent
	var b bytes.Buffer
	offsets := writeObjects(&b, []string{
		"<</Type /Catalog /Pages 2 0 R>>",
		"<</Type /Pages /Kids [3 0 R] /Count 1>>",
		"<</Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources <</Font <</F1 6 0 R>>>>>>",
		fmt.Sprintf("<</Length %d>>\nstream\n%s\nendstream", len(content), content),
		fmt.Sprintf("<</Type /ObjStm /N 1 /First %d /Length %d>>\nstream\n%s%s\nendstream", len(hdr), len(hdr)+len(font), hdr, font),
	})
	at := b.Len()
	rows := xrefRow(0, 0, 65535)
	for _, o := range offsets[1:] {
		rows = append(rows, xrefRow(1, o, 0)...)
	}
	rows = append(rows, xrefRow(2, 5, 0)...)
	fmt.Fprintf(&b, "7 0 obj\n<</Type /XRef /Size %d /Index [0 7] /W [1 4 2] /Root 1 0 R /Length %d>>\nstream\n%s\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n", size, len(rows), rows, at)
	return b.Bytes()
}

// TestUnderstatedSize: new objects are numbered from the trailer's /Size, so
// a /Size at or below an object in use is refused (found by review: the
// signature dictionary replaced a form XObject the page draws, and
// CheckIncrement accepted it). The same files with their true /Size sign.
func TestUnderstatedSize(t *testing.T) {
	classic := padestest.Handmade(formXObjectBodies()...)
	understated := bytes.Replace(classic, []byte("<</Size 7 "), []byte("<</Size 6 "), 1)
	if bytes.Equal(understated, classic) {
		t.Fatal("no /Size 7 to understate")
	}
	for _, tc := range []struct {
		name    string
		ok, bad []byte
		msg     string
	}{
		{"classic xref", classic, understated, "trailer /Size 6 is not above object 6, which the cross-reference lists in use"},
		{"xref stream", xrefStreamPDF(8), xrefStreamPDF(6), "trailer /Size 6 is not above object 7, which the cross-reference lists in use"},
		{"hybrid XRefStm", hybridPDF(8), hybridPDF(6), "trailer /Size 6 is not above object 7, which the cross-reference lists in use"},
		{"object stream", objStmPDF(7), objStmPDF(6), "trailer /Size 6 is not above object 6, which the cross-reference lists in use"},
		// An older section still lists object 6: /Size must cover every section.
		{"older section", classic, appendEmptyUpdate(classic, 6), "trailer /Size 6 is not above object 6, which the cross-reference lists in use"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := Prepare(tc.ok, sig("Signature1"))
			if err != nil {
				t.Fatalf("true /Size: %v", err)
			}
			if _, err := CheckIncrement(tc.ok, append(bytes.Clone(tc.ok), p.Increment...)); err != nil {
				t.Fatalf("true /Size: %v", err)
			}
			_, err = Prepare(tc.bad, sig("Signature1"))
			wantCode(t, err, CodeUnsupported, tc.msg)
			_, err = AppendDSS(tc.bad, Validation{Certs: [][]byte{{0x30, 0}}})
			wantCode(t, err, CodeUnsupported, tc.msg)
			// The client refuses alike an increment whose signature
			// dictionary and field take objects 6 and 7.
			_, err = CheckIncrement(tc.bad, overwriting(tc.bad))
			wantCode(t, err, CodeUnsupported, tc.msg)
		})
	}
}

// appendEmptyUpdate adds an update whose table lists nothing and whose trailer says /Size size.
func appendEmptyUpdate(prev []byte, size int) []byte {
	f, err := readFile(prev)
	if err != nil {
		panic(err)
	}
	b := bytes.NewBuffer(bytes.Clone(prev))
	at := b.Len()
	fmt.Fprintf(b, "xref\n0 0\ntrailer\n<</Size %d /Root 1 0 R /Prev %d>>\nstartxref\n%d\n%%%%EOF\n", size, f.startxref, at)
	return b.Bytes()
}

// overwriting appends objects 6 and 7 stating a signature and its field, as
// an increment numbered from /Size 6 would: enough for CheckIncrement to read
// the metadata and re-run Prepare.
func overwriting(prev []byte) []byte {
	f, err := readFile(prev)
	if err != nil {
		panic(err)
	}
	b := bytes.NewBuffer(bytes.Clone(prev))
	six := b.Len()
	fmt.Fprintf(b, "6 0 obj\n<</Type /Sig /Name <FEFF0041> /M (D:20310506070809Z) /Contents <%s>>>\nendobj\n", bytes.Repeat([]byte("0"), 2*minContentsSize))
	seven := b.Len()
	b.WriteString("7 0 obj\n<</T (Signature1)>>\nendobj\n")
	at := b.Len()
	fmt.Fprintf(b, "xref\n6 2\n%010d 00000 n\r\n%010d 00000 n\r\ntrailer\n<</Size 8 /Root 1 0 R /Prev %d>>\nstartxref\n%d\n%%%%EOF\n", six, seven, f.startxref, at)
	return b.Bytes()
}
