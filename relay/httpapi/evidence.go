package httpapi

import (
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"
)

// getEvidence serves GET /v1/documents/{id}/evidence: the document's
// offline-verifiable evidence bundle (relay/evidence, format
// qrsign-evidence/2). Only API keys with documents:read get it (not a
// signing session's token): a bundle carries whole blocks, every envelope
// in them. The rate limiter is charged one token per block fetched.
func (s *Server) getEvidence(c echo.Context) error {
	b, st, err := s.svc.EvidenceWith(c.Request().Context(), c.Param("id"), func() { s.limiter.charge(clientKey(c), 1) })
	if err != nil {
		return err
	}
	// What the build cost: blocks read and the witness's endorsement.
	c.Response().Header().Set("Server-Timing", fmt.Sprintf("blocks;desc=\"%d\", witness;dur=%.1f;desc=\"%d\"", st.Blocks,
		float64(st.Witness.Microseconds())/1000, st.WitnessRuns))
	c.Response().Header().Set("Content-Disposition", `attachment; filename="evidence.json"`)
	return c.JSONPretty(http.StatusOK, b, "  ")
}
