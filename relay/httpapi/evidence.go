package httpapi

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

// getEvidence serves GET /v1/documents/{id}/evidence: the document's
// offline-verifiable evidence bundle (relay/evidence, format
// qrsign-evidence/2). Only API keys with documents:read get it (not a
// signing session's token): a bundle carries whole blocks, every envelope
// in them. The rate limiter is charged one token per block fetched.
func (s *Server) getEvidence(c echo.Context) error {
	b, err := s.svc.EvidenceWith(c.Request().Context(), c.Param("id"), func() { s.limiter.charge(c.RealIP(), 1) })
	if err != nil {
		return err
	}
	c.Response().Header().Set("Content-Disposition", `attachment; filename="evidence.json"`)
	return c.JSONPretty(http.StatusOK, b, "  ")
}
