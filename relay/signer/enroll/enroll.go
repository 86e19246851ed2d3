// Package enroll obtains a signer certificate from the org's Fabric CA over its
// REST API (POST /api/v1/enroll, HTTP Basic id:secret). The key pair is made
// here and only the CSR is sent: the private key never leaves the client.
package enroll

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
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
	body, _ := json.Marshal(request{
		CertificateRequest: string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: csrDER})),
		CAName:             e.CAName,
	})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(e.URL, "/")+"/api/v1/enroll", bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.SetBasicAuth(id, secret)
	req.Header.Set("Content-Type", "application/json")
	hc := e.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("enroll: %w", err)
	}
	defer resp.Body.Close()
	rb, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("enroll: reading the answer: %w", err)
	}
	var r response
	if err := json.Unmarshal(rb, &r); err != nil {
		return nil, &Error{Status: resp.StatusCode, Messages: []string{"not a Fabric CA answer: " + clip(string(rb))}}
	}
	var res enrollResult
	if resp.StatusCode/100 != 2 || !r.Success || json.Unmarshal(r.Result, &res) != nil {
		msgs := []string{}
		for _, m := range r.Errors {
			msgs = append(msgs, fmt.Sprintf("code %d: %s", m.Code, m.Message))
		}
		if len(msgs) == 0 {
			msgs = append(msgs, "no success and no message")
		}
		return nil, &Error{Status: resp.StatusCode, Messages: msgs}
	}
	certPEM, err := base64.StdEncoding.DecodeString(res.Cert)
	if err != nil {
		return nil, errors.New("enroll: Cert is not base64")
	}
	chainPEM, err := base64.StdEncoding.DecodeString(res.ServerInfo.CAChain)
	if err != nil {
		return nil, errors.New("enroll: ServerInfo.CAChain is not base64")
	}
	blk, _ := pem.Decode(certPEM)
	if blk == nil || blk.Type != "CERTIFICATE" {
		return nil, errors.New("enroll: Cert holds no PEM certificate")
	}
	cert, err := x509.ParseCertificate(blk.Bytes)
	if err != nil {
		return nil, fmt.Errorf("enroll: issued certificate: %w", err)
	}
	if pub, ok := cert.PublicKey.(*ecdsa.PublicKey); !ok || !pub.Equal(&key.PublicKey) {
		return nil, errors.New("enroll: the issued certificate is not for the key we sent")
	}
	if cert.Subject.CommonName != id {
		return nil, fmt.Errorf("enroll: the issued certificate's CN is %q, not %q", cert.Subject.CommonName, id)
	}
	if p, _ := pem.Decode(chainPEM); p == nil {
		return nil, errors.New("enroll: the CA sent no CA chain")
	}
	return &Result{Key: key, CertPEM: certPEM, ChainPEM: chainPEM, Cert: cert}, nil
}

func clip(s string) string {
	if len(s) > 120 {
		return s[:120] + "…"
	}
	return s
}
