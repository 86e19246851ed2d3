//go:build integration

package web_test

import (
	"bytes"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"

	"github.com/qrsign/qrsign/chaincode/model"
)

// The real qrsign binary on the real network with LANG=zh_CN.UTF-8: enroll
// with the org's Fabric CA, scan a document titled in Chinese and sign it,
// verify it from the ledger. Every line a person reads is in Chinese (no
// English label words outside ids, hashes, codes and product names); with
// --json the output is the same JSON in any language.
func TestQrsignSpeaksChineseOnTheRealNetwork(t *testing.T) {
	s := newSite(t)
	bin := qrsignBinary(t)
	pass, home := "correct horse battery", t.TempDir()
	id, secret := s.registerUser(t, "zhcli")
	run := func(lang string, args ...string) string {
		t.Helper()
		cmd := exec.Command(bin, args...)
		cmd.Stdin = strings.NewReader(pass + "\n")
		cmd.Env = append(os.Environ(), "LC_ALL=", "LC_MESSAGES=", "LANG="+lang, "QRSIGN_PASSPHRASE=", "QRSIGN_API_KEY="+s.org.Relay.APIKey)
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		if err := cmd.Run(); err != nil {
			t.Fatalf("qrsign %s: %v\n%s%s", args[0], err, out.String(), errb.String())
		}
		return out.String() + errb.String()
	}
	const zh = "zh_CN.UTF-8"
	spec := model.SignerSpec{ID: id, MSPID: s.org.MSPID, RoutingOrder: 1}
	var outs []string

	out := run(zh, s.enrollArgs(id, secret, home)...)
	if !strings.HasPrefix(out, "已登记 "+id+"：证书 ") || !strings.Contains(out, "（密钥已加密，权限 0600）") {
		t.Errorf("enroll in Chinese:\n%s", out)
	}
	outs = append(outs, out)

	reg := s.upload(t, titles[0], []byte("劳动合同 "+unique("cli")), spec)
	out = run(zh, "scan", reg.Signing[0].URL, "--yes", "--passphrase-stdin", "--home", home)
	for _, want := range []string{
		"文件：      " + titles[0] + "（" + reg.Document.ID + "）\n",
		"SHA-256：   " + reg.Document.SHA256 + "（与二维码一致）\n",
		"签署人：    " + id + "（" + s.org.MSPID + "），签署顺序 1\n",
		"核对码：    ", "截止时间：  ",
		"已签署：签署事件已记录，交易 ", "；文件 " + reg.Document.ID + " 状态 COMPLETED",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("scan in Chinese lacks %q:\n%s", want, out)
		}
	}
	outs = append(outs, out)

	out = run(zh, "verify", reg.Document.ID, "--relay", s.org.Relay.URL, "--ca-cert", s.org.MSPID+"="+s.org.CA.CACertFile)
	if !strings.HasPrefix(out, "文件 "+reg.Document.ID+"：COMPLETED，") || !strings.Contains(out, "验证通过（VERIFIED）") {
		t.Errorf("verify in Chinese:\n%s", out)
	}
	// Every line, the per-check lines too (names and what passed, from the
	// checks' codes and params).
	for _, want := range []string{"  通过 事件流: 共 3 个事件，序号 0..2，", "  通过 事件 1（签署，" + s.org.MSPID + "/" + id + "）: 对载荷 ", "  通过 记录与事件一致: "} {
		if !strings.Contains(out, want) {
			t.Errorf("verify in Chinese lacks %q:\n%s", want, out)
		}
	}
	outs = append(outs, out)

	// Words of three or more Latin letters left once the data is taken out.
	data := []string{id, reg.Document.ID, reg.Document.SHA256, s.org.MSPID, s.org.CA.URL, s.org.Relay.URL, home, s.org.CA.TLSCertFile}
	allow := map[string]bool{"SHA": true, "Merkle": true, "SignatureRecorded": true} // the event type is a code
	for i, o := range outs {
		for _, d := range data {
			o = strings.ReplaceAll(o, d, " ")
		}
		o = regexp.MustCompile(`"[^"]*"|\b[0-9a-f]{16,}\b|[A-Za-z0-9+/=]{40,}|\S*/\S*`).ReplaceAllString(o, " ") // quoted subjects, hashes, paths
		for _, w := range englishWordRE.FindAllString(o, -1) {
			if !allow[w] && strings.ToUpper(w) != w {
				t.Errorf("output %d in Chinese holds the English word %q:\n%s", i, w, outs[i])
			}
		}
	}

	// --json is the same document in either language.
	en := run("en_US.UTF-8", "verify", reg.Document.ID, "--relay", s.org.Relay.URL, "--ca-cert", s.org.MSPID+"="+s.org.CA.CACertFile, "--json")
	zhJSON := run(zh, "verify", reg.Document.ID, "--relay", s.org.Relay.URL, "--ca-cert", s.org.MSPID+"="+s.org.CA.CACertFile, "--json")
	if en != zhJSON || !strings.HasPrefix(en, "{") {
		t.Errorf("--json differs by language:\nen: %.300s\nzh: %.300s", en, zhJSON)
	}
}
