package config

import (
	"strings"
	"testing"
)

// defaultLang defaults to en, can be set in the file or the environment, and
// only the languages qrsign speaks are accepted; pdfFont must be absolute.
func TestDefaultLangAndPDFFontAreValidated(t *testing.T) {
	for _, c := range []struct {
		name, yaml string
		environ    []string
		lang, err  string
	}{
		{"default en", sample, nil, "en", ""},
		{"zh-CN in the file", sample + "defaultLang: zh-CN\n", nil, "zh-CN", ""},
		{"zh-CN in the environment", sample, []string{"QRSIGN_RELAY_DEFAULT_LANG=zh-CN"}, "zh-CN", ""},
		{"unknown language", sample + "defaultLang: fr\n", nil, "", `defaultLang: must be en or zh-CN, not "fr"`},
		{"spelling not canonical", sample + "defaultLang: zh_CN\n", nil, "", `defaultLang: must be en or zh-CN, not "zh_CN"`},
		{"relative font", sample + "pdfFont: fonts/x.ttc\n", nil, "", `pdfFont: "fonts/x.ttc" must be an absolute path`},
	} {
		t.Run(c.name, func(t *testing.T) {
			cfg, err := Load(write(t, c.yaml), c.environ)
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("err %v, want %q", err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if cfg.DefaultLang != c.lang || cfg.PDFFont != "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc" {
				t.Fatalf("defaultLang %q pdfFont %q", cfg.DefaultLang, cfg.PDFFont)
			}
		})
	}
}
