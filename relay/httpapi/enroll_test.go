package httpapi

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/json"
	"encoding/pem"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/qrsign/qrsign/chaincode/testpki"
	"github.com/qrsign/qrsign/relay/api"
	"github.com/qrsign/qrsign/relay/fabricca"
	"github.com/qrsign/qrsign/relay/service"
)

// fakeCA issues like Fabric CA: a one-time secret per id, 401 afterwards.
type fakeCA struct {
	h       *harness
	secrets map[string]string
	down    bool
	fail    error // returned instead of a certificate when set
}

func (f *fakeCA) EnrollCSR(_ context.Context, id, secret string, csrPEM []byte) (*fabricca.Issued, error) {
	if f.down {
		return nil, errors.New("dial tcp 127.0.0.1:7054: connect: connection refused")
	}
	if f.fail != nil {
		return nil, f.fail
	}
	if f.secrets[id] == "" || f.secrets[id] != secret {
		return nil, &fabricca.Error{Status: http.StatusUnauthorized, Messages: []string{"code 20: Authentication failure"}}
	}
	delete(f.secrets, id) // maxenrollments 1
	blk, _ := pem.Decode(csrPEM)
	csr, err := x509.ParseCertificateRequest(blk.Bytes)
	if err != nil {
		return nil, err
	}
	cert := f.h.ca.IssueFor(testpki.Leaf{CN: id}, csr.PublicKey)
	return &fabricca.Issued{Cert: cert, CertPEM: []byte(testpki.PEM(cert)), ChainPEM: []byte(f.h.ca.PEM())}, nil
}

func csrFor(t *testing.T, cn string) string {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{Subject: pkix.Name{CommonName: cn}}, key)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der}))
}

// csrWith is a CSR for cn carrying tmpl's subject fields, SANs and extra extensions.
func csrWith(t *testing.T, cn string, tmpl x509.CertificateRequest) string {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl.Subject.CommonName = cn
	der, err := x509.CreateCertificateRequest(rand.Reader, &tmpl, key)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der}))
}

// A CSR may ask for nothing but its CN: Fabric CA copies requested SANs and
// subject fields it does not set itself into the certificate, so none of them
// reaches the CA.
func TestEnrollRefusesCSRsWithSANsOrExtensions(t *testing.T) {
	h := newHarness(t)
	ca := &fakeCA{h: h, secrets: map[string]string{"alice": "s3cret-alice"}}
	h.srv = New(h.cfg, h.svc, Options{Logger: quiet, Enroll: &service.Enrollment{CA: ca, MSPID: "Org1MSP", Log: quiet}})
	const san = "csrPem must not name subject alternative names (DNS, email, IP or URI): the certificate is for the enrollment id alone"
	u, _ := url.Parse("https://bank.example/login")
	for _, tc := range []struct {
		name   string
		tmpl   x509.CertificateRequest
		detail string
	}{
		{"a DNS name", x509.CertificateRequest{DNSNames: []string{"bank.example"}}, san},
		{"an email address", x509.CertificateRequest{EmailAddresses: []string{"ceo@bank.example"}}, san},
		{"an IP address", x509.CertificateRequest{IPAddresses: []net.IP{net.ParseIP("10.0.0.1")}}, san},
		{"a URI", x509.CertificateRequest{URIs: []*url.URL{u}}, san},
		{"a requested extension", x509.CertificateRequest{ExtraExtensions: []pkix.Extension{{Id: asn1.ObjectIdentifier{2, 5, 29, 19}, Critical: true, Value: []byte{0x30, 0x03, 0x01, 0x01, 0xff}}}},
			"csrPem must not request extensions (found 2.5.29.19): the CA decides them"},
		{"an organization beside the CN", x509.CertificateRequest{Subject: pkix.Name{Organization: []string{"Org2MSP"}}},
			"csrPem's subject must be CN=<enrollmentId> alone: the CA decides the rest of the name"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := h.doJSON(http.MethodPost, "/v1/enroll", map[string]string{"enrollmentId": "alice", "secret": "s3cret-alice", "csrPem": csrWith(t, "alice", tc.tmpl)})
			p := wantProblem(t, rec, 400, "CSR_EXTENSIONS")
			if p.Detail != tc.detail {
				t.Fatalf("detail %q, want %q", p.Detail, tc.detail)
			}
		})
	}
	// None of them used the secret: the plain CSR still enrolls.
	if rec := h.doJSON(http.MethodPost, "/v1/enroll", map[string]string{"enrollmentId": "alice", "secret": "s3cret-alice", "csrPem": csrFor(t, "alice")}); rec.Code != 200 {
		t.Fatalf("plain CSR: %d %s", rec.Code, rec.Body)
	}
}

func TestEnrollForwardsCSRsAndMapsCARefusals(t *testing.T) {
	h := newHarness(t)
	ca := &fakeCA{h: h, secrets: map[string]string{"alice": "s3cret-alice", "bob": "s3cret-bob"}}
	var logs bytes.Buffer
	// fresh is a new router: each has its own enrollment rate limiter.
	fresh := func() {
		h.srv = New(h.cfg, h.svc, Options{Logger: quiet, Enroll: &service.Enrollment{CA: ca, MSPID: "Org1MSP",
			Log: slog.New(slog.NewTextHandler(&logs, nil))}})
	}
	fresh()

	// The first enrollment succeeds and the chain is the leaf alone (the root is left out).
	rec := h.doJSON(http.MethodPost, "/v1/enroll", map[string]string{"enrollmentId": "alice", "secret": "s3cret-alice", "csrPem": csrFor(t, "alice")})
	if rec.Code != http.StatusOK {
		t.Fatalf("enroll: %d %s", rec.Code, rec.Body)
	}
	var res api.EnrollResult
	json.Unmarshal(rec.Body.Bytes(), &res)
	blk, rest := pem.Decode([]byte(res.CertChainPEM))
	if res.MSPID != "Org1MSP" || blk == nil || len(bytes.TrimSpace(rest)) != 0 {
		t.Fatalf("result %+v", res)
	}
	if c, _ := x509.ParseCertificate(blk.Bytes); c == nil || c.Subject.CommonName != "alice" {
		t.Fatalf("leaf is not alice's")
	}

	notPEM := "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"
	for _, tc := range []struct {
		name   string
		body   string
		status int
		code   string
		detail string
	}{
		{"a used secret is refused", `{"enrollmentId":"alice","secret":"s3cret-alice","csrPem":` + js(csrFor(t, "alice")) + `}`,
			401, "ENROLL_REFUSED", "the CA refused this enrollment id and secret: wrong, unknown, or already used"},
		{"a wrong secret is refused", `{"enrollmentId":"bob","secret":"guess","csrPem":` + js(csrFor(t, "bob")) + `}`,
			401, "ENROLL_REFUSED", "the CA refused this enrollment id and secret: wrong, unknown, or already used"},
		{"a CSR for another name never reaches the CA", `{"enrollmentId":"bob","secret":"s3cret-bob","csrPem":` + js(csrFor(t, "mallory")) + `}`,
			400, "INVALID_FIELD", `csrPem's subject CN is "mallory", not the enrollmentId "bob"`},
		{"a certificate is not a CSR", `{"enrollmentId":"bob","secret":"s3cret-bob","csrPem":` + js(notPEM) + `}`,
			400, "INVALID_FIELD", "csrPem must hold exactly one PEM CERTIFICATE REQUEST"},
		{"an id with a slash is refused", `{"enrollmentId":"bo/b","secret":"x","csrPem":""}`,
			400, "INVALID_FIELD", "enrollmentId must be 1-128 characters: letters, digits and . _ @ + - (not first)"},
		{"a missing secret is refused", `{"enrollmentId":"bob","csrPem":""}`, 400, "INVALID_FIELD", "secret is required"},
		{"unknown fields are refused", `{"enrollmentId":"bob","secret":"x","csrPem":"","key":"x"}`,
			400, "BAD_REQUEST", `request JSON: unknown field "key"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := h.do(http.MethodPost, "/v1/enroll", strings.NewReader(tc.body), "Content-Type", "application/json")
			var p problemBody
			json.Unmarshal(rec.Body.Bytes(), &p)
			if rec.Code != tc.status || p.Code != tc.code || p.Detail != tc.detail {
				t.Fatalf("got %d %s %q, want %d %s %q", rec.Code, p.Code, p.Detail, tc.status, tc.code, tc.detail)
			}
		})
	}
	// bob's secret still works: the refused requests above used none of it.
	rec = h.doJSON(http.MethodPost, "/v1/enroll", map[string]string{"enrollmentId": "bob", "secret": "s3cret-bob", "csrPem": csrFor(t, "bob")})
	if rec.Code != http.StatusOK {
		t.Fatalf("bob: %d %s", rec.Code, rec.Body)
	}
	fresh()
	for _, tc := range []struct {
		name   string
		fail   error
		status int
		code   string
	}{
		{"a CA that refuses the CSR is a bad request", &fabricca.Error{Status: 400, Messages: []string{"code 0: bad CSR"}}, 400, "INVALID_FIELD"},
		{"a CA that certifies the wrong name failed", &fabricca.MismatchError{Detail: "the issued certificate's CN is \"x\", not \"carol\""}, 502, "ENROLL_FAILED"},
		{"a CA answering 500 failed", &fabricca.Error{Status: 500, Messages: []string{"code 0: db locked"}}, 502, "ENROLL_FAILED"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ca.fail = tc.fail
			defer func() { ca.fail = nil }()
			rec := h.doJSON(http.MethodPost, "/v1/enroll", map[string]string{"enrollmentId": "carol", "secret": "x", "csrPem": csrFor(t, "carol")})
			var p problemBody
			json.Unmarshal(rec.Body.Bytes(), &p)
			if rec.Code != tc.status || p.Code != tc.code || strings.Contains(p.Detail, "db locked") || strings.Contains(p.Detail, "bad CSR") {
				t.Fatalf("got %d %s %q, want %d %s without the CA's own words", rec.Code, p.Code, p.Detail, tc.status, tc.code)
			}
		})
	}
	ca.down = true
	rec = h.doJSON(http.MethodPost, "/v1/enroll", map[string]string{"enrollmentId": "carol", "secret": "x", "csrPem": csrFor(t, "carol")})
	if rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Retry-After") == "" {
		t.Fatalf("CA down: %d %s", rec.Code, rec.Body)
	}
	if strings.Contains(logs.String(), "s3cret") || strings.Contains(logs.String(), "guess") {
		t.Fatalf("a secret reached the log:\n%s", logs.String())
	}
	if !strings.Contains(logs.String(), "enrollmentId=alice result=ENROLL_REFUSED") {
		t.Fatalf("the refusal is not logged:\n%s", logs.String())
	}
}

func TestEnrollIsRateLimitedAndOffWithoutCA(t *testing.T) {
	h := newHarness(t)
	h.srv = New(h.cfg, h.svc, Options{Logger: quiet, Enroll: &service.Enrollment{Log: quiet}})
	rec := h.doJSON(http.MethodPost, "/v1/enroll", map[string]string{"enrollmentId": "alice", "secret": "x", "csrPem": csrFor(t, "alice")})
	var p problemBody
	json.Unmarshal(rec.Body.Bytes(), &p)
	if rec.Code != http.StatusNotFound || p.Code != "ENROLL_DISABLED" {
		t.Fatalf("without a CA: %d %s", rec.Code, rec.Body)
	}
	for i := 1; i < enrollBurst; i++ {
		h.doJSON(http.MethodPost, "/v1/enroll", map[string]string{})
	}
	rec = h.doJSON(http.MethodPost, "/v1/enroll", map[string]string{})
	json.Unmarshal(rec.Body.Bytes(), &p)
	if rec.Code != http.StatusTooManyRequests || p.Code != "RATE_LIMITED" || rec.Header().Get("Retry-After") == "" {
		t.Fatalf("after the burst: %d %s", rec.Code, rec.Body)
	}
}

func js(s string) string { b, _ := json.Marshal(s); return string(b) }
