// Package validators runs, for the integration tests, the signature
// validators nobody here wrote (Debian packages): poppler's pdfsig with an
// NSS database made by certutil, MuPDF's mutool, qpdf and openssl. The
// end-to-end tests (relay/e2e) and the browser tests (relay/web) share it.
package validators

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// Require fails t when a validator is missing.
func Require(t testing.TB) {
	t.Helper()
	for _, tool := range []string{"pdfsig", "mutool", "qpdf", "certutil", "openssl"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("missing validator %s (poppler-utils, mupdf-tools, qpdf, libnss3-tools, openssl)", tool)
		}
	}
}

// NSSTrusting is an NSS database whose only trust anchors are the CA files
// (each org's signer CA root: the first certificate of its caCertFile).
func NSSTrusting(t testing.TB, dir string, cas ...string) string {
	t.Helper()
	nss := filepath.Join(dir, "nss")
	if err := os.Mkdir(nss, 0o700); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("certutil", "-N", "-d", "sql:"+nss, "--empty-password").CombinedOutput(); err != nil {
		t.Fatalf("certutil -N: %v\n%s", err, out)
	}
	for i, ca := range cas {
		if out, err := exec.Command("certutil", "-A", "-d", "sql:"+nss, "-n", fmt.Sprintf("org%d", i+1), "-t", "C,C,C", "-a", "-i", ca).CombinedOutput(); err != nil {
			t.Fatalf("certutil -A %s: %v\n%s", ca, err, out)
		}
	}
	return nss
}

// PDFSig: pdfsig lists one signature per signer, in order, naming each,
// valid with its certificate trusted exactly where valid says. The trust
// holds because signers' certificates chain to their org's signer CA, which
// carries no extended key usage: NSS's PKIX path validation (poppler's)
// refuses the cryptogen MSP CA (clientAuth+serverAuth only) for a document
// signer ("Certificate issuer is unknown"; `vfychain -pp -u 4` says -8101).
func PDFSig(t testing.TB, nss, path string, signers []string, valid []bool) {
	t.Helper()
	out, _ := exec.Command("pdfsig", "-nssdir", "sql:"+nss, path).CombinedOutput()
	blocks := regexp.MustCompile(`(?m)^Signature #\d+:`).Split(string(out), -1)[1:]
	if len(blocks) != len(signers) {
		t.Fatalf("pdfsig lists %d signatures, want %d:\n%s", len(blocks), len(signers), out)
	}
	for n, b := range blocks {
		ok := strings.Contains(b, "Signature Validation: Signature is Valid.")
		if valid[n] && !strings.Contains(b, "Certificate Validation: Certificate is Trusted.") {
			t.Errorf("pdfsig signature %d: certificate not trusted:\n%s", n+1, b)
		}
		if !strings.Contains(b, signers[n]) || ok != valid[n] {
			t.Errorf("pdfsig signature %d: names %s = %v, valid = %v, want %v:\n%s", n+1, signers[n],
				strings.Contains(b, signers[n]), ok, valid[n], b)
		}
	}
}

// Mutool: mutool sign -v finds each signature's digest valid exactly where
// valid says. MuPDF trusts only its built-in root: trust is pdfsig's call.
func Mutool(t testing.TB, path string, signers []string, valid []bool) {
	t.Helper()
	out, _ := exec.Command("mutool", "sign", "-v", path).CombinedOutput()
	blocks := regexp.MustCompile(`(?m)^Verifying signature `).Split(string(out), -1)[1:]
	if len(blocks) != len(signers) {
		t.Fatalf("mutool lists %d signatures, want %d:\n%s", len(blocks), len(signers), out)
	}
	for n, b := range blocks {
		ok := strings.Contains(b, "The signature is valid but there have been edits since signing.") ||
			strings.Contains(b, "The document is unchanged since signing.")
		if !strings.Contains(b, signers[n]) || ok != valid[n] {
			t.Errorf("mutool signature %d: names %s = %v, digest valid = %v, want %v:\n%s", n+1, signers[n],
				strings.Contains(b, signers[n]), ok, valid[n], b)
		}
	}
}

// Each is n verdicts of v, for PDFSig and Mutool.
func Each(n int, v bool) []bool {
	b := make([]bool, n)
	for i := range b {
		b[i] = v
	}
	return b
}

// QPDF: qpdf --check finds the file sound.
func QPDF(t testing.TB, path string) {
	t.Helper()
	if out, err := exec.Command("qpdf", "--check", path).CombinedOutput(); err != nil {
		t.Errorf("qpdf --check %s: %v\n%s", filepath.Base(path), err, out)
	}
}

// CMSVerify runs openssl cms -verify of the detached DER signature file
// sig over the file content, trusting only root; the output and whether
// openssl said "Verification successful". openssl's default purpose
// (smimesign) applies: signer certificates and their CA carry no extended
// key usage that would exclude S/MIME.
func CMSVerify(sig, content, root string) (string, bool) {
	out, err := exec.Command("openssl", "cms", "-verify", "-binary", "-inform", "DER", "-in", sig,
		"-content", content, "-CAfile", root, "-out", os.DevNull).CombinedOutput()
	return string(out), err == nil && strings.Contains(string(out), "Verification successful")
}

// WriteTemp writes b to dir/name and returns the path.
func WriteTemp(t testing.TB, dir, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}
