package httpapi

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/relay/fault"
)

// maxSignerNumber bounds the n of a .p7s path (a document has at most that
// many signers; larger is a typo, not a lookup).
const maxSignerNumber = model.MaxPDFRevision

// getSignatureP7S: GET /v1/documents/{id}/signatures/{n}.p7s, the detached
// CAdES-T signature of the document's signer n (1-based, registered order).
func (s *Server) getSignatureP7S(c echo.Context) error {
	q, ok := strings.CutSuffix(c.Param("file"), ".p7s")
	n, err := strconv.Atoi(q)
	if !ok || err != nil || n < 1 || n > maxSignerNumber || strconv.Itoa(n) != q {
		return fault.Newf(fault.CodeNotFound, "a signature is /signatures/{n}.p7s with n 1..%d", maxSignerNumber)
	}
	r, sha, err := s.svc.SignatureP7S(c.Request().Context(), c.Param("id"), n)
	if err != nil {
		return err
	}
	defer r.Close()
	// The id is a document id ([A-Za-z0-9._-]): safe in the quoted file name.
	serveStored(c, r, "application/pkcs7-signature", sha, fmt.Sprintf(`attachment; filename="%s-%d.p7s"`, c.Param("id"), n),
		time.Time{}) // the ETag (content hash) validates
	return nil
}
