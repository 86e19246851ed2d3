package tsa

import (
	"context"
	"crypto/x509"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/qrsign/qrsign/relay/cms/cmstest"
)

func roots(cas ...*cmstest.CA) *x509.CertPool {
	p := x509.NewCertPool()
	for _, ca := range cas {
		p.AddCert(ca.Cert)
	}
	return p
}

// TestOpenSSLInterop has openssl make the query and verify the reply, with
// and without the certificate requested.
func TestOpenSSLInterop(t *testing.T) {
	if _, err := exec.LookPath("openssl"); err != nil {
		t.Skip("openssl not installed")
	}
	now := time.Now().Truncate(time.Second) // openssl judges at its wall clock
	a, ca := authority(t, now)
	srv := httptest.NewServer(a)
	defer srv.Close()
	dir := t.TempDir()
	data := filepath.Join(dir, "data.bin")
	if err := os.WriteFile(data, []byte("the signature value"), 0o600); err != nil {
		t.Fatal(err)
	}
	root := cmstest.WritePEM(t, dir, "root.pem", ca.Cert)
	tsaPEM := cmstest.WritePEM(t, dir, "tsa.pem", a.Chain[0])
	for _, tc := range []struct {
		name  string
		query []string
		check []string
	}{
		{"certificate requested", []string{"-cert"}, nil},
		{"no certificate", nil, []string{"-untrusted", tsaPEM}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tsq, tsr := filepath.Join(dir, "q.tsq"), filepath.Join(dir, "r.tsr")
			args := append([]string{"ts", "-query", "-data", data, "-sha256", "-out", tsq}, tc.query...)
			if out, err := exec.Command("openssl", args...).CombinedOutput(); err != nil {
				t.Fatalf("openssl ts -query: %v\n%s", err, out)
			}
			q, _ := os.ReadFile(tsq)
			resp, err := http.Post(srv.URL, MediaQuery, strings.NewReader(string(q)))
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			f, _ := os.Create(tsr)
			if _, err := f.ReadFrom(resp.Body); err != nil || resp.Header.Get("Content-Type") != MediaReply {
				t.Fatalf("reply: %v %s", err, resp.Header.Get("Content-Type"))
			}
			f.Close()
			args = append([]string{"ts", "-verify", "-data", data, "-in", tsr, "-CAfile", root}, tc.check...)
			if out, err := exec.Command("openssl", args...).CombinedOutput(); err != nil || !strings.Contains(string(out), "Verification: OK") {
				t.Fatalf("openssl ts -verify: %v\n%s", err, out)
			}
		})
	}
}

func TestHandlerRefuses(t *testing.T) {
	a, _ := authority(t, clock)
	srv := httptest.NewServer(a)
	defer srv.Close()
	for _, tc := range []struct {
		name, method, ctype, body string
		status                    int
	}{
		{"GET", http.MethodGet, MediaQuery, "", http.StatusMethodNotAllowed},
		{"JSON", http.MethodPost, "application/json", "{}", http.StatusUnsupportedMediaType},
		{"too large", http.MethodPost, MediaQuery, strings.Repeat("x", maxRequest+1), http.StatusRequestEntityTooLarge},
		{"garbage is a rejection, not an HTTP error", http.MethodPost, MediaQuery, "x", http.StatusOK},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(tc.method, srv.URL, strings.NewReader(tc.body))
			req.Header.Set("Content-Type", tc.ctype)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d", resp.StatusCode, tc.status)
			}
		})
	}
}

func TestClient(t *testing.T) {
	a, ca := authority(t, clock)
	srv := httptest.NewServer(a)
	defer srv.Close()
	c := &Client{URL: srv.URL, Verify: x509.VerifyOptions{Roots: roots(ca)}}
	tok, err := c.Stamp(context.Background(), []byte("sig"))
	if err != nil {
		t.Fatal(err)
	}
	if !tok.GenTime.Equal(clock) || tok.TSA.Subject.CommonName != "Org1 TSA" {
		t.Fatalf("token %v by %s", tok.GenTime, tok.TSA.Subject.CommonName)
	}

	// A TSA that replays an old token for the same imprint is caught by the nonce.
	replay := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", MediaReply)
		resp, _ := asmResponse(tok.DER)
		w.Write(resp)
	}))
	defer replay.Close()
	other := cmstest.NewCA(t, "Other CA", clock)
	for _, tc := range []struct {
		name string
		c    *Client
		data string
		msg  string
	}{
		{"replayed token", &Client{URL: replay.URL, Verify: c.Verify}, "sig", "tsa: the token does not carry our nonce"},
		{"token for other data", &Client{URL: replay.URL, Verify: c.Verify}, "other", "tsa: token stamps another imprint"},
		{"untrusted TSA", &Client{URL: srv.URL, Verify: x509.VerifyOptions{Roots: roots(other)}}, "sig", "tsa: cms: signer's certificate: x509: certificate signed by unknown authority"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.c.Stamp(context.Background(), []byte(tc.data))
			if err == nil || !strings.HasPrefix(err.Error(), tc.msg) {
				t.Fatalf("error %v, want %q", err, tc.msg)
			}
		})
	}
}
