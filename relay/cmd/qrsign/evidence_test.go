package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/qrsign/qrsign/relay/evidence"
)

// The golden bundle and roots captured from the real network (relay/evidence/testdata).
func golden(name string) string { return filepath.Join("..", "..", "evidence", "testdata", name) }

func goldenRoots() []string {
	return []string{"--ca", "Org1MSP=" + golden("root-Org1MSP.pem"), "--ca", "Org2MSP=" + golden("root-Org2MSP.pem"),
		"--orderer-ca", "OrdererMSP=" + golden("orderer-root-OrdererMSP.pem"), "--endorsing-orgs", "2", "--now", goldenNow}
}

// goldenNow is the verifier's clock for the golden bundles (witnesses dated
// 2026-11-24T19:47Z): the checks do not depend on the day they run.
const goldenNow = "2026-11-25T00:00:00Z"

func TestVerifyEvidence(t *testing.T) {
	tampered := filepath.Join(t.TempDir(), "tampered.json")
	b, err := os.ReadFile(golden("two-signers.json"))
	if err != nil {
		t.Fatal(err)
	}
	edited := bytes.Replace(b, []byte(`"signatures": 2`), []byte(`"signatures": 3`), 1)
	if bytes.Equal(edited, b) {
		t.Fatal("the golden bundle has no DocumentCompleted event with 2 signatures")
	}
	if err := os.WriteFile(tampered, edited, 0o644); err != nil {
		t.Fatal(err)
	}
	bundle, doc := golden("two-signers.json"), golden("two-signers.pdf")
	// The same bundle without its witness, as `qrsign evidence assemble` makes one.
	unwitnessed := filepath.Join(t.TempDir(), "unwitnessed.json")
	noWitness := regexp.MustCompile(`"witness": "[A-Za-z0-9+/=]+"`).ReplaceAll(b, []byte(`"witness": ""`))
	if bytes.Equal(noWitness, b) || os.WriteFile(unwitnessed, noWitness, 0o644) != nil {
		t.Fatal("the golden bundle has no witness to remove")
	}
	cases := []struct {
		name     string
		args     []string
		code     int
		out, err string // substrings of stdout and stderr
	}{
		{"the golden bundle with its document", append([]string{bundle, doc}, goldenRoots()...), exitOK,
			"VERIFIED: 32 checks passed", ""},
		{"another file as the document", append([]string{bundle, golden("root-Org1MSP.pem")}, goldenRoots()...), exitUnverified,
			"FAIL document file: the file hashes to", "qrsign verify-evidence: verification FAILED: 1 of 32 checks failed"},
		{"the orgs' roots swapped", []string{bundle, "--ca", "Org1MSP=" + golden("root-Org2MSP.pem"), "--ca", "Org2MSP=" + golden("root-Org1MSP.pem"),
			"--orderer-ca", "OrdererMSP=" + golden("orderer-root-OrdererMSP.pem"), "--endorsing-orgs", "2"}, exitUnverified, "does not chain to a root of Org1MSP", "verification FAILED"},
		// An auditor who trusts only Org1's root must still state the policy:
		// it is not derived from the roots (Org1 alone would then suffice).
		{"one org's root and no policy", []string{bundle, "--ca", "Org1MSP=" + golden("root-Org1MSP.pem"), "--orderer-ca",
			"OrdererMSP=" + golden("orderer-root-OrdererMSP.pem")}, exitUsage, "",
			"qrsign verify-evidence: verify-evidence needs --endorsing-orgs N, the number of distinct orgs the channel's endorsement policy requires (a positive number; it is not derived from the --ca roots)"},
		{"one org's root with the policy of two", []string{bundle, "--ca", "Org1MSP=" + golden("root-Org1MSP.pem"), "--orderer-ca",
			"OrdererMSP=" + golden("orderer-root-OrdererMSP.pem"), "--endorsing-orgs", "2"}, exitUnverified,
			"no root was given for Org2MSP", "verification FAILED"},
		{"a policy of three orgs", append(append([]string{bundle}, goldenRoots()...), "--endorsing-orgs", "3"), exitUnverified,
			"the policy needs 3 of the 2 given", "verification FAILED"},
		{"no witness", append([]string{unwitnessed, doc}, goldenRoots()...), exitUnverified,
			"FAIL last transaction validity: no freshness witness", "verification FAILED: 1 of 32 checks failed"},
		{"no witness, the peer's word accepted", append(append([]string{unwitnessed, doc}, goldenRoots()...), "--accept-unwitnessed"), exitOK,
			"ok   last transaction validity: UNPROVEN (peer's word)", ""},
		{"the witness's creator and date shown", append([]string{bundle, doc}, goldenRoots()...), exitOK,
			`ok   last transaction validity: witness aab17a3d3b77502f created by Org1MSP "relay" (envelope unsigned), dated 2026-11-24T19:47:26.663400473Z by its creator`, ""},
		{"a verifier's clock before the witness's date", append(append([]string{bundle, doc}, goldenRoots()...), "--now", "2026-11-24T19:40:00Z"), exitUnverified,
			"FAIL last transaction validity: witness: dated 2026-11-24T19:47:26.663400473Z, after the verifier's clock (2026-11-24T19:40:00Z) + 5m0s", "verification FAILED: 1 of 32 checks failed"},
		{"a clock that is not a time", append(append([]string{bundle}, goldenRoots()...), "--now", "tomorrow"), exitUsage, "",
			`qrsign verify-evidence: verify-evidence --now wants an RFC 3339 time (2026-11-24T20:00:00Z), not "tomorrow"`},
		{"an edited event", append([]string{tampered}, goldenRoots()...), exitUnverified, "FAIL events proven", "verification FAILED"},
		{"not a bundle", append([]string{golden("root-Org1MSP.pem")}, goldenRoots()...), exitUnverified, "",
			"qrsign verify-evidence: verification FAILED: " + golden("root-Org1MSP.pem") + ": evidence bundle: invalid character '-'"},
		{"no roots", []string{bundle, "--endorsing-orgs", "2"}, exitUsage, "",
			"qrsign verify-evidence: verify-evidence needs --ca MSPID=FILE for the member orgs and --orderer-ca MSPID=FILE: it trusts nothing else"},
		{"no bundle", goldenRoots(), exitUsage, "", "qrsign verify-evidence: verify-evidence needs a bundle file and optionally the document file"},
		{"a root without its MSP", []string{bundle, "--ca", golden("root-Org1MSP.pem")}, exitUsage, "",
			"want MSPID=FILE"},
		{"a negative policy", append(append([]string{bundle}, goldenRoots()...), "--endorsing-orgs", "-1"), exitUsage, "",
			"qrsign verify-evidence: verify-evidence needs --endorsing-orgs N"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			code := run(context.Background(), append([]string{"verify-evidence"}, c.args...), strings.NewReader(""), &out, &errb)
			if code != c.code || !strings.Contains(out.String(), c.out) || !strings.Contains(errb.String(), c.err) {
				t.Fatalf("exit %d (want %d)\nstdout %s\nstderr %s\nwant stdout ∋ %q, stderr ∋ %q", code, c.code, out.String(), errb.String(), c.out, c.err)
			}
		})
	}
}

func TestEvidenceAssembleUsage(t *testing.T) {
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"evidence"}, "qrsign evidence: evidence needs a subcommand: assemble"},
		{[]string{"evidence", "assemble", "--history", "h.json"}, "qrsign evidence: evidence assemble needs --history and at least one --block"},
	}
	for _, c := range cases {
		t.Run(strings.Join(c.args, " "), func(t *testing.T) {
			var out, errb bytes.Buffer
			code := run(context.Background(), c.args, strings.NewReader(""), &out, &errb)
			if code != exitUsage || !strings.HasPrefix(errb.String(), c.want) {
				t.Fatalf("exit %d stderr %q, want %d %q", code, errb.String(), exitUsage, c.want)
			}
		})
	}
}

// englishWords are the English words left in human output once the data is
// taken out: quoted names, hashes, paths and keys (with a /), flags, MSP
// ids, the ids given and names (qrsign, Merkle).
func englishWords(out string, ids ...string) []string {
	for _, id := range ids {
		out = strings.ReplaceAll(out, id, " ")
	}
	out = regexp.MustCompile(`"[^"]*"|\b[0-9a-f]{12,}\b|\S*/\S*|--[a-z-]+|\b\w+MSP\b|\bqrsign\b|\bMerkle\b`).ReplaceAllString(out, " ")
	return regexp.MustCompile(`[A-Za-z]*[a-z][A-Za-z]{2,}`).FindAllString(out, -1)
}

// With LANG=zh_CN.UTF-8 verify-evidence says every check and the verdict in
// Chinese (the golden bundles of the real network: witnessed, unwitnessed,
// declined, batch-signed); ids, hashes and codes stay as they are.
func TestVerifyEvidenceInChinese(t *testing.T) {
	t.Setenv("LC_ALL", "")
	t.Setenv("LC_MESSAGES", "")
	t.Setenv("LANG", "zh_CN.UTF-8")
	b, err := os.ReadFile(golden("two-signers.json"))
	if err != nil {
		t.Fatal(err)
	}
	unwitnessed := filepath.Join(t.TempDir(), "unwitnessed.json")
	os.WriteFile(unwitnessed, regexp.MustCompile(`"witness": "[A-Za-z0-9+/=]+"`).ReplaceAll(b, []byte(`"witness": ""`)), 0o644)
	ids := regexp.MustCompile(`"((?:doc|batch)-[0-9a-f.-]+|[a-z]+-[0-9]+-[0-9a-f]{8})"`) // document, batch and signer ids in the bundles
	for _, c := range []struct {
		args []string
		want []string
	}{
		{[]string{golden("two-signers.json"), golden("two-signers.pdf")}, []string{
			"文件 doc-549644-356f2b9c 的证据包\n",
			"  通过 交易 a0240665bf88bda8 的背书: 2 个背书均验证通过，来自 Org1MSP, Org2MSP：2 个组织（给定 2 个，要求 2 个）\n",
			"  通过 最后一笔交易的有效性: 见证 aab17a3d3b77502f 由 Org1MSP \"relay\" 创建（信封未签名），创建者所标日期 2026-11-24T19:47:26.663400473Z，",
			"  通过 事件 1 的吊销检查: 序列号 6a3219d7d4d98340a5c6a1223520039c84bb8638 不在 Org1MSP 的 CRL \"\"（更新时间 2026-11-24T19:47:23Z）上\n",
			"  通过 记录与事件一致: 由事件推演的结果与文件记录一致（状态 COMPLETED）\n",
			"验证通过（VERIFIED）：32 项检查全部通过\n"}},
		{[]string{unwitnessed, "--accept-unwitnessed"}, []string{"  通过 最后一笔交易的有效性: 未证明（UNPROVEN，"}},
		{[]string{golden("declined.json")}, []string{"验证通过（VERIFIED）："}},
		{[]string{golden("batch.json")}, []string{"验证通过（VERIFIED）：", "，Merkle 证明成立"}},
	} {
		var out, errb bytes.Buffer
		if code := run(context.Background(), append(append([]string{"verify-evidence"}, c.args...), goldenRoots()...), strings.NewReader(""), &out, &errb); code != exitOK {
			t.Fatalf("%v: exit %d\n%s%s", c.args, code, out.String(), errb.String())
		}
		for _, want := range c.want {
			if !strings.Contains(out.String(), want) {
				t.Errorf("%v: lacks %q:\n%s", c.args, want, out.String())
			}
		}
		raw, _ := os.ReadFile(c.args[0])
		var data []string
		for _, m := range ids.FindAllStringSubmatch(string(raw), -1) {
			data = append(data, m[1])
		}
		if w := englishWords(out.String(), data...); len(w) > 0 {
			t.Errorf("%v: English words %q in:\n%s", c.args, w, out.String())
		}
	}
}

// The checks of a signed PDF's revisions, a later revision and a failure,
// in Chinese: every evidence check code has its name in the catalogue, and a
// failure keeps the verifier's diagnostics.
func TestEvidenceChecksOfASignedPDFInChinese(t *testing.T) {
	t.Setenv("LC_ALL", "zh_CN.UTF-8")
	h := strings.Repeat("ab", 32)
	pdf := func(rev, by, increment string) evidence.Check {
		return evidence.Check{Name: "pdf revision " + rev, OK: true, Code: evidence.CheckPDFRevision, Params: map[string]string{"revision": rev,
			"end": "581", "sha256": h, "by": by, "signer": "Org1MSP/alice", "seq": rev, "tx": "txalice012345678", "increment": increment,
			"certs": "2", "crls": "1"}}
	}
	rep := &evidence.Report{DocumentID: "doc-1", Checks: []evidence.Check{
		pdf("0", "registration", ""), pdf("1", "signature", "signature"), pdf("2", "dss", "dss"),
		{Name: "document file", OK: true, Code: evidence.CheckDocumentFile, Params: map[string]string{"sha256": h, "revision": "2", "latest": "false"}},
		{Name: "tx 0123456789abcdef", Code: evidence.CheckTx, Params: map[string]string{"tx": "0123456789abcdef"}, Detail: "transaction 0123456789abcdef… is listed twice"},
		{Name: "CA Org2MSP", Code: evidence.CheckCA, Params: map[string]string{"msp": "Org2MSP"}, Detail: "the events name CA"},
		{Name: "CRL Org2MSP", Code: evidence.CheckCRL, Params: map[string]string{"msp": "Org2MSP"}, Detail: "is named by no event"},
	}}
	var out bytes.Buffer
	printEvidence(&out, rep)
	want := "文件 doc-1 的证据包\n" +
		"  通过 PDF 修订版本 0: 字节 0..581 的哈希为 " + h + "，由登记事件记录（事件 0，交易 txalice012345678）\n" +
		"  通过 PDF 修订版本 1: 字节 0..581 的哈希为 " + h + "，由 Org1MSP/alice 的签名记录（事件 1，交易 txalice012345678）；恰好是一个已签名的签名增量\n" +
		"  通过 PDF 修订版本 2: 字节 0..581 的哈希为 " + h + "，由 DSS 修订记录（事件 2，交易 txalice012345678）；恰好是一个 DSS 增量（2 个证书，1 个 CRL）\n" +
		"  通过 文件比对: SHA-256 " + h + "，是证据包中文件的第 2 个修订版本，0 → 2 的修订链完整（证据包还记录了更晚的修订版本）\n" +
		"  失败 交易 0123456789abcdef: transaction 0123456789abcdef… is listed twice\n" +
		"  失败 Org2MSP 的 CA: the events name CA\n" +
		"  失败 Org2MSP 的 CRL: is named by no event\n" +
		"未通过验证（NOT VERIFIED）：7 项检查中有 3 项失败\n"
	if out.String() != want {
		t.Fatalf("got\n%s\nwant\n%s", out.String(), want)
	}
}
