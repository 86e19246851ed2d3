// Package fabricca enrolls with an org's Fabric CA over its REST API (POST
// /api/v1/enroll, HTTP Basic id:secret). Shared by the signer client (Enroll:
// the key pair is made here and only the CSR is sent, the private key never
// leaves the client) and the relay (EnrollCSR: it forwards a browser's CSR).
// It links no relay or signer package.
package fabricca

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"
)

// Enroller talks to one Fabric CA.
type Enroller struct {
	URL    string       // https://host:port (the CA's base URL)
	CAName string       // optional: the CA name when the server hosts several
	HTTP   *http.Client // carries the CA's TLS trust
}

// Result is what an enrollment yields.
type Result struct {
	Key      *ecdsa.PrivateKey
	CertPEM  []byte // the signer certificate
	ChainPEM []byte // the CA chain from ServerInfo.CAChain
	Cert     *x509.Certificate
}

// Error is a refusal by the CA, with its own error codes and messages.
type Error struct {
	Status   int
	Messages []string
}

func (e *Error) Error() string {
	return fmt.Sprintf("enroll: CA answered %d: %s", e.Status, strings.Join(e.Messages, "; "))
}

// Refused says the CA refused the id and secret (401 or 403).
func (e *Error) Refused() bool {
	return e.Status == http.StatusUnauthorized || e.Status == http.StatusForbidden
}

// BadRequest says the CA refused the request itself (400).
func (e *Error) BadRequest() bool { return e.Status == http.StatusBadRequest }

// HTTPClientTrusting returns an http.Client trusting only the PEM CA certificates in file.
func HTTPClientTrusting(file string) (*http.Client, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("enroll: CA TLS certificate: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(b) {
		return nil, fmt.Errorf("enroll: %s holds no PEM certificate", file)
	}
	return &http.Client{
		Timeout:   30 * time.Second,
		Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}},
	}, nil
}

// request is the body of POST /api/v1/enroll (fabric-ca api.EnrollmentRequestNet, the parts we use).
type request struct {
	CertificateRequest string `json:"certificate_request"`
	CAName             string `json:"caname,omitempty"`
}

// response is fabric-ca's envelope around common.EnrollmentResponseNet.
type response struct {
	Success bool            `json:"success"`
	Result  json.RawMessage `json:"result"` // an object on success, "" or null on failure
	Errors  []struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	} `json:"errors"`
}

// enrollResult is common.EnrollmentResponseNet.
type enrollResult struct {
	Cert       string `json:"Cert"`
	ServerInfo struct {
		CAName  string `json:"CAName"`
		CAChain string `json:"CAChain"`
	} `json:"ServerInfo"`
}

// Enroll makes a P-256 key, sends a CSR with CN = id, and returns the key with
// the issued certificate, after checking the certificate is for that key and id.
func (e *Enroller) Enroll(ctx context.Context, id, secret string) (*Result, error) {
	if id == "" || secret == "" {
		return nil, errors.New("enroll: id and secret are required")
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	csrDER, err := x509.CreateCertificateRequest(rand.Reader,
		&x509.CertificateRequest{Subject: pkix.Name{CommonName: id}}, key)
	if err != nil {
		return nil, err
	}
	issued, err := e.EnrollCSR(ctx, id, secret, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: csrDER}))
	if err != nil {
		return nil, err
	}
	certPEM, chainPEM, cert := issued.CertPEM, issued.ChainPEM, issued.Cert
	return &Result{Key: key, CertPEM: certPEM, ChainPEM: chainPEM, Cert: cert}, nil
}

func clip(s string) string {
	if len(s) > 120 {
		return s[:120] + "…"
	}
	return s
}
