package text

import (
	"encoding/json"
	"testing"
	"unicode/utf8"
)

// forged is the title of issue 11: it prints a second "Document:" line and
// reverses the end of the title.
const forged = "Loan guarantee 500000 EUR\nSHA-256:    (looks fine)\nDocument:   Newsletter subscription\u202e fdp.txt"

func TestCheck(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   string
		kind Kind
		want string
	}{
		{"plain", "Loan guarantee 500000 EUR", Line, ""},
		{"accents, CJK, emoji", "Contrat signé 契約 ✍️ 5€", Line, ""},
		{"encoded U+FFFD is a character", "a\ufffdb", Line, ""},
		{"forged title", forged, Line, "U+000A at byte 25 is a control character"},
		{"forged title's bidi override as free text", forged, Lines, "U+202E at byte 86 is an invisible formatting character (bidi control, zero-width, BOM, tag, …)"},
		{"LF in a reason", "Clause 4 is wrong.\nPlease fix", Lines, ""},
		{"CR in a reason", "a\r\nb", Lines, "U+000D at byte 1 is a control character"},
		{"tab", "a\tb", Line, "U+0009 at byte 1 is a control character"},
		{"NUL", "a\x00", Line, "U+0000 at byte 1 is a control character"},
		{"DEL", "a\x7f", Lines, "U+007F at byte 1 is a control character"},
		{"C1 NEL", "a\u0085b", Lines, "U+0085 at byte 1 is a C1 control character"},
		{"C1 CSI", "\u009b31m", Line, "U+009B at byte 0 is a C1 control character"},
		{"line separator", "a\u2028b", Lines, "U+2028 at byte 1 is a line or paragraph separator"},
		{"paragraph separator", "a\u2029b", Line, "U+2029 at byte 1 is a line or paragraph separator"},
		{"LRE", "\u202aa", Line, "U+202A at byte 0 is an invisible formatting character (bidi control, zero-width, BOM, tag, …)"},
		{"RLO", "ab\u202e", Line, "U+202E at byte 2 is an invisible formatting character (bidi control, zero-width, BOM, tag, …)"},
		{"LRI", "\u2066x", Line, "U+2066 at byte 0 is an invisible formatting character (bidi control, zero-width, BOM, tag, …)"},
		{"PDI", "x\u2069", Line, "U+2069 at byte 1 is an invisible formatting character (bidi control, zero-width, BOM, tag, …)"},
		{"LRM", "x\u200e", Line, "U+200E at byte 1 is an invisible formatting character (bidi control, zero-width, BOM, tag, …)"},
		{"RLM", "x\u200f", Line, "U+200F at byte 1 is an invisible formatting character (bidi control, zero-width, BOM, tag, …)"},
		{"ALM", "x\u061c", Line, "U+061C at byte 1 is an invisible formatting character (bidi control, zero-width, BOM, tag, …)"},
		{"ZWSP", "pay\u200bpal", Line, "U+200B at byte 3 is an invisible formatting character (bidi control, zero-width, BOM, tag, …)"},
		{"ZWJ", "a\u200db", Line, "U+200D at byte 1 is an invisible formatting character (bidi control, zero-width, BOM, tag, …)"},
		{"word joiner", "a\u2060b", Line, "U+2060 at byte 1 is an invisible formatting character (bidi control, zero-width, BOM, tag, …)"},
		{"invisible plus", "1\u20642", Line, "U+2064 at byte 1 is an invisible formatting character (bidi control, zero-width, BOM, tag, …)"},
		{"BOM", "\ufeffTitle", Line, "U+FEFF at byte 0 is an invisible formatting character (bidi control, zero-width, BOM, tag, …)"},
		{"tag character", "a\U000e0041", Line, "U+E0041 at byte 1 is an invisible formatting character (bidi control, zero-width, BOM, tag, …)"},
		{"soft hyphen", "in\u00advoice", Line, "U+00AD at byte 2 is an invisible formatting character (bidi control, zero-width, BOM, tag, …)"},
		{"invalid UTF-8", "ab\xffc", Line, "invalid UTF-8 at byte 2"},
		{"CESU lone surrogate", "a\xed\xa0\x80", Lines, "invalid UTF-8 at byte 1"},
		{"truncated rune", "a\xe2\x82", Line, "invalid UTF-8 at byte 1"},
		{"decomposed é (NFD)", "Contrat sign\u0065\u0301", Line, "is not in Unicode NFC (normalise it first: what is signed is what is recorded)"},
		{"composed é (NFC)", "Contrat sign\u00e9", Line, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := ""
			if err := Check(tc.in, tc.kind); err != nil {
				got = err.Error()
			}
			if got != tc.want {
				t.Errorf("Check(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestEscape(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"Contrat signé 契約 5€", "Contrat signé 契約 5€"},
		{forged, `Loan guarantee 500000 EUR\nSHA-256:    (looks fine)\nDocument:   Newsletter subscription\u202e fdp.txt`},
		{"a\r\tb\x00\x7f", `a\r\tb\u0000\u007f`},
		{"\u0085\u009b", `\u0085\u009b`},
		{"\u2066\u2069\u200b\u200d\ufeff\u2028", `\u2066\u2069\u200b\u200d\ufeff\u2028`},
		{"a\U000e0041", `a\U000e0041`},
		{"a\xffb\xed\xa0\x80", `a\xffb\xed\xa0\x80`},
		{"a\ufffd", "a\ufffd"},
		{`C:\docs`, `C:\docs`},
	} {
		if got := Escape(tc.in); got != tc.want {
			t.Errorf("Escape(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestCheckJSON(t *testing.T) {
	for _, tc := range []struct {
		name, in, want string
	}{
		{"clean", `{"title":"Contrat sign\u00e9 \ud83d\ude00 ✍","tags":["a"]}`, ""},
		{"escaped backslash before u", `{"title":"\\ud800"}`, ""},
		{"lone high surrogate", `{"id":"x","title":"a\ud800b"}`, `title: holds \ud800, a lone surrogate (not a character)`},
		{"lone low surrogate", `{"note":"\uDC00"}`, `note: holds \udc00, a lone surrogate (not a character)`},
		{"high then non-low", `{"reason":"\ud800\u0041"}`, `reason: holds \ud800, a lone surrogate (not a character)`},
		{"high at the end", `{"reason":"\ud83d"}`, `reason: holds \ud83d, a lone surrogate (not a character)`},
		{"invalid UTF-8", "{\"title\":\"ab\xffc\"}", "title: invalid UTF-8 at byte 2 of the string"},
		{"in an array", "{\"tags\":[\"ok\",\"\xc3\"]}", "tags: invalid UTF-8 at byte 0 of the string"},
		{"in a key", "{\"ti\xfftle\":\"x\"}", "an object key: invalid UTF-8 at byte 2 of the string"},
		{"nested", `{"signers":[{"id":"a\udfff"}]}`, `id: holds \udfff, a lone surrogate (not a character)`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if !json.Valid([]byte(tc.in)) {
				t.Fatalf("test input is not JSON: %s", tc.in)
			}
			got := ""
			if err := CheckJSON([]byte(tc.in)); err != nil {
				got = err.Error()
			}
			if got != tc.want {
				t.Errorf("CheckJSON(%s) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestEscapeClip(t *testing.T) {
	for _, tc := range []struct {
		in   string
		max  int
		want string
		cut  bool
	}{
		{"abc", 3, "abc", false},
		{"abcd", 3, "abc", true},
		{"a\u202eb", 7, `a\u202e`, true},
		{"aé", 2, "a", true},
		{"", 0, "", false},
	} {
		if got, cut := EscapeClip(tc.in, tc.max); got != tc.want || cut != tc.cut {
			t.Errorf("EscapeClip(%q, %d) = %q, %v; want %q, %v", tc.in, tc.max, got, cut, tc.want, tc.cut)
		}
	}
}

// FuzzEscape: whatever the input, escaped text is valid UTF-8 with no
// character the rule hides, so it can neither break nor reorder a line.
func FuzzEscape(f *testing.F) {
	for _, s := range []string{forged, "a\xff\u202e\n\u0085\U000e0020", "\xed\xbf\xbf"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		e := Escape(s)
		if !utf8.ValidString(e) {
			t.Fatalf("Escape(%q) = %q is not UTF-8", s, e)
		}
		for _, r := range e {
			if hidden(r) != "" {
				t.Fatalf("Escape(%q) = %q holds %U", s, e, r)
			}
		}
	})
}
