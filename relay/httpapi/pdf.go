package httpapi

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/relay/fault"
)

// getSessionPDF: GET /v1/sessions/{token}/pdf, the increment a PDF document's
// signer checks and signs.
func (s *Server) getSessionPDF(c echo.Context) error {
	inc, err := s.svc.PreparePDF(c.Request().Context(), c.Param("token"))
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(http.StatusOK, inc)
}

// getSessionBatch: GET /v1/sessions/{token}/batch, what a batch signer
// signs beside the batch payload: each awaiting PDF's increment, or a .p7s.
func (s *Server) getSessionBatch(c echo.Context) error {
	b, err := s.svc.PrepareBatch(c.Request().Context(), c.Param("token"))
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(http.StatusOK, b)
}

// getSignedPDF: GET /v1/documents/{id}/signed.pdf[?revision=N], a recorded
// revision (the latest by default; 0 is the registered file).
func (s *Server) getSignedPDF(c echo.Context) error {
	var n *int
	if q := c.QueryParam("revision"); q != "" {
		v, err := strconv.Atoi(q)
		if err != nil || v < 0 || v > model.MaxPDFRevision || strconv.Itoa(v) != q {
			return fault.Newf(model.CodeInvalidField, "revision must be an integer 0..%d", model.MaxPDFRevision)
		}
		n = &v
	}
	r, rev, err := s.svc.SignedPDF(c.Request().Context(), c.Param("id"), n)
	if err != nil {
		return err
	}
	defer r.Close()
	c.Response().Header().Set("X-Revision", strconv.Itoa(rev.Revision))
	// The id is a document id ([A-Za-z0-9._-]): safe in the quoted file name.
	serveStored(c, r, model.PDFMediaType, rev.SHA256, fmt.Sprintf(`attachment; filename="%s-r%d.pdf"`, c.Param("id"), rev.Revision),
		time.Time{}) // the ETag (content hash) validates
	return nil
}
