package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/qrsign/qrsign/relay/api"
	"github.com/qrsign/qrsign/relay/i18n/i18ntest"
	"github.com/qrsign/qrsign/relay/signer/flow"
	"github.com/qrsign/qrsign/relay/verify"
)

// Both languages have every message, and every message is used.
func TestMessagesAreCompleteAndUsed(t *testing.T) {
	i18ntest.CheckCatalog(t, msgs, "tr(", "main.go", "login.go", "evidence.go", "messages.go")
}

// LC_ALL, then LANG, choose the language of human output.
func TestHumanOutputFollowsTheLocale(t *testing.T) {
	for _, c := range []struct{ lcAll, lang, want string }{
		{"", "zh_CN.UTF-8", "qrsign：未知命令 \"frobnicate\""},
		{"C", "zh_CN.UTF-8", `qrsign: unknown command "frobnicate"`},
		{"zh_CN.UTF-8", "en_US.UTF-8", "qrsign：未知命令 \"frobnicate\""},
		{"", "en_GB.UTF-8", `qrsign: unknown command "frobnicate"`},
	} {
		t.Setenv("LC_ALL", c.lcAll)
		t.Setenv("LC_MESSAGES", "")
		t.Setenv("LANG", c.lang)
		var out, errOut bytes.Buffer
		run(context.Background(), []string{"frobnicate"}, strings.NewReader(""), &out, &errOut)
		if first, _, _ := strings.Cut(errOut.String(), "\n"); first != c.want {
			t.Errorf("LC_ALL=%q LANG=%q: %q, want %q", c.lcAll, c.lang, first, c.want)
		}
	}
}

// A failed command says what kind of failure it is in the terminal's
// language, then the message itself; English prints the message as it is.
func TestErrorLineFollowsTheLocale(t *testing.T) {
	hash := &flow.HashMismatchError{Source: "content", Want: "aa", Got: "bb"}
	for _, c := range []struct {
		lang string
		err  error
		want string
	}{
		{"en_US.UTF-8", flow.ErrNotConfirmed, "qrsign scan: not confirmed; nothing was signed\n"},
		{"zh_CN.UTF-8", flow.ErrNotConfirmed, "qrsign scan：未确认；没有签署任何内容。\n  原始信息：not confirmed; nothing was signed\n"},
		{"zh_CN.UTF-8", hash, "qrsign scan：拒绝签署：文件与二维码不符，可能已被篡改；没有签署任何内容。\n  原始信息：" + hash.Error() + "\n"},
		{"zh_CN.UTF-8", fmt.Errorf("%w: nonce differs", flow.ErrSessionMismatch), "qrsign scan：拒绝签署：服务器的会话与二维码不符；没有签署任何内容。\n  原始信息：the relay's session does not match the QR code: nonce differs\n"},
		{"zh_CN.UTF-8", usageError{"scan needs exactly one QR image, URL or token"}, "qrsign scan：用法有误。\n  原始信息：scan needs exactly one QR image, URL or token\n"},
		{"zh_CN.UTF-8", errUnverified, "qrsign scan：验证未通过。\n  原始信息：verification FAILED\n"},
		{"zh_CN.UTF-8", &api.Problem{Status: 409, Code: "NONCE_REUSED", Detail: "used"}, "qrsign scan：服务器拒绝了请求。\n  原始信息：" + (&api.Problem{Status: 409, Code: "NONCE_REUSED", Detail: "used"}).Error() + "\n"},
		{"zh_CN.UTF-8", &api.Problem{Status: 503, Code: "UNAVAILABLE"}, "qrsign scan：服务器或网络繁忙，请稍后再试。\n  原始信息：" + (&api.Problem{Status: 503, Code: "UNAVAILABLE"}).Error() + "\n"},
		{"zh_CN.UTF-8", errors.New("disk full"), "qrsign scan：命令执行失败。\n  原始信息：disk full\n"},
	} {
		t.Setenv("LC_ALL", "")
		t.Setenv("LC_MESSAGES", "")
		t.Setenv("LANG", c.lang)
		if got := errorLine("scan", c.err); got != c.want {
			t.Errorf("LANG=%s %v:\n got %q\nwant %q", c.lang, c.err, got, c.want)
		}
	}
}

// The usage says the same commands and flags in both languages: only the
// explanations in brackets are translated.
func TestUsageIsTheSameCommandsInBothLanguages(t *testing.T) {
	commands := func(lang string) []string {
		t.Setenv("LC_ALL", lang)
		var lines []string
		for _, l := range strings.Split(tr("usage"), "\n") {
			if c, _, _ := strings.Cut(l, "("); strings.HasPrefix(l, "  qrsign") {
				lines = append(lines, strings.TrimSpace(strings.Split(c, "（")[0]))
			}
		}
		return lines
	}
	en, zh := commands("en_US.UTF-8"), commands("zh_CN.UTF-8")
	if len(en) < 10 || strings.Join(en, "\n") != strings.Join(zh, "\n") {
		t.Fatalf("usage commands differ:\nen %q\nzh %q", en, zh)
	}
	if zhUsage := func() string { t.Setenv("LC_ALL", "zh_CN.UTF-8"); return tr("usage") }(); !strings.HasPrefix(zhUsage, "用法：") ||
		strings.Contains(zhUsage, "read access") {
		t.Fatalf("zh usage not translated:\n%s", zhUsage)
	}
}

// A failed check says what it means in the terminal's language, then the
// verifier's diagnostics; in English the diagnostics alone, as before.
func TestFailedCheckDetail(t *testing.T) {
	c := verify.Check{Code: verify.CheckSignature, OK: false, Detail: "ECDSA signature does not verify"}
	for _, tc := range []struct{ lang, want string }{
		{"C.UTF-8", "ECDSA signature does not verify"},
		{"zh_CN.UTF-8", "签名与账本上记录的证据不符（原始信息：ECDSA signature does not verify）"},
	} {
		t.Setenv("LC_ALL", tc.lang)
		if got := checkDetail(c); got != tc.want {
			t.Errorf("LC_ALL=%s: %q, want %q", tc.lang, got, tc.want)
		}
	}
	// A code without a meaning of its own keeps the diagnostics alone.
	t.Setenv("LC_ALL", "zh_CN.UTF-8")
	if got := checkDetail(verify.Check{Code: "format", Detail: "not a bundle"}); got != "not a bundle" {
		t.Errorf("another code: %q", got)
	}
}
