package httpapi

import (
	"bytes"
	"encoding/base64"
	"errors"
	"io"
	"mime"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/relay/api"
	"github.com/qrsign/qrsign/relay/blob"
	"github.com/qrsign/qrsign/relay/export"
	"github.com/qrsign/qrsign/relay/fault"
	"github.com/qrsign/qrsign/relay/jsonbody"
	"github.com/qrsign/qrsign/relay/service"
)

// createBatch registers a batch: multipart with a "batch" JSON part and one
// part per file (any order). Each file part streams into the blob store as it
// arrives (content-addressed: a refused batch leaves only unreferenced
// blobs), so hundreds of files never sit in memory together.
func (s *Server) createBatch(c echo.Context) error {
	ct, _, _ := mime.ParseMediaType(c.Request().Header.Get(echo.HeaderContentType))
	if ct != "multipart/form-data" {
		return fault.New(model.CodeBadRequest, "Content-Type must be multipart/form-data")
	}
	mr, err := c.Request().MultipartReader()
	if err != nil {
		return fault.New(model.CodeBadRequest, "malformed multipart body")
	}
	ctx := c.Request().Context()
	var meta *api.BatchMeta
	files := map[string]service.BatchFile{}
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return multipartErr(err)
		}
		name := part.FormName()
		switch {
		case name == "batch":
			if meta != nil {
				return fault.New(model.CodeBadRequest, "only one batch part is allowed")
			}
			b, err := io.ReadAll(io.LimitReader(part, s.cfg.MaxJSONBytes+1))
			if err != nil {
				return multipartErr(err)
			}
			if int64(len(b)) > s.cfg.MaxJSONBytes {
				return fault.New(fault.CodePayloadTooLarge, "the batch part is too large")
			}
			var m api.BatchMeta
			if err := jsonbody.Decode(b, &m, "batch JSON"); err != nil {
				return err
			}
			meta = &m
		case name == "":
			io.Copy(io.Discard, part)
		default:
			if _, dup := files[name]; dup {
				return fault.Newf(model.CodeBadRequest, "file part %q appears twice", clipName(name))
			}
			if len(files) >= service.MaxBatchDocuments {
				return fault.Newf(model.CodeInvalidField, "a batch holds at most %d files", service.MaxBatchDocuments)
			}
			info, err := s.svc.Blobs.Put(ctx, part, "")
			if errors.Is(err, blob.ErrTooLarge) {
				return fault.Newf(fault.CodePayloadTooLarge, "file part %q is larger than this relay accepts", clipName(name))
			}
			if err != nil {
				return storeErr(err)
			}
			files[name] = service.BatchFile{SHA256: info.SHA256, Size: info.Size, MediaType: part.Header.Get(echo.HeaderContentType)}
		}
	}
	if meta == nil {
		return fault.New(model.CodeBadRequest, "multipart body needs a batch part")
	}
	b, err := s.svc.CreateBatch(ctx, s.callerOf(c), *meta, files)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, b)
}

func clipName(s string) string {
	if len(s) > 64 {
		return s[:64] + "…"
	}
	return s
}

func (s *Server) getBatch(c echo.Context) error {
	b, err := s.svc.GetBatch(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, b)
}

func (s *Server) batchSheetPDF(c echo.Context) error {
	o, docs, err := s.svc.Sheet(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	if o.Lang, err = s.requestLang(c); err != nil {
		return err
	}
	if o.Fonts, err = export.LoadFonts(s.cfg.PDFFont); err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := export.WriteSheetPDF(&buf, o, docs); err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store") // holds live session links
	return c.Blob(http.StatusOK, "application/pdf", buf.Bytes())
}

func (s *Server) batchSheetHTML(c echo.Context) error {
	o, docs, err := s.svc.Sheet(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	if o.Lang, err = s.requestLang(c); err != nil {
		return err
	}
	var buf bytes.Buffer
	err = export.WriteSheetHTML(&buf, o, docs, func(u string) (string, error) {
		png, err := s.qr.PNG(u, 256)
		if err != nil {
			return "", err
		}
		return "data:image/png;base64," + base64.StdEncoding.EncodeToString(png), nil
	})
	if err != nil {
		return err
	}
	pageHeaders(c.Response().Header(), "default-src 'none'; img-src data:; style-src 'unsafe-inline'")
	return c.HTMLBlob(http.StatusOK, buf.Bytes())
}

// batchQR is the batch session QR of one signer: one scan signs (action
// batch-sign) or declines (batch-decline) every document of the batch
// awaiting that signer.
func (s *Server) batchQR(c echo.Context) error {
	return s.sessionQR(c, s.svc.BatchSignerSession)
}
