package fabricca

import (
	"bytes"
	"context"
	"crypto"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// Issued is what the CA returns for a CSR made elsewhere (the key stays
// with whoever made the CSR, e.g. a phone's browser).
type Issued struct {
	CertPEM  []byte // the signer certificate
	ChainPEM []byte // the CA chain from ServerInfo.CAChain
	Cert     *x509.Certificate
}

// MismatchError means the CA issued a certificate that is not for the CSR's
// key or enrollment id: a CA defect, never the caller's fault.
type MismatchError struct{ Detail string }

func (e *MismatchError) Error() string { return "enroll: " + e.Detail }

// EnrollCSR sends a PEM PKCS#10 CSR to the CA under id:secret and returns
// the issued certificate after checking it is for the CSR's public key and
// has CN = id. The CSR itself is checked by the CA (and by callers that take
// it from untrusted clients).
func (e *Enroller) EnrollCSR(ctx context.Context, id, secret string, csrPEM []byte) (*Issued, error) {
	if id == "" || secret == "" {
		return nil, errors.New("enroll: id and secret are required")
	}
	blk, _ := pem.Decode(csrPEM)
	if blk == nil || blk.Type != "CERTIFICATE REQUEST" {
		return nil, errors.New("enroll: no PEM CERTIFICATE REQUEST")
	}
	csr, err := x509.ParseCertificateRequest(blk.Bytes)
	if err != nil {
		return nil, fmt.Errorf("enroll: CSR: %w", err)
	}
	body, _ := json.Marshal(request{CertificateRequest: string(csrPEM), CAName: e.CAName})
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
	cb, _ := pem.Decode(certPEM)
	if cb == nil || cb.Type != "CERTIFICATE" {
		return nil, errors.New("enroll: Cert holds no PEM certificate")
	}
	cert, err := x509.ParseCertificate(cb.Bytes)
	if err != nil {
		return nil, fmt.Errorf("enroll: issued certificate: %w", err)
	}
	if pub, ok := cert.PublicKey.(interface{ Equal(crypto.PublicKey) bool }); !ok || !pub.Equal(csr.PublicKey) {
		return nil, &MismatchError{"the issued certificate is not for the key we sent"}
	}
	if cert.Subject.CommonName != id {
		return nil, &MismatchError{fmt.Sprintf("the issued certificate's CN is %q, not %q", cert.Subject.CommonName, id)}
	}
	if p, _ := pem.Decode(chainPEM); p == nil {
		return nil, errors.New("enroll: the CA sent no CA chain")
	}
	return &Issued{CertPEM: certPEM, ChainPEM: chainPEM, Cert: cert}, nil
}
