package export

import (
	"testing"
	"unicode/utf8"
)

func TestWinAnsiMapsWhatItHasAndMarksWhatItLacks(t *testing.T) {
	cases := []struct{ name, in, want string }{
		{"ASCIIUnchanged", "Lease 2027 (v2)", "Lease 2027 (v2)"},
		{"Latin1Direct", "Müller é ß", "M\xfcller \xe9 \xdf"},
		{"CP1252Block", "€ – — “q” …", "\x80 \x96 \x97 \x93q\x94 \x85"},
		{"ControlsBecomeSpaces", "a\nb\tc\x00", "a b c "},
		{"UnmappedBecomesQuestionMark", "契約 ☃", "?? ?"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := string(winAnsi(c.in)); got != c.want {
				t.Errorf("winAnsi(%q) = %q, want %q", c.in, got, c.want)
			}
		})
	}
}

// Whatever a title holds, its PDF string literal is 7-bit printable, has
// every delimiter escaped, and is one character per rune.
func FuzzPDFString(f *testing.F) {
	for _, s := range []string{"", "(", ")\\", "a(b)c", "€\x00\xff", "\\)", "契約"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		lit := pdfString(winAnsi(s))
		if lit[0] != '(' || lit[len(lit)-1] != ')' {
			t.Fatalf("%q not delimited", lit)
		}
		body, n := lit[1:len(lit)-1], 0
		for i := 0; i < len(body); i++ {
			c := body[i]
			if c < 0x20 || c >= 0x7f {
				t.Fatalf("raw byte %#x in %q", c, lit)
			}
			switch c {
			case '(', ')':
				t.Fatalf("unescaped %q in %q", c, lit)
			case '\\':
				i++
				if body[i] >= '0' && body[i] <= '3' {
					i += 2 // three octal digits
				}
			}
			n++
		}
		if want := utf8.RuneCountInString(s); n != want {
			t.Fatalf("%d characters for %d runes (%q)", n, want, lit)
		}
	})
}
