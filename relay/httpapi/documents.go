package httpapi

import (
	"context"
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/qrsign/qrsign/relay/api"
	"github.com/qrsign/qrsign/relay/session"

	"github.com/labstack/echo/v4"

	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/relay/fault"
	"github.com/qrsign/qrsign/relay/qr"
	"github.com/qrsign/qrsign/relay/service"
)

func (s *Server) callerOf(c echo.Context) service.Caller {
	return service.Caller{RequestID: requestID(c), ClientRequestID: clientRequestID(c), Who: caller(c), ClientIP: c.RealIP(),
		IdempotencyKey: c.Request().Header.Get("Idempotency-Key")}
}

// upload registers a document: multipart (parts "metadata" and "file") or a
// JSON body naming sha256 and size of bytes stored elsewhere.
func (s *Server) upload(c echo.Context) error {
	ct, _, _ := mime.ParseMediaType(c.Request().Header.Get(echo.HeaderContentType))
	var (
		res *api.Registered
		err error
	)
	switch ct {
	case "application/json":
		var meta api.UploadMeta
		if err := limitJSON(c, s.cfg.MaxJSONBytes); err != nil {
			return err
		}
		if err := decodeJSON(c, &meta); err != nil {
			return err
		}
		if meta.SHA256 == "" {
			return fault.New(model.CodeBadRequest, "a JSON registration needs sha256 and size (or upload the file as multipart)")
		}
		res, err = s.svc.Upload(c.Request().Context(), s.callerOf(c), meta, nil, "")
	case "multipart/form-data":
		res, err = s.uploadMultipart(c)
	default:
		return fault.New(model.CodeBadRequest, "Content-Type must be multipart/form-data or application/json")
	}
	if err != nil {
		return err
	}
	if res.Replayed {
		return c.JSON(http.StatusOK, res)
	}
	return c.JSON(http.StatusCreated, res)
}

func (s *Server) uploadMultipart(c echo.Context) (*api.Registered, error) {
	mr, err := c.Request().MultipartReader()
	if err != nil {
		return nil, fault.New(model.CodeBadRequest, "malformed multipart body")
	}
	var (
		meta     *api.UploadMeta
		content  io.Reader
		fileType string
	)
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, multipartErr(err)
		}
		switch part.FormName() {
		case "metadata":
			b, err := io.ReadAll(io.LimitReader(part, s.cfg.MaxJSONBytes+1))
			if err != nil {
				return nil, multipartErr(err)
			}
			if int64(len(b)) > s.cfg.MaxJSONBytes {
				return nil, fault.New(fault.CodePayloadTooLarge, "the metadata part is too large")
			}
			var m api.UploadMeta
			if err := decodeStrict(b, &m, "metadata JSON"); err != nil {
				return nil, err
			}
			meta = &m
		case "file":
			if content != nil {
				return nil, fault.New(model.CodeBadRequest, "only one file part is allowed")
			}
			fileType = part.Header.Get(echo.HeaderContentType)
			if meta != nil {
				// Metadata first: stream the file straight into the store.
				return s.svc.Upload(c.Request().Context(), s.callerOf(c), *meta, part, fileType)
			}
			// File first: store it now (content-addressed, harmless if the
			// metadata then fails), register when the metadata arrives.
			info, err := s.svc.Blobs.Put(c.Request().Context(), part, "")
			if err != nil {
				return nil, multipartErr(err)
			}
			r, _, err := s.svc.Blobs.Open(c.Request().Context(), info.SHA256)
			if err != nil {
				return nil, err
			}
			defer r.Close()
			content = r
		default:
			io.Copy(io.Discard, part)
		}
	}
	if meta == nil {
		return nil, fault.New(model.CodeBadRequest, "multipart body needs a metadata part")
	}
	if content == nil {
		return nil, fault.New(model.CodeBadRequest, "multipart body needs a file part")
	}
	return s.svc.Upload(c.Request().Context(), s.callerOf(c), *meta, content, fileType)
}

func multipartErr(err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return err
	}
	var p *fault.Error
	if errors.As(err, &p) {
		return p
	}
	if strings.Contains(err.Error(), "too large") {
		return fault.New(fault.CodePayloadTooLarge, "the file is larger than this relay accepts")
	}
	return fault.New(model.CodeBadRequest, "malformed multipart body").WithCause(err)
}

func (s *Server) getDocument(c echo.Context) error {
	v, err := s.svc.Document(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, v)
}

func (s *Server) getContent(c echo.Context) error {
	r, v, err := s.svc.Content(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	defer r.Close()
	serveStored(c, r, v.MediaType, v.SHA256, "attachment", v.CreatedAt)
	return nil
}

// serveStored serves stored document bytes (ETag their SHA-256) as an attachment.
func serveStored(c echo.Context, r io.ReadSeeker, mediaType, sha, disposition string, modified time.Time) {
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, mediaType)
	h.Set("ETag", `"`+sha+`"`)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Disposition", disposition)
	// Uploaded bytes are the uploader's: opened in a tab anyway, they run
	// with no origin, no scripts, no forms.
	h.Set("Content-Security-Policy", "sandbox")
	if c.QueryParam("token") != "" {
		h.Set("Cache-Control", "no-store") // read with a signer's session token: no shared cache keeps it
	}
	http.ServeContent(c.Response(), c.Request(), "", modified, r)
}

func (s *Server) getQR(c echo.Context) error {
	return s.sessionQR(c, s.svc.SignerSession)
}

// sessionQR answers a signer's session QR (?signer=mspId/id&size=) for the
// document or batch named by the path, opened by open.
func (s *Server) sessionQR(c echo.Context, open func(ctx context.Context, id, signer string) (*session.Session, error)) error {
	size := qr.DefaultSize
	if v := c.QueryParam("size"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < qr.MinSize || n > qr.MaxSize {
			return fault.Newf(model.CodeInvalidField, "size must be an integer %d..%d", qr.MinSize, qr.MaxSize)
		}
		size = n
	}
	signer := c.QueryParam("signer")
	if signer == "" {
		return fault.New(model.CodeInvalidField, "signer=mspId/id is required")
	}
	sess, err := open(c.Request().Context(), c.Param("id"), signer)
	if err != nil {
		return err
	}
	png, err := s.qr.PNG(s.cfg.PublicURL+"/s/"+sess.Token, size)
	if err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set("Cache-Control", "no-store")
	h.Set("X-Match-Code", sess.MatchCode)
	return c.Blob(http.StatusOK, "image/png", png)
}

func (s *Server) getProvenance(c echo.Context) error {
	p, err := s.svc.Provenance(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, p)
}
