// Package i18n names the languages qrsign speaks (English and simplified
// Chinese), picks one for a request or a terminal, and holds message
// catalogues: one map per language with the same keys, checked by tests.
package i18n

import (
	"fmt"
	"strings"

	"golang.org/x/text/language"
)

// Lang is a language qrsign has messages for, as a BCP 47 tag.
type Lang string

const (
	En Lang = "en"
	Zh Lang = "zh-CN"
)

// All lists the supported languages; the first is the fallback.
var All = []Lang{En, Zh}

// CodeInvalidLang is the stable code of a lang value outside All.
const CodeInvalidLang = "INVALID_LANG"

var matcher = language.NewMatcher([]language.Tag{language.English, language.SimplifiedChinese})

// Parse accepts a supported tag in any common spelling: "zh", "zh-CN",
// "zh_CN.UTF-8", "zh-Hans", "en-GB". Any Chinese maps to Zh, the only
// Chinese qrsign has.
func Parse(s string) (Lang, error) {
	s = strings.TrimSpace(s)
	if i := strings.IndexAny(s, ".@"); i >= 0 { // POSIX locale: zh_CN.UTF-8@x
		s = s[:i]
	}
	t, err := language.Parse(strings.ReplaceAll(s, "_", "-"))
	if base, conf := t.Base(); err == nil && conf == language.Exact { // "und-CN" names no language: not a guess
		switch base.String() {
		case "en":
			return En, nil
		case "zh":
			return Zh, nil
		}
	}
	return "", fmt.Errorf("%s: lang %q is not one of en, zh-CN", CodeInvalidLang, s)
}

// Negotiate picks a request's language: the explicit value if any (an
// unsupported one is an error, so a typo is not silently ignored), else the
// best match of an Accept-Language header, else def.
func Negotiate(explicit, acceptLanguage string, def Lang) (Lang, error) {
	if explicit != "" {
		return Parse(explicit)
	}
	if acceptLanguage != "" {
		if tags, _, err := language.ParseAcceptLanguage(acceptLanguage); err == nil && len(tags) > 0 {
			if _, i, c := matcher.Match(tags...); c != language.No {
				return All[i], nil
			}
		}
	}
	return def, nil
}

// FromEnv is the language of a terminal session, by POSIX precedence:
// LC_ALL, then LC_MESSAGES, then LANG; "C", "POSIX" and unknown locales are
// English.
func FromEnv(getenv func(string) string) Lang {
	for _, k := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		if v := getenv(k); v != "" {
			if l, err := Parse(v); err == nil {
				return l
			}
			return En
		}
	}
	return En
}

// Catalog maps each language to its messages by key. Messages with
// arguments are fmt formats.
type Catalog map[Lang]map[string]string

// T is the message key in l, formatted with args. A key missing in l falls
// back to English; a key missing everywhere is returned as is, visibly.
func (c Catalog) T(l Lang, key string, args ...any) string {
	m, ok := c[l][key]
	if !ok {
		if m, ok = c[En][key]; !ok {
			return key
		}
	}
	if len(args) == 0 {
		return m
	}
	return fmt.Sprintf(m, args...)
}

// Check reports keys that one language has and another lacks.
func (c Catalog) Check() error {
	var missing []string
	for _, a := range All {
		for k := range c[a] {
			for _, b := range All {
				if _, ok := c[b][k]; !ok {
					missing = append(missing, fmt.Sprintf("%s lacks %q (in %s)", b, k, a))
				}
			}
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("catalogue incomplete: %s", strings.Join(missing, "; "))
	}
	return nil
}
