package httpapi

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

// getEvidence serves GET /v1/documents/{id}/evidence: the document's
// offline-verifiable evidence bundle (relay/evidence, format
// qrsign-evidence/1), with the same read access as its provenance.
func (s *Server) getEvidence(c echo.Context) error {
	b, err := s.svc.Evidence(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	c.Response().Header().Set("Content-Disposition", `attachment; filename="evidence.json"`)
	return c.JSONPretty(http.StatusOK, b, "  ")
}
