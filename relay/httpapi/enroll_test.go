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
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

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
			h.advance(time.Minute) // the client's bucket refills
			rec := h.doJSON(http.MethodPost, "/v1/enroll", map[string]string{"enrollmentId": "alice", "secret": "s3cret-alice", "csrPem": csrWith(t, "alice", tc.tmpl)})
			p := wantProblem(t, rec, 400, "CSR_EXTENSIONS")
			if p.Detail != tc.detail {
				t.Fatalf("detail %q, want %q", p.Detail, tc.detail)
			}
		})
	}
	// None of them used the secret: the plain CSR still enrolls.
	h.advance(time.Minute)
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
			h.advance(time.Minute) // the client's bucket refills
			rec := h.do(http.MethodPost, "/v1/enroll", strings.NewReader(tc.body), "Content-Type", "application/json")
			var p problemBody
			json.Unmarshal(rec.Body.Bytes(), &p)
			if rec.Code != tc.status || p.Code != tc.code || p.Detail != tc.detail {
				t.Fatalf("got %d %s %q, want %d %s %q", rec.Code, p.Code, p.Detail, tc.status, tc.code, tc.detail)
			}
		})
	}
	// bob's secret still works: the refused requests above used none of it.
	h.advance(time.Minute)
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

// countingCA counts the guesses the CA saw per enrollment id.
type countingCA struct {
	*fakeCA
	mu    sync.Mutex
	calls map[string]int
}

func (c *countingCA) EnrollCSR(ctx context.Context, id, secret string, csrPEM []byte) (*fabricca.Issued, error) {
	c.mu.Lock()
	c.calls[id]++
	c.mu.Unlock()
	return c.fakeCA.EnrollCSR(ctx, id, secret, csrPEM)
}

func (c *countingCA) seen(id string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.calls[id]
}

// Signer ids are public on documents and Fabric CA locks an identity after
// 10 wrong secrets: the relay forwards at most 3 refused guesses per id per
// 15 minutes, whoever sends them, and refuses the rest itself.
func TestEnrollBudgetsRefusedGuessesPerID(t *testing.T) {
	h := newHarness(t)
	ca := &countingCA{fakeCA: &fakeCA{h: h, secrets: map[string]string{"xavier": "s3cret-x", "yvonne": "s3cret-y"}}, calls: map[string]int{}}
	h.srv = New(h.cfg, h.svc, Options{Logger: quiet, Enroll: &service.Enrollment{CA: ca, MSPID: "Org1MSP", Log: quiet, Now: h.clock}})
	enroll := func(id, secret string) *httptest.ResponseRecorder {
		return h.doJSON(http.MethodPost, "/v1/enroll", map[string]string{"enrollmentId": id, "secret": secret, "csrPem": csrFor(t, id)})
	}
	const refused = "the CA refused this enrollment id and secret: wrong, unknown, or already used"
	const budget = "too many refused attempts for this enrollment id; wait before trying again"
	start := h.clock()
	for i := range 10 { // one client, one guess every 6 s (its own bucket's pace)
		rec := enroll("xavier", fmt.Sprintf("guess-%d", i))
		if i < 3 {
			if p := wantProblem(t, rec, http.StatusUnauthorized, "ENROLL_REFUSED"); p.Detail != refused {
				t.Fatalf("guess %d: %q", i, p.Detail)
			}
		} else {
			p := wantProblem(t, rec, http.StatusTooManyRequests, "RATE_LIMITED")
			want := strconv.Itoa(int((start.Add(15*time.Minute).Sub(h.clock()) + time.Second - 1) / time.Second))
			if p.Detail != budget || rec.Header().Get("Retry-After") != want {
				t.Fatalf("guess %d: %q, Retry-After %q, want %s", i, p.Detail, rec.Header().Get("Retry-After"), want)
			}
		}
		h.advance(6 * time.Second)
	}
	if n := ca.seen("xavier"); n != 3 {
		t.Fatalf("the CA saw %d guesses for xavier, want 3", n)
	}
	// Another id is unaffected; an unknown one is refused alike (no enumeration).
	h.advance(time.Minute)
	if p := wantProblem(t, enroll("nobody", "x"), http.StatusUnauthorized, "ENROLL_REFUSED"); p.Detail != refused {
		t.Fatalf("unknown id: %q", p.Detail)
	}
	wantProblem(t, enroll("yvonne", "wrong"), http.StatusUnauthorized, "ENROLL_REFUSED")
	if rec := enroll("yvonne", "s3cret-y"); rec.Code != http.StatusOK {
		t.Fatalf("yvonne: %d %s", rec.Code, rec.Body)
	}
	// Even xavier's own secret waits for the window: the CA is not asked.
	wantProblem(t, enroll("xavier", "s3cret-x"), http.StatusTooManyRequests, "RATE_LIMITED")
	if n := ca.seen("xavier"); n != 3 {
		t.Fatalf("the CA saw %d guesses for xavier, want 3", n)
	}
	h.advance(start.Add(15 * time.Minute).Sub(h.clock()))
	if rec := enroll("xavier", "s3cret-x"); rec.Code != http.StatusOK {
		t.Fatalf("xavier after the window: %d %s", rec.Code, rec.Body)
	}

	// Concurrent guesses from many clients: those in flight count too.
	var wg sync.WaitGroup
	b, _ := json.Marshal(map[string]string{"enrollmentId": "zoe", "secret": "guess", "csrPem": csrFor(t, "zoe")})
	for i := range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req := httptest.NewRequest(http.MethodPost, "/v1/enroll", bytes.NewReader(b))
			req.Header.Set("Content-Type", "application/json")
			req.RemoteAddr = fmt.Sprintf("198.51.100.%d:4000", i+1)
			h.srv.Handler().ServeHTTP(httptest.NewRecorder(), req)
		}()
	}
	wg.Wait()
	if n := ca.seen("zoe"); n > 3 {
		t.Fatalf("the CA saw %d concurrent guesses for zoe, want at most 3", n)
	}
}
