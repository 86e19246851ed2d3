package i18n

import (
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	cases := []struct {
		in   string
		want Lang
		err  bool
	}{
		{"en", En, false}, {"en-GB", En, false}, {"zh", Zh, false}, {"zh-CN", Zh, false},
		{"zh_CN.UTF-8", Zh, false}, {"zh-Hans", Zh, false}, {"zh-TW", Zh, false},
		{"fr", "", true}, {"", "", true}, {"C", "", true}, {"../etc", "", true},
		// An undetermined language is not a choice, whatever its region suggests.
		{"und", "", true}, {"und-CN", "", true}, {"und-US", "", true}, {"und-Hant", "", true},
	}
	for _, c := range cases {
		got, err := Parse(c.in)
		if got != c.want || (err != nil) != c.err {
			t.Errorf("Parse(%q) = %q, %v", c.in, got, err)
		}
		if err != nil && !strings.HasPrefix(err.Error(), CodeInvalidLang+": ") {
			t.Errorf("Parse(%q) error %q lacks its code", c.in, err)
		}
	}
}

func TestNegotiate(t *testing.T) {
	cases := []struct {
		name, explicit, accept string
		def, want              Lang
		err                    bool
	}{
		{"ExplicitWins", "en", "zh-CN,zh;q=0.9", Zh, En, false},
		{"ExplicitUnknownIsAnError", "de", "", En, "", true},
		{"AcceptLanguageChinese", "", "zh-CN,zh;q=0.9,en;q=0.8", En, Zh, false},
		{"AcceptLanguageTraditional", "", "zh-TW", En, Zh, false},
		{"AcceptLanguageQualityOrder", "", "en;q=0.5, zh;q=0.9", En, Zh, false},
		{"AcceptLanguageEnglish", "", "en-US,en;q=0.9", Zh, En, false},
		{"AcceptLanguageUnsupportedFallsBack", "", "fr-FR, de", Zh, Zh, false},
		{"MalformedHeaderFallsBack", "", ";;;q=x", Zh, Zh, false},
		{"NothingGivesDefault", "", "", Zh, Zh, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := Negotiate(c.explicit, c.accept, c.def)
			if got != c.want || (err != nil) != c.err {
				t.Errorf("got %q, %v; want %q (error %v)", got, err, c.want, c.err)
			}
		})
	}
}

func TestFromEnv(t *testing.T) {
	cases := []struct {
		env  map[string]string
		want Lang
	}{
		{map[string]string{"LANG": "zh_CN.UTF-8"}, Zh},
		{map[string]string{"LANG": "zh_CN.UTF-8", "LC_ALL": "C"}, En},
		{map[string]string{"LANG": "en_US.UTF-8", "LC_ALL": "zh_CN.UTF-8"}, Zh},
		{map[string]string{"LANG": "en_US.UTF-8", "LC_MESSAGES": "zh_TW.UTF-8"}, Zh},
		{map[string]string{"LANG": "fr_FR.UTF-8"}, En},
		{map[string]string{}, En},
	}
	for _, c := range cases {
		if got := FromEnv(func(k string) string { return c.env[k] }); got != c.want {
			t.Errorf("%v: %q, want %q", c.env, got, c.want)
		}
	}
}

func TestCatalog(t *testing.T) {
	c := Catalog{En: {"hi": "Hello %s", "only": "x"}, Zh: {"hi": "你好 %s"}}
	if got := c.T(Zh, "hi", "王"); got != "你好 王" {
		t.Error(got)
	}
	if got := c.T(Zh, "only"); got != "x" {
		t.Error(got)
	}
	if got := c.T(En, "nope"); got != "nope" {
		t.Error(got)
	}
	err := c.Check()
	if err == nil || !strings.Contains(err.Error(), `zh-CN lacks "only" (in en)`) {
		t.Errorf("Check: %v", err)
	}
	if err := (Catalog{En: {"a": "A"}, Zh: {"a": "甲"}}).Check(); err != nil {
		t.Error(err)
	}
}
