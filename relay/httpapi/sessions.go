package httpapi

import (
	"html/template"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/qrsign/qrsign/relay/api"
)

func (s *Server) getSession(c echo.Context) error {
	info, err := s.svc.Session(c.Request().Context(), c.Param("token"))
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(http.StatusOK, info)
}

var pageTmpl = template.Must(template.New("s").Parse(`<!doctype html>
<html lang="en"><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>qrsign: {{.Title}}</title>
<h1>{{.Title}}</h1>
<p>Signer: {{.Signer.ID}} ({{.Signer.MSPID}}) · match code <strong>{{.MatchCode}}</strong></p>
<p>SHA-256: <code>{{.SHA256}}</code> · expires {{.ExpiresAt.Format "2006-01-02 15:04 MST"}}</p>
<p>Sign with the qrsign client: <code>qrsign sign {{.Token}}</code></p>
</html>`))

// sessionPage is what a plain phone camera opens: a summary for now.
func (s *Server) sessionPage(c echo.Context) error {
	info, err := s.svc.Session(c.Request().Context(), c.Param("token"))
	if err != nil {
		return err
	}
	pageHeaders(c.Response().Header(), "default-src 'none'")
	c.Response().Header().Set(echo.HeaderContentType, "text/html; charset=utf-8")
	c.Response().WriteHeader(http.StatusOK)
	return pageTmpl.Execute(c.Response(), info)
}

// pageHeaders are the headers of every HTML page the relay renders itself
// (the pages of relay/web set the same): csp names what the page loads; no
// page may be framed, sniffed, cached or leak its URL (which may hold a
// bearer token) as a referrer.
func pageHeaders(h http.Header, csp string) {
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Security-Policy", csp+"; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Frame-Options", "DENY")
}

func (s *Server) scan(c echo.Context) error {
	start := time.Now()
	var req api.CallbackRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	res, err := s.svc.Scan(c.Request().Context(), s.callerOf(c), req)
	result := "ok"
	switch {
	case err != nil:
		result = string(s.toFault(err).Code)
	case res.Replayed:
		result = "replayed"
	}
	s.metrics.ScanCallbacks.WithLabelValues(result).Inc()
	if err != nil {
		return err
	}
	if !res.Replayed {
		s.metrics.ScanCommit.Observe(time.Since(start).Seconds())
	}
	return c.JSON(http.StatusOK, res)
}
