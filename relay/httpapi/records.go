package httpapi

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/relay/api"
	"github.com/qrsign/qrsign/relay/export"
	"github.com/qrsign/qrsign/relay/fault"
	"github.com/qrsign/qrsign/relay/i18n"
	"github.com/qrsign/qrsign/relay/ledger"
	"github.com/qrsign/qrsign/relay/service"
)

// records serves a list query: one JSON page (cursor = the chaincode's
// bookmark), or with ?format=csv|txt|pdf an export that follows bookmarks up
// to service.MaxExportRecords, streamed; trailers say how many records were
// written and whether the cap cut the export short.
func (s *Server) records(fn ledger.ListFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		q, err := service.ListQuery(service.ListParams{From: c.QueryParam("from"), To: c.QueryParam("to"),
			Type: c.QueryParam("type"), Status: c.QueryParam("status"), Tag: c.QueryParam("tag"),
			Cursor: c.QueryParam("cursor"), Limit: c.QueryParam("limit")})
		if err != nil {
			return err
		}
		switch fn {
		case ledger.ListBySigner, ledger.ListPending:
			q.MSPID, q.SignerID = c.Param("mspId"), c.Param("signerId")
		case ledger.ListByOwner:
			// Owners are per org: this relay's org unless ?mspId= names another.
			q.Owner, q.MSPID = c.Param("owner"), c.QueryParam("mspId")
			if q.MSPID == "" {
				q.MSPID = s.cfg.Gateway.MSPID
			}
		case ledger.ListByTag:
			q.Tag = c.Param("tag")
		}
		for _, p := range []*string{&q.MSPID, &q.SignerID, &q.Owner, &q.Tag} {
			if v, err := url.PathUnescape(*p); err == nil {
				*p = v
			}
		}
		if f := c.QueryParam("format"); f != "" && f != "json" {
			format, err := export.ParseFormat(f)
			if err != nil {
				return fault.Newf(model.CodeInvalidField, "format must be json, csv, txt or pdf, not %q", f)
			}
			return s.exportRecords(c, fn, q, format)
		}
		page, err := s.svc.Records(c.Request().Context(), fn, q)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, page)
	}
}

func (s *Server) exportRecords(c echo.Context, fn ledger.ListFunc, q model.ListQuery, f export.Format) error {
	ctx := c.Request().Context()
	o, err := s.exportOptions(c, f)
	if err != nil {
		return err
	}
	// Fail before the 200 if the query is refused: read the first page now.
	first := q
	first.PageSize = 1
	if _, err := s.svc.Records(ctx, fn, first); err != nil {
		return err
	}
	w := c.Response()
	h := w.Header()
	h.Set(echo.HeaderContentType, f.ContentType())
	h.Set("Content-Disposition", `attachment; filename="records.`+string(f)+`"`)
	h.Set("Trailer", "X-Export-Records, X-Export-Truncated")
	h.Set("X-Export-Limit", strconv.Itoa(s.exportCap))
	rc := http.NewResponseController(w.Writer)
	_ = rc.SetWriteDeadline(timeZero)
	w.WriteHeader(http.StatusOK)
	ew, err := export.New(f, w, o)
	if err != nil {
		return nil // headers are sent; the format was checked above
	}
	if c.QueryParam("limit") == "" {
		q.PageSize = service.MaxPageSize // pages of an export: as large as the chaincode serves
	}
	n := 0
	truncated, err := s.svc.EachRecord(ctx, fn, q, s.exportCap, func(d model.DocumentView) error {
		rec := export.Record{Document: d}
		if f != export.CSV { // provenance: signer certificates and blocks
			if p, err := s.svc.Provenance(ctx, d.ID); err == nil {
				for _, e := range p.Events {
					rec.Events = append(rec.Events, export.Event{Event: e.Event, BlockNumber: e.BlockNumber})
				}
			}
		}
		n++
		return ew.Write(rec)
	})
	if err != nil {
		s.log(c).Warn("export cut short", "err", err, "records", n)
		return nil // the body is committed: the missing trailer tells the client
	}
	if err := ew.Close(); err != nil {
		return nil
	}
	h.Set("X-Export-Records", strconv.Itoa(n))
	h.Set("X-Export-Truncated", strconv.FormatBool(truncated))
	return nil
}

// exportOptions reads an export's ?lang= (else Accept-Language, else the
// relay's defaultLang) and ?bom= (CSV; default on for Chinese, whose readers
// open CSVs in Excel), and loads the PDF font.
func (s *Server) exportOptions(c echo.Context, f export.Format) (export.Options, error) {
	lang, err := s.requestLang(c)
	if err != nil {
		return export.Options{}, err
	}
	o := export.Options{PublicURL: s.cfg.PublicURL, GeneratedAt: s.svc.Now().UTC(), Issuer: s.cfg.Org + " relay",
		Lang: lang, BOM: lang == i18n.Zh}
	switch v := c.QueryParam("bom"); v {
	case "":
	case "1", "0":
		o.BOM = v == "1"
	default:
		return export.Options{}, fault.Newf(model.CodeInvalidField, "bom must be 1 or 0, not %q", v)
	}
	if f == export.PDF {
		if o.Fonts, err = export.LoadFonts(s.cfg.PDFFont); err != nil {
			return export.Options{}, err
		}
	}
	return o, nil
}

// requestLang is the language a request asks for: ?lang=, else
// Accept-Language, else the relay's defaultLang.
func (s *Server) requestLang(c echo.Context) (i18n.Lang, error) {
	l, err := i18n.Negotiate(c.QueryParam("lang"), c.Request().Header.Get("Accept-Language"), i18n.Lang(s.cfg.DefaultLang))
	if err != nil {
		return "", fault.Newf(model.CodeInvalidField, "lang must be en or zh-CN, not %q", c.QueryParam("lang"))
	}
	return l, nil
}

// annotate records a signer's tags and note on a document.
func (s *Server) annotate(c echo.Context) error {
	var b api.AnnotationRequest
	if err := decodeJSON(c, &b); err != nil {
		return err
	}
	res, err := s.svc.Annotate(c.Request().Context(), s.callerOf(c), c.Param("id"), b)
	if err != nil {
		return err
	}
	if res.Replayed {
		return c.JSON(http.StatusOK, res)
	}
	return c.JSON(http.StatusCreated, res)
}
