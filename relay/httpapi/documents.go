package httpapi

import (
	"context"
	"errors"
	"io"
	"mime"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/qrsign/qrsign/relay/api"
	"github.com/qrsign/qrsign/relay/blob"
	"github.com/qrsign/qrsign/relay/session"

	"github.com/labstack/echo/v4"

	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/relay/fault"
	"github.com/qrsign/qrsign/relay/jsonbody"
	"github.com/qrsign/qrsign/relay/problem"
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

// uploadMultipart reads the whole body before anything is stored: exactly
// one metadata part and one file part, in either order, nothing else. The
// file is spooled to a temporary file meanwhile, so a refused request
// leaves no blob behind; Service.Upload then checks the metadata before it
// stores the spooled bytes (the one upload path).
func (s *Server) uploadMultipart(c echo.Context) (*api.Registered, error) {
	mr, err := c.Request().MultipartReader()
	if err != nil {
		return nil, fault.New(model.CodeBadRequest, "malformed multipart body")
	}
	var (
		meta     *api.UploadMeta
		file     *os.File
		fileType string
	)
	defer func() {
		if file != nil {
			file.Close()
			os.Remove(file.Name())
		}
	}()
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, multipartErr(err)
		}
		switch name := part.FormName(); name {
		case "metadata":
			if meta != nil {
				return nil, fault.New(model.CodeBadRequest, "only one metadata part is allowed")
			}
			if meta, err = s.readMetadataPart(part); err != nil {
				return nil, err
			}
		case "file":
			if file != nil {
				return nil, fault.New(model.CodeBadRequest, "only one file part is allowed")
			}
			fileType = part.Header.Get(echo.HeaderContentType)
			if file, err = s.spool(part); err != nil {
				return nil, err
			}
		default:
			return nil, fault.Newf(model.CodeBadRequest, "unknown multipart part %q: the parts are metadata and file", clipName(name))
		}
	}
	if meta == nil {
		return nil, fault.New(model.CodeBadRequest, "multipart body needs a metadata part")
	}
	if file == nil {
		return nil, fault.New(model.CodeBadRequest, "multipart body needs a file part")
	}
	if _, err := file.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	return s.svc.Upload(c.Request().Context(), s.callerOf(c), *meta, file, fileType)
}

func (s *Server) readMetadataPart(part io.Reader) (*api.UploadMeta, error) {
	b, err := io.ReadAll(io.LimitReader(part, s.cfg.MaxJSONBytes+1))
	if err != nil {
		return nil, multipartErr(err)
	}
	if int64(len(b)) > s.cfg.MaxJSONBytes {
		return nil, fault.New(fault.CodePayloadTooLarge, "the metadata part is too large")
	}
	var m api.UploadMeta
	if err := jsonbody.Decode(b, &m, "metadata JSON"); err != nil {
		return nil, err
	}
	return &m, nil
}

// spoolPattern names upload spool files in the data directory.
const spoolPattern = ".upload-*"

// spool copies a file part (at most MaxDocumentBytes) to a temporary file
// in the data directory; the caller removes it.
func (s *Server) spool(part io.Reader) (*os.File, error) {
	f, err := os.CreateTemp(s.cfg.DataDir, spoolPattern)
	if err != nil {
		return nil, storeErr(err)
	}
	n, err := io.Copy(f, io.LimitReader(blob.Reading(part), s.cfg.MaxDocumentBytes+1))
	if err == nil && n > s.cfg.MaxDocumentBytes {
		err = fault.New(fault.CodePayloadTooLarge, "the file is larger than this relay accepts")
	}
	if err != nil {
		f.Close()
		os.Remove(f.Name())
		return nil, storeErr(err)
	}
	return f, nil
}

// RemoveSpools deletes the upload spool files a killed relay left in
// dataDir (call it at start; a file another replica still writes stays
// readable to it until closed).
func RemoveSpools(dataDir string) error {
	left, err := filepath.Glob(filepath.Join(dataDir, spoolPattern))
	for _, f := range left {
		err = errors.Join(err, os.Remove(f))
	}
	return err
}

// storeErr answers a failed copy of a file part into storage (the blob
// store, an upload spool): reading the request body (*blob.ReadError) is
// the client's side, as multipartErr says; anything else is the relay's own
// failure, 500 INTERNAL (the cause logged), never a "malformed" body.
func storeErr(err error) error {
	var re *blob.ReadError
	var p *fault.Error
	switch {
	case errors.As(err, &re):
		return multipartErr(err)
	case errors.As(err, &p):
		return p
	}
	return fault.New(model.CodeInternal, "the relay could not store the file; nothing was registered").WithCause(err)
}

// multipartErr answers a failure to read or parse the multipart body.
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
	r, ci, err := s.svc.Content(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	defer r.Close()
	serveStored(c, r, ci.MediaType, ci.SHA256, "attachment", ci.CreatedAt)
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
	http.ServeContent(&rangeProblem{ResponseWriter: c.Response(), c: c}, c.Request(), "", modified, r)
}

// rangeProblem turns the one refusal http.ServeContent writes itself for a
// valid route (416, as text/plain) into a problem like every other answer.
type rangeProblem struct {
	http.ResponseWriter
	c       echo.Context
	refused bool
}

func (w *rangeProblem) WriteHeader(code int) {
	if code != http.StatusRequestedRangeNotSatisfiable {
		w.ResponseWriter.WriteHeader(code)
		return
	}
	w.refused = true
	w.Header().Set(echo.HeaderContentType, api.ProblemContentType)
	w.ResponseWriter.WriteHeader(code)
	_ = jsonEncode(w.ResponseWriter, problem.Of(fault.New(fault.CodeRangeRefused,
		"the Range header asks for bytes this file does not have (or is not bytes=first-last)"), requestID(w.c)))
}

func (w *rangeProblem) Write(b []byte) (int, error) {
	if w.refused {
		return len(b), nil // net/http's text body: the problem is written instead
	}
	return w.ResponseWriter.Write(b)
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
