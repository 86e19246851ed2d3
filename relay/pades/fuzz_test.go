package pades

import (
	"bytes"
	"errors"
	"testing"

	"github.com/qrsign/qrsign/relay/pades/padestest"
)

// FuzzCheckIncrement feeds arbitrary revisions to the client's check and to
// Prepare: they must answer with an *Error, never panic or accept a
// revision that Prepare would not have written.
func FuzzCheckIncrement(f *testing.F) {
	prev := padestest.SimplePDF()
	p, err := Prepare(prev, sig("Signature1"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(p.Increment)
	f.Add(formPDF())
	f.Add([]byte("%PDF-1.7\n1 0 obj <</Type /XRef /W [1 2 1] /Size 3 /Root 1 0 R /Length 4>> stream\n\x01\x00\x00\x00\nendstream endobj\nstartxref\n9\n%%EOF"))
	f.Fuzz(func(t *testing.T, inc []byte) {
		next := append(bytes.Clone(prev), inc...)
		var e *Error
		c, err := CheckIncrement(prev, next)
		if err != nil && !errors.As(err, &e) {
			t.Fatalf("untyped error %v", err)
		}
		if err == nil {
			want, perr := Prepare(prev, c.Signature)
			if perr != nil || len(want.Increment) != len(inc) {
				t.Fatalf("accepted an increment Prepare would not write: %v", perr)
			}
		}
		if _, err := Prepare(inc, sig("Signature1")); err != nil && !errors.As(err, &e) {
			t.Fatalf("untyped error %v", err)
		}
	})
}
