// Package text is the clear-signing rule for every field a person is shown
// (titles, batch titles, reasons, notes, a sign-in's User-Agent): what the
// ledger and the relay accept (Check, CheckJSON) and how clients show text
// they did not check themselves (Escape). One rule, no I/O, so the chaincode,
// the relay and every client apply exactly the same one.
//
// The rule: valid UTF-8 in Unicode NFC; no control character (C0, DEL, C1),
// no line or paragraph separator (U+2028, U+2029) and no invisible formatting
// character (category Cf: bidi embeddings, overrides, isolates and marks,
// zero-width space/joiners, word joiner, invisible operators, BOM, tag
// characters, soft hyphen, …). Free text (Lines: reasons and notes) may
// also hold LF, so a reason typed in a text area keeps its line breaks;
// clients show it escaped (\n) on one line, so no text can forge a line
// of a prompt. Input is refused, never repaired: reasons and notes are
// signed, so the bytes a signer signed must be the bytes recorded.
package text

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Kind says which characters besides printable ones a field may hold.
type Kind int

const (
	// Line is a one-line field (titles, user agents): no control at all.
	Line Kind = iota
	// Lines is free text (reasons, notes): LF is allowed, nothing else.
	Lines
)

// Check reports the first thing in s that breaks the rule for kind k, or nil.
func Check(s string, k Kind) error {
	for i, r := range s {
		if r == utf8.RuneError && invalidAt(s, i) {
			return fmt.Errorf("invalid UTF-8 at byte %d", i)
		}
		if r == '\n' && k == Lines {
			continue
		}
		if why := hidden(r); why != "" {
			return fmt.Errorf("%U at byte %d is %s", r, i, why)
		}
	}
	if !norm.NFC.IsNormalString(s) {
		return fmt.Errorf("is not in Unicode NFC (normalise it first: what is signed is what is recorded)")
	}
	return nil
}

// hidden says why r may not be shown as it is, or "" when it may.
func hidden(r rune) string {
	switch {
	case r < 0x20 || r == 0x7f:
		return "a control character"
	case r >= 0x80 && r < 0xa0:
		return "a C1 control character"
	case r == 0x2028 || r == 0x2029:
		return "a line or paragraph separator"
	case unicode.Is(unicode.Cf, r):
		return "an invisible formatting character (bidi control, zero-width, BOM, tag, …)"
	}
	return ""
}

// Escape returns s with every character Check refuses in a Line (and every
// byte that is not UTF-8) written visibly as \n, \t, \r, \uXXXX,
// \U000XXXXX or \xXX, so text from the ledger or the relay, even written
// before the rule existed, shows what it holds and cannot forge a line or
// reorder the text around it.
func Escape(s string) string {
	var b strings.Builder
	for i, r := range s {
		switch {
		case r == utf8.RuneError && invalidAt(s, i):
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case hidden(r) == "":
			b.WriteRune(r)
		case r > 0xffff:
			fmt.Fprintf(&b, `\U%08x`, r)
		default:
			fmt.Fprintf(&b, `\u%04x`, r)
		}
	}
	return b.String()
}

// EscapeClip is Escape cut to at most max bytes at a character boundary,
// and whether it was cut.
func EscapeClip(s string, max int) (string, bool) {
	s = Escape(s)
	if len(s) <= max {
		return s, false
	}
	for max > 0 && !utf8.RuneStart(s[max]) {
		max--
	}
	return s[:max], true
}

// invalidAt reports whether the U+FFFD that ranging over s yields at i
// stands for a byte that is not UTF-8 (rather than an encoded U+FFFD).
func invalidAt(s string, i int) bool {
	_, n := utf8.DecodeRuneInString(s[i:])
	return n == 1
}
