//go:build integration

package web_test

import (
	"bytes"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/qrsign/qrsign/chaincode/model"
)

// The real qrsign binary on the real network with LANG=zh_CN.UTF-8: enroll
// with the org's Fabric CA, scan a document titled in Chinese and sign it,
// verify it from the ledger, then check its evidence bundle offline
// (verify-evidence). Every line a person reads is in Chinese (no
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

	body := []byte("劳动合同 " + unique("cli"))
	reg := s.upload(t, titles[0], body, spec)
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

	// The evidence bundle, checked offline against the orgs' and orderers' roots.
	bundle := s.evidence(t, reg.Document.ID)
	dir := t.TempDir()
	bf, df := filepath.Join(dir, "bundle.json"), filepath.Join(dir, "document.bin")
	if os.WriteFile(bf, bundle, 0o644) != nil || os.WriteFile(df, body, 0o644) != nil {
		t.Fatal("writing the bundle")
	}
	evArgs := append([]string{"verify-evidence", bf, df}, s.evidenceRoots(t)...)
	out = run(zh, evArgs...)
	for _, want := range []string{
		"文件 " + reg.Document.ID + " 的证据包\n", "  通过 格式: qrsign-evidence/", "  通过 文件比对: SHA-256 " + reg.Document.SHA256 + "，与证据包中的文件哈希一致\n",
		"的背书: ", "  通过 最后一笔交易的有效性: 见证 ", "  通过 事件 1（签署，" + s.org.MSPID + "/" + id + "）: 对载荷 ",
		"  通过 记录与事件一致: ", "验证通过（VERIFIED）：",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("verify-evidence in Chinese lacks %q:\n%s", want, out)
		}
	}
	outs = append(outs, out)

	// Words of three or more Latin letters left once the data is taken out.
	data := []string{id, reg.Document.ID, reg.Document.SHA256, s.org.CA.URL, s.org.Relay.URL, home, s.org.CA.TLSCertFile}
	for _, o := range s.info.Orgs {
		data = append(data, o.MSPID)
	}
	data = append(data, "OrdererMSP", s.info.Channel, s.info.Chaincode)
	allow := map[string]bool{"SHA": true, "Merkle": true, "SignatureRecorded": true} // the event type is a code
	for i, o := range outs {
		for _, d := range data {
			o = strings.ReplaceAll(o, d, " ")
		}
		o = regexp.MustCompile(`"[^"]*"|\b[0-9a-f]{12,}\b|[A-Za-z0-9+/=]{40,}|\S*/\S*`).ReplaceAllString(o, " ") // quoted subjects, hashes (12-digit prefixes too), paths
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
	evArgs = append(evArgs, "--json")
	if en, zhJSON := run("en_US.UTF-8", evArgs...), run(zh, evArgs...); en != zhJSON || !strings.HasPrefix(en, "{") {
		t.Errorf("verify-evidence --json differs by language:\nen: %.300s\nzh: %.300s", en, zhJSON)
	}
}

// evidence is the relay's evidence bundle of document id.
func (s *site) evidence(t *testing.T, id string) []byte {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, s.org.Relay.URL+"/v1/documents/"+id+"/evidence", nil)
	req.Header.Set("Authorization", "Bearer "+s.org.Relay.APIKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET evidence of %s: HTTP %d %v: %.300s", id, resp.StatusCode, err, b)
	}
	return b
}

// evidenceRoots are verify-evidence's trust arguments: each member org's
// caCertFile, the orderer org's root and the network's policy (a majority).
func (s *site) evidenceRoots(t *testing.T) []string {
	t.Helper()
	var a []string
	for _, o := range s.info.Orgs {
		a = append(a, "--ca", o.MSPID+"="+o.CA.CACertFile)
	}
	cacerts, err := filepath.Glob(filepath.Join(s.info.Orderers[0].MSPDir, "cacerts", "*.pem"))
	if err != nil || len(cacerts) != 1 {
		t.Fatalf("orderer MSP cacerts: %v %v", cacerts, err)
	}
	return append(a, "--orderer-ca", "OrdererMSP="+cacerts[0], "--endorsing-orgs", strconv.Itoa(len(s.info.Orgs)/2+1))
}
