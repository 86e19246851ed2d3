package httpapi

import (
	"errors"
	"io"
	"mime"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/relay/config"
	"github.com/qrsign/qrsign/relay/fault"
	"github.com/qrsign/qrsign/relay/pdfrev"
	"github.com/qrsign/qrsign/relay/service"
)

// lookup serves GET /v1/verify?sha256=|txId=|doc= (and &cursor= for more
// documents with one hash): what the public verification page shows. Without
// credentials the answer is the public view (service.ViewPublic: status,
// ledger positions, counts and verdict, no titles, owners or tags, signers
// as far as publicSigners says); an API key with documents:read sees everything, a session
// token (?token=) its own document. Rate-limited like every route and charged
// one more token per further ledger call the lookup made.
func (s *Server) lookup(c echo.Context) error {
	full, err := s.lookupAccess(c)
	if err != nil {
		return err
	}
	res, err := s.svc.Lookup(c.Request().Context(), service.LookupParams{SHA256: c.QueryParam("sha256"),
		TxID: c.QueryParam("txId"), DocumentID: c.QueryParam("doc"), Cursor: c.QueryParam("cursor")})
	if err != nil {
		return err
	}
	// The rate limiter took one token; every further evaluation or block fetch costs its own.
	if n := res.LedgerCalls; n > 1 {
		s.limiter.charge(clientKey(c), float64(n-1))
	}
	res.Redact(full, service.SignerDisclosure(s.cfg.PublicSigners))
	c.Response().Header().Set("Cache-Control", "no-store") // statuses change as people sign
	return c.JSON(http.StatusOK, res)
}

// lookupAccess says which matches the caller may see in full: all of them
// with an API key holding documents:read (a presented key that is wrong is
// refused, not downgraded), those a session token covers, else none (nil).
func (s *Server) lookupAccess(c echo.Context) (func(string) bool, error) {
	if presentedKey(c) != "" {
		if err := s.authenticate(c, config.ScopeRead); err != nil {
			return nil, err
		}
		return func(string) bool { return true }, nil
	}
	if tok := c.QueryParam("token"); tok != "" {
		claims, err := s.svc.VerifyToken(tok)
		if err != nil {
			return nil, err
		}
		return func(id string) bool { return s.svc.TokenCoversDocument(claims, id) }, nil
	}
	return nil, nil
}

// verifyAccess admits everyone when publicVerify is on, else API keys with documents:read.
func (s *Server) verifyAccess(next echo.HandlerFunc) echo.HandlerFunc {
	if s.cfg.PublicVerify {
		return next
	}
	return s.requireScope(config.ScopeRead)(next)
}

// payPDF charges n bytes of a file to hash against the client's MiB
// bucket: 429 RATE_LIMITED with Retry-After when it cannot pay (n < 0: not
// known yet, charged once read).
func (s *Server) payPDF(c echo.Context, n int64) error {
	if s.pdfMiB == nil || n < 0 {
		return nil
	}
	if ok, wait := s.pdfMiB.allowN(clientKey(c), float64(n)/(1<<20)); !ok {
		p := fault.Newf(fault.CodeRateLimited, "this client had too many MiB of PDF checked lately (%g MiB a minute); wait before sending %d bytes", s.pdfMiB.rate*60, n)
		p.RetryAfter = int(wait/time.Second) + 1
		return p
	}
	return nil
}

// checkPDF serves POST /v1/verify/pdf. The body is either the PDF in hand
// (at most maxDocumentBytes, held in memory only while it is hashed, never
// stored or logged: for scripts) or, as JSON {"prefixes":[{end, sha256}]},
// the SHA-256 of its candidate prefixes (the /verify page hashes them in the
// browser so the file is never uploaded). The answer says which revisions
// the ledger recorded. Access, views and rate-limit charges as GET /v1/verify.
func (s *Server) checkPDF(c echo.Context) error {
	full, err := s.lookupAccess(c)
	if err != nil {
		return err
	}
	var res *service.PDFCheck
	ctx := c.Request().Context()
	if ct, _, _ := mime.ParseMediaType(c.Request().Header.Get("Content-Type")); ct == "application/json" {
		if err := limitJSON(c, s.cfg.MaxJSONBytes); err != nil {
			return err
		}
		var req struct {
			Prefixes []pdfrev.Prefix `json:"prefixes"`
		}
		if err := decodeJSON(c, &req); err != nil {
			return err
		}
		res, err = s.svc.CheckPDFPrefixes(ctx, req.Prefixes)
	} else {
		announced := c.Request().ContentLength
		if err := s.payPDF(c, announced); err != nil { // before reading, when the client says how much
			return err
		}
		file, rerr := io.ReadAll(c.Request().Body)
		var mbe *http.MaxBytesError
		switch {
		case errors.As(rerr, &mbe):
			return rerr
		case rerr != nil:
			return fault.New(model.CodeBadRequest, "could not read the request body")
		}
		if announced < 0 {
			if err := s.payPDF(c, int64(len(file))); err != nil {
				return err
			}
		}
		res, err = s.svc.CheckPDF(ctx, file)
	}
	if err != nil {
		return err
	}
	if n := res.LedgerCalls; n > 1 {
		s.limiter.charge(clientKey(c), float64(n-1))
	}
	res.Redact(full, service.SignerDisclosure(s.cfg.PublicSigners))
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(http.StatusOK, res)
}
