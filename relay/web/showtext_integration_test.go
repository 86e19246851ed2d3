//go:build integration

package web_test

import (
	"testing"

	"github.com/qrsign/qrsign/chaincode/text"
)

// The pages show untrusted text with QR.showText, the JS twin of
// chaincode/text.Escape used by the qrsign CLI: in Chromium both write every
// input the same way, the forged title of issue 11 included.
func TestShowTextMatchesTheCLIInChromium(t *testing.T) {
	s := newSite(t)
	p := launchChromium(t).page(t)
	p.navigate(s.srv.URL + "/verify")
	for _, in := range []string{
		"Loan guarantee 500000 EUR\nSHA-256:    (looks fine)\nDocument:   Newsletter subscription\u202e fdp.txt",
		"Contrat signé 契約 ✍️ 5€ C:\\docs",
		"a\r\tb\x00\x7f\u0085\u009b\u00ad",
		"\u202a\u202b\u202c\u202d\u2066\u2067\u2068\u2069\u200e\u200f\u061c",
		"zero\u200bwidth\u200c\u200d\u2060\u2064\ufeff\u2028\u2029",
		"tag\U000e0001\U000e0041\U000e007f",
	} {
		var got string
		p.eval(`QR.showText(`+jsString(in)+`)`, &got)
		if want := text.Escape(in); got != want {
			t.Errorf("QR.showText(%q) = %q, text.Escape = %q", in, got, want)
		}
	}
}
