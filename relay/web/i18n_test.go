package web

import (
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// catalogue reads static/msgs.<lang>.js: JSON after its "= ".
func catalogue(t *testing.T, lang string) map[string]string {
	t.Helper()
	b, err := staticFS.ReadFile("static/msgs." + lang + ".js")
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	i, j := strings.Index(s, "= {"), strings.LastIndex(s, "};")
	if i < 0 || j < i {
		t.Fatalf("msgs.%s.js: no catalogue object", lang)
	}
	var m map[string]string
	if err := json.Unmarshal([]byte(s[i+2:j+1]), &m); err != nil {
		t.Fatalf("msgs.%s.js is not JSON after '=': %v", lang, err)
	}
	return m
}

// pageSources is every page and script but the catalogues.
func pageSources(t *testing.T) string {
	t.Helper()
	var sb strings.Builder
	fs.WalkDir(staticFS, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasPrefix(filepath.Base(p), "msgs.") || !(strings.HasSuffix(p, ".js") || strings.HasSuffix(p, ".html")) {
			return err
		}
		b, _ := staticFS.ReadFile(p)
		sb.Write(b)
		return nil
	})
	return sb.String()
}

// The two catalogues have the same keys; every key is used by a page (as
// "key" in a script or page, or through a dynamic prefix the scripts
// build: "status." + code, "err." + code, "check." + code, "event." +
// type); every key a page uses exists.
func TestCataloguesHaveTheSameKeysAllUsed(t *testing.T) {
	en, zh := catalogue(t, "en"), catalogue(t, "zh-CN")
	for k := range en {
		if _, ok := zh[k]; !ok {
			t.Errorf("msgs.zh-CN.js lacks %q", k)
		}
	}
	for k := range zh {
		if _, ok := en[k]; !ok {
			t.Errorf("msgs.en.js lacks %q", k)
		}
	}
	src := pageSources(t)
	for k := range en {
		used := strings.Contains(src, `"`+k+`"`) || strings.Contains(src, ":"+k+`"`) || strings.Contains(src, ":"+k+",")
		for _, prefix := range []string{"status.", "err.", "check.", "event."} {
			used = used || (strings.HasPrefix(k, prefix) && strings.Contains(src, `"`+prefix+`" +`))
		}
		if !used {
			t.Errorf("message %q is never used", k)
		}
	}
	for _, re := range []*regexp.Regexp{regexp.MustCompile(`data-i18n="([^"]+)"`), regexp.MustCompile(`\b(?:t|nodes)\("([A-Za-z0-9.]+)"`)} {
		for _, m := range re.FindAllStringSubmatch(src, -1) {
			if _, ok := en[m[1]]; !ok && !strings.HasSuffix(m[1], ".") { // "status." + code: a prefix
				t.Errorf("page uses %q, which no catalogue has", m[1])
			}
		}
	}
	for _, m := range regexp.MustCompile(`data-i18n-attr="([^"]+)"`).FindAllStringSubmatch(src, -1) {
		for _, pair := range strings.Split(m[1], ",") {
			if _, k, _ := strings.Cut(pair, ":"); en[strings.TrimSpace(k)] == "" {
				t.Errorf("data-i18n-attr names %q, which no catalogue has", k)
			}
		}
	}
}

// codeRE finds the stable error codes declared in Go: const CodeX [model.]Code = "X".
var codeRE = regexp.MustCompile(`\bCode[A-Z]\w*\s+(?:model\.)?(?:Code\s+)?=\s*"([A-Z][A-Z_]+)"`)

// Every stable error code the chaincode or relay declares has a sentence in
// both languages ("err.<CODE>"); the code itself is shown alongside.
func TestEveryStableErrorCodeHasAMessage(t *testing.T) {
	en, zh := catalogue(t, "en"), catalogue(t, "zh-CN")
	codes := map[string]bool{}
	for _, root := range []string{"../../chaincode", ".."} {
		filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
				return err
			}
			b, _ := os.ReadFile(p)
			for _, m := range codeRE.FindAllStringSubmatch(string(b), -1) {
				codes[m[1]] = true
			}
			return nil
		})
	}
	if len(codes) < 30 {
		t.Fatalf("found only %d codes: the pattern no longer matches how codes are declared", len(codes))
	}
	var missing []string
	for c := range codes {
		if en["err."+c] == "" || zh["err."+c] == "" {
			missing = append(missing, c)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("codes without a message in msgs.en.js and msgs.zh-CN.js: %v", missing)
	}
}

// jsLiteralRE finds a script's string literals; jsCommentRE its comments.
var (
	jsLiteralRE = regexp.MustCompile("\"(?:[^\"\\\\\n]|\\\\.)*\"|'(?:[^'\\\\\n]|\\\\.)*'|`[^`]*`")
	jsCommentRE = regexp.MustCompile(`(?m)(?:^|\s)//\s.*$|^\s*//.*$`)
	// A sentence (three words) or a capitalised word: text for a person.
	proseRE = regexp.MustCompile(`[A-Za-z]{2,}\s+[A-Za-z]{2,}\s+[A-Za-z]{2,}|^[A-Z][a-z]+(?:\s|$)`)
)

// Words a page shows come from the catalogues: no script holds a sentence
// or a capitalised word of its own (the allow-list is protocol text, and
// messages for developers that no page shows).
func TestScriptsHoldNoEnglishOfTheirOwn(t *testing.T) {
	allow := map[string]bool{
		`"use strict"`: true, `"Bearer "`: true, `"Authorization"`: true, `"Retry-After"`: true,
		`"CERTIFICATE REQUEST"`: true, `"Content-Type"`: true,
		`"Annotated"`:                   true, // an event type
		`"English"`:                     true, // the switch names each language in itself
		`'" is empty or holds a comma'`: true, // payload.js, as below
	}
	devPrefixes := []string{`"payload: `, `'payload: `, `"der: `, `"ecdsa: `} // thrown on a programming error, not shown
	entries, err := staticFS.ReadDir("static")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		name := e.Name()
		if !strings.HasSuffix(name, ".js") || strings.HasPrefix(name, "msgs.") {
			continue
		}
		b, _ := staticFS.ReadFile("static/" + name)
		src := jsCommentRE.ReplaceAllString(string(b), "")
	literals:
		for _, lit := range jsLiteralRE.FindAllString(src, -1) {
			if allow[lit] || !proseRE.MatchString(lit[1:len(lit)-1]) {
				continue
			}
			for _, p := range devPrefixes {
				if strings.HasPrefix(lit, p) {
					continue literals
				}
			}
			t.Errorf("%s holds English of its own: %s (put it in msgs.en.js and msgs.zh-CN.js)", name, lit)
		}
	}
}
