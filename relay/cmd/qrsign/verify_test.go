package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/chaincode/payload"
	"github.com/qrsign/qrsign/relay/signer/signertest"

	"github.com/qrsign/qrsign/relay/api"
)

// fakeTrustRelay serves a provenance and, for --trust-ledger-cas, the CAs
// it claims the ledger registered.
func fakeTrustRelay(t *testing.T, p *api.Provenance, cas ...*signertest.CA) string {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/documents/{id}/provenance", func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(p)
	})
	mux.HandleFunc("GET /v1/orgs/{msp}/trust", func(w http.ResponseWriter, r *http.Request) {
		ot := model.OrgTrust{MSPID: r.PathValue("msp")}
		for _, c := range cas {
			ot.CAs = append(ot.CAs, model.SignerCA{Fingerprint: payload.Fingerprint(c.Cert.Raw), CertPEM: c.PEM()})
		}
		json.NewEncoder(w).Encode(ot)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv.URL
}

func TestVerifyNeedsEachSignersOrgCA(t *testing.T) {
	t.Setenv("QRSIGN_API_KEY", "k")
	org2 := signertest.NewCA("ca-org2")
	genuine, err := signertest.Provenance(org2, "Org2MSP")
	if err != nil {
		t.Fatal(err)
	}
	// A relay fabricating history: the same names, certificates from its own CA.
	forger := signertest.NewCA("ca-org2")
	forged, _ := signertest.Provenance(forger, "Org2MSP")
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		os.WriteFile(p, b, 0o644)
		return p
	}
	org2PEM, org1PEM := write("org2.pem", []byte(org2.PEM())), write("org1.pem", []byte(signertest.NewCA("ca-org1").PEM()))
	honest := fakeTrustRelay(t, genuine, org2)
	lying := fakeTrustRelay(t, forged, forger)
	witness := fakeTrustRelay(t, genuine, org2)
	org2FP := payload.Fingerprint(org2.Cert.Raw)

	for _, tc := range []struct {
		name   string
		args   []string
		code   int
		stdout string // a line the output must hold
		stderr string
	}{
		{"no --ca-cert", []string{"--relay", honest}, exitUnverified,
			"  FAIL event 1 SignatureRecorded by Org2MSP/alice: UNVERIFIED: no trusted CA for Org2MSP (its signature verifies, but nothing says the certificate is one Org2MSP issued)",
			"qrsign verify: verification FAILED: UNVERIFIED: no trusted CA for Org2MSP"},
		{"another org's CA only", []string{"--relay", honest, "--ca-cert", "Org1MSP=" + org2PEM}, exitUnverified,
			"UNVERIFIED", "UNVERIFIED: no trusted CA for Org2MSP"},
		{"the right CA file named for the wrong org", []string{"--relay", honest, "--ca-cert", "Org1MSP=" + org1PEM, "--ca-cert", "Org3MSP=" + org2PEM}, exitUnverified,
			"UNVERIFIED", "no trusted CA for Org2MSP"},
		{"the org's CA", []string{"--relay", honest, "--ca-cert", "Org2MSP=" + org2PEM}, exitOK, "VERIFIED", ""},
		{"forged history with the org's CA", []string{"--relay", lying, "--ca-cert", "Org2MSP=" + org2PEM}, exitUnverified,
			"UNVERIFIED", "verification FAILED"},
		{"--trust-ledger-cas with nothing but the checked relay", []string{"--relay", lying, "--trust-ledger-cas"}, exitUnverified,
			"  note UNVERIFIED: no trusted CA for Org2MSP: --trust-ledger-cas would take its CA only from the relay being checked (" + lying + "); pin it with --ca-fingerprint Org2MSP=<sha256> or confirm it with --trust-relay <another org's relay>",
			"no trusted CA for Org2MSP"},
		{"--trust-ledger-cas, forged, pinned to the real CA", []string{"--relay", lying, "--trust-ledger-cas", "--ca-fingerprint", "Org2MSP=" + org2FP}, exitUnverified,
			"UNVERIFIED", "no trusted CA for Org2MSP"},
		{"--trust-ledger-cas, forged, an honest witness", []string{"--relay", lying, "--trust-ledger-cas", "--trust-relay", witness}, exitUnverified,
			"UNVERIFIED", "no trusted CA for Org2MSP"},
		{"--trust-ledger-cas, pinned", []string{"--relay", honest, "--trust-ledger-cas", "--ca-fingerprint", "Org2MSP=" + org2FP}, exitOK,
			"VERIFIED (trust delegated to the ledger's CAs for Org2MSP)", ""},
		{"--trust-ledger-cas, a witness agrees", []string{"--relay", honest, "--trust-ledger-cas", "--trust-relay", witness}, exitOK,
			"  note trust for Org2MSP is DELEGATED to the ledger: its CAs were read from the ledger via " + honest + ", confirmed by " + witness, ""},
		{"a bare --ca-cert file", []string{"--relay", honest, "--ca-cert", org2PEM}, exitUsage,
			"", "want MSPID=FILE (each signer is checked only against their own org's CAs)"},
		{"a pin without --trust-ledger-cas", []string{"--relay", honest, "--ca-fingerprint", "Org2MSP=" + org2FP}, exitUsage,
			"", "qrsign verify: --ca-fingerprint and --trust-relay only apply with --trust-ledger-cas"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			code := run(context.Background(), append([]string{"verify", "doc-1", "--channel", "qrsign"}, tc.args...), strings.NewReader(""), &out, &errb)
			if code != tc.code || !strings.Contains(out.String(), tc.stdout) || !strings.Contains(errb.String(), tc.stderr) {
				t.Fatalf("exit %d (want %d)\nstdout:\n%s\nstderr:\n%s\nwant stdout line %q, stderr %q", code, tc.code, out.String(), errb.String(), tc.stdout, tc.stderr)
			}
			if tc.code != exitOK && strings.Contains(out.String(), "\nVERIFIED") {
				t.Fatal("printed VERIFIED")
			}
		})
	}
}

// With LANG=zh_CN.UTF-8 every check line is Chinese: names from the checks'
// codes and events, what passed from their params; ids, hashes and codes
// stay as they are.
func TestVerifyChecksInChinese(t *testing.T) {
	t.Setenv("QRSIGN_API_KEY", "k")
	t.Setenv("LC_ALL", "")
	t.Setenv("LC_MESSAGES", "")
	t.Setenv("LANG", "zh_CN.UTF-8")
	org2 := signertest.NewCA("ca-org2")
	p, err := signertest.Provenance(org2, "Org2MSP")
	if err != nil {
		t.Fatal(err)
	}
	pem := filepath.Join(t.TempDir(), "org2.pem")
	os.WriteFile(pem, []byte(org2.PEM()), 0o644)
	var out, errb bytes.Buffer
	if code := run(context.Background(), []string{"verify", p.DocumentID, "--relay", fakeTrustRelay(t, p, org2), "--ca-cert", "Org2MSP=" + pem}, strings.NewReader(""), &out, &errb); code != 0 {
		t.Fatalf("exit %d\n%s%s", code, out.String(), errb.String())
	}
	for _, want := range []string{
		"  通过 事件流: 共 3 个事件，序号 0..2，均在区块 5,5,6 中且有效（VALID）\n",
		"  通过 文件哈希: " + p.Document.SHA256 + "\n",
		"  通过 事件 1（签署，Org2MSP/alice）: 对载荷 ",
		" 签名经 alice 的证书（", "）验证通过；证书链通向 Org2MSP 的 CA \"ca-org2\"，在 ",
		"  通过 记录与事件一致: 由事件推演的结果与文件记录一致（状态 COMPLETED）\n",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("lacks %q:\n%s", want, out.String())
		}
	}
	text := strings.NewReplacer(p.DocumentID, " ", "alice", " ").Replace(out.String()) // data: the document and signer ids
	text = regexp.MustCompile(`"[^"]*"|\b[0-9a-f]{12,}\b|\S*/\S*`).ReplaceAllString(text, " ")
	if w := regexp.MustCompile(`[A-Za-z]*[a-z][A-Za-z]{2,}`).FindAllString(text, -1); len(w) > 0 {
		t.Errorf("English words %q in:\n%s", w, out.String())
	}
}
