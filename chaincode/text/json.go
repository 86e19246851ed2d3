package text

import (
	"fmt"
	"unicode/utf8"
)

// FieldError is a JSON string that breaks the rule, named by its object key.
type FieldError struct {
	Field  string
	Reason string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Reason }

// CheckJSON refuses what encoding/json would silently turn into U+FFFD: a
// string holding bytes that are not UTF-8, or a \u escape of a lone
// surrogate. Call it on a text encoding/json has accepted (it assumes valid
// JSON). The error names the key the string is the value of (for arrays,
// the array's key); a key that breaks it is "an object key".
func CheckJSON(b []byte) error {
	key := ""
	for i := 0; i < len(b); i++ {
		if b[i] != '"' {
			continue
		}
		start, reason := i+1, ""
		for i++; i < len(b) && b[i] != '"'; i++ {
			switch {
			case b[i] == '\\' && i+1 < len(b) && b[i+1] == 'u':
				r := hex4(b, i+2)
				switch {
				case r >= 0xd800 && r < 0xdc00 && i+11 < len(b) && b[i+6] == '\\' && b[i+7] == 'u' &&
					hex4(b, i+8) >= 0xdc00 && hex4(b, i+8) < 0xe000:
					i += 11 // a surrogate pair
				case r >= 0xd800 && r < 0xe000:
					if reason == "" {
						reason = fmt.Sprintf(`holds \u%04x, a lone surrogate (not a character)`, r)
					}
					i += 5
				default:
					i += 5
				}
			case b[i] == '\\':
				i++
			case b[i] >= utf8.RuneSelf:
				r, n := utf8.DecodeRune(b[i:])
				if r == utf8.RuneError && n == 1 && reason == "" {
					reason = fmt.Sprintf("invalid UTF-8 at byte %d of the string", i-start)
				}
				i += n - 1
			}
		}
		isKey := followedByColon(b, i+1)
		switch {
		case reason != "" && isKey:
			return &FieldError{Field: "an object key", Reason: reason}
		case reason != "":
			return &FieldError{Field: key, Reason: reason}
		case isKey:
			key = string(b[start:i])
		}
	}
	return nil
}

// hex4 is the value of the 4 hex digits at b[i:], or -1.
func hex4(b []byte, i int) rune {
	if i+4 > len(b) {
		return -1
	}
	var r rune
	for _, c := range b[i : i+4] {
		switch {
		case c >= '0' && c <= '9':
			r = r<<4 | rune(c-'0')
		case c >= 'a' && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case c >= 'A' && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			return -1
		}
	}
	return r
}

func followedByColon(b []byte, i int) bool {
	for ; i < len(b); i++ {
		switch b[i] {
		case ' ', '\t', '\n', '\r':
		case ':':
			return true
		default:
			return false
		}
	}
	return false
}
