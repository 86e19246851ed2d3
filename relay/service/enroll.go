package service

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"log/slog"
	"regexp"
	"sync"
	"time"

	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/relay/api"
	"github.com/qrsign/qrsign/relay/fabricca"
	"github.com/qrsign/qrsign/relay/fault"
)

// CSREnroller is the org's Fabric CA as seen by the relay (fabricca.Enroller).
type CSREnroller interface {
	EnrollCSR(ctx context.Context, id, secret string, csrPEM []byte) (*fabricca.Issued, error)
}

// Enrollment forwards certificate signing requests from browsers to the
// relay's own org's Fabric CA. The one-time secret the org's registrar
// handed the signer (network register-signer) is the only authorization:
// the relay adds none of its own and never logs it. Refused guesses are
// budgeted per enrollment id (enrollbudget.go).
type Enrollment struct {
	CA    CSREnroller // nil: enrollment is off
	MSPID string      // the org whose CA this is
	Log   *slog.Logger
	Now   func() time.Time // the refusal budget's clock; nil: time.Now

	mu  sync.Mutex
	ids map[string]*idBudget
}

// enrollIDRE is what the relay accepts as an enrollment id: the CN of the
// certificate and the signer id on the ledger (model's signer id rule is
// checked again by the chaincode when the id is used).
var enrollIDRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._@+-]{0,127}$`)

// validateEnroll checks the request before anything reaches the CA.
func validateEnroll(r api.EnrollRequest) (*x509.CertificateRequest, error) {
	switch {
	case r.EnrollmentID == "":
		return nil, fault.New(model.CodeInvalidField, "enrollmentId is required")
	case !enrollIDRE.MatchString(r.EnrollmentID):
		return nil, fault.New(model.CodeInvalidField, "enrollmentId must be 1-128 characters: letters, digits and . _ @ + - (not first)")
	case r.Secret == "":
		return nil, fault.New(model.CodeInvalidField, "secret is required")
	case len(r.Secret) > 256:
		return nil, fault.New(model.CodeInvalidField, "secret is longer than 256 characters")
	case len(r.CSRPEM) > 8<<10:
		return nil, fault.New(model.CodeInvalidField, "csrPem is longer than 8 KiB")
	}
	blk, rest := pem.Decode([]byte(r.CSRPEM))
	if blk == nil || blk.Type != "CERTIFICATE REQUEST" || len(bytes.TrimSpace(rest)) != 0 {
		return nil, fault.New(model.CodeInvalidField, "csrPem must hold exactly one PEM CERTIFICATE REQUEST")
	}
	csr, err := x509.ParseCertificateRequest(blk.Bytes)
	if err != nil {
		return nil, fault.New(model.CodeInvalidField, "csrPem is not a PKCS#10 certificate request").WithCause(err)
	}
	if err := csr.CheckSignature(); err != nil {
		return nil, fault.New(model.CodeInvalidField, "csrPem is not signed by its own key").WithCause(err)
	}
	if pub, ok := csr.PublicKey.(*ecdsa.PublicKey); !ok || pub.Curve != elliptic.P256() {
		return nil, fault.New(model.CodeInvalidField, "csrPem must hold an ECDSA P-256 public key")
	}
	if len(csr.DNSNames)+len(csr.EmailAddresses)+len(csr.IPAddresses)+len(csr.URIs) > 0 {
		return nil, fault.New(fault.CodeCSRExtensions, "csrPem must not name subject alternative names (DNS, email, IP or URI): the certificate is for the enrollment id alone")
	}
	if len(csr.Extensions) > 0 {
		return nil, fault.New(fault.CodeCSRExtensions, "csrPem must not request extensions (found "+csr.Extensions[0].Id.String()+"): the CA decides them")
	}
	if csr.Subject.CommonName != r.EnrollmentID {
		return nil, fault.Newf(model.CodeInvalidField, "csrPem's subject CN is %q, not the enrollmentId %q", csr.Subject.CommonName, r.EnrollmentID)
	}
	// The CA fills O, OU and the rest of the name; whatever the CSR names it
	// may copy (an Org1 signer certificate saying O=Org2MSP).
	if len(csr.Subject.Names) != 1 {
		return nil, fault.New(fault.CodeCSRExtensions, "csrPem's subject must be CN=<enrollmentId> alone: the CA decides the rest of the name")
	}
	return csr, nil
}

// Enroll validates the CSR, has the CA issue the certificate and returns the
// chain. Nothing is stored by the relay.
func (e *Enrollment) Enroll(ctx context.Context, c Caller, req api.EnrollRequest) (*api.EnrollResult, error) {
	start := time.Now()
	res, err := e.enroll(ctx, req)
	log := slog.Default()
	if e != nil && e.Log != nil {
		log = e.Log
	}
	result := "ok"
	if err != nil {
		result = string(codeOf(err))
	}
	// The secret is never logged: only who asked and what came of it.
	log.Info("enroll", "requestId", c.RequestID, "ip", c.ClientIP, "enrollmentId", req.EnrollmentID,
		"result", result, "ms", time.Since(start).Milliseconds())
	return res, err
}

func (e *Enrollment) enroll(ctx context.Context, req api.EnrollRequest) (*api.EnrollResult, error) {
	if e == nil || e.CA == nil {
		return nil, fault.New(fault.CodeEnrollOff, "this relay does not enroll signers (no Fabric CA configured)")
	}
	if _, err := validateEnroll(req); err != nil {
		return nil, err
	}
	now := time.Now
	if e.Now != nil {
		now = e.Now
	}
	if err := e.begin(req.EnrollmentID, now()); err != nil {
		return nil, err
	}
	issued, err := e.ask(ctx, req, now)
	if err != nil {
		return nil, err
	}
	chain := append([]byte{}, issued.CertPEM...)
	chain = append(chain, intermediatesPEM(issued.ChainPEM)...)
	return &api.EnrollResult{MSPID: e.MSPID, CertChainPEM: string(chain)}, nil
}

// ask forwards the attempt begun for req's id and ends it, even on a panic.
func (e *Enrollment) ask(ctx context.Context, req api.EnrollRequest, now func() time.Time) (issued *fabricca.Issued, err error) {
	done := false
	defer func() {
		// A caller's hang-up counts too: the CA may have counted its guess.
		e.end(req.EnrollmentID, now(), err != nil && (codeOf(err) == fault.CodeEnrollRefused || ctx.Err() != nil), done && err == nil)
	}()
	issued, err = e.CA.EnrollCSR(ctx, req.EnrollmentID, req.Secret, []byte(req.CSRPEM))
	if err != nil {
		return nil, enrollError(err)
	}
	done = true
	return issued, nil
}

// enrollError maps what the CA said to a stable code. Fabric CA answers a
// wrong secret, an unknown id and an id past its maximum enrollments alike
// with 401 "Authentication failure" (code 20), so the relay cannot tell them
// apart either, and would not say which if it could.
func enrollError(err error) error {
	var ce *fabricca.Error
	var me *fabricca.MismatchError
	switch {
	case errors.As(err, &ce) && ce.Refused():
		return fault.New(fault.CodeEnrollRefused, "the CA refused this enrollment id and secret: wrong, unknown, or already used").WithCause(err)
	case errors.As(err, &ce) && ce.BadRequest():
		return fault.New(model.CodeInvalidField, "the CA refused the certificate request").WithCause(err)
	case errors.As(err, &ce), errors.As(err, &me):
		return fault.New(fault.CodeEnrollFailed, "the CA's answer was unusable; nothing was issued to this device").WithCause(err)
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		p := fault.New(fault.CodeUnavailable, "the CA did not answer in time; retry").WithCause(err)
		p.RetryAfter = 2
		return p
	default:
		p := fault.New(fault.CodeUnavailable, "the CA cannot be reached now; retry").WithCause(err)
		p.RetryAfter = 5
		return p
	}
}

// intermediatesPEM keeps the certificates of a CA chain that are not
// self-signed roots.
func intermediatesPEM(chainPEM []byte) []byte {
	var out []byte
	for rest := chainPEM; ; {
		var blk *pem.Block
		blk, rest = pem.Decode(rest)
		if blk == nil {
			return out
		}
		c, err := x509.ParseCertificate(blk.Bytes)
		if err != nil || (bytes.Equal(c.RawIssuer, c.RawSubject) && c.CheckSignatureFrom(c) == nil) {
			continue
		}
		out = append(out, pem.EncodeToMemory(blk)...)
	}
}
