package httpapi

import (
	"net/http"
	"net/url"

	"github.com/labstack/echo/v4"
)

// getOrgTrust serves GET /v1/orgs/{mspId}/trust: the org's signer CAs and
// CRLs read from this relay's peer. No key: it is public ledger data, and
// verifiers ask several orgs' relays to confirm each other (rate-limited like
// every route).
func (s *Server) getOrgTrust(c echo.Context) error {
	msp := c.Param("mspId")
	if v, err := url.PathUnescape(msp); err == nil {
		msp = v
	}
	t, err := s.svc.OrgTrust(c.Request().Context(), msp)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, t)
}
