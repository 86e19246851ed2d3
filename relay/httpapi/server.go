// Package httpapi is the relay's HTTP layer: routing, authentication, limits,
// problem rendering and the handlers that call relay/service. It holds no
// domain rules.
package httpapi

import (
	"bytes"
	"errors"
	"io"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/relay/config"
	"github.com/qrsign/qrsign/relay/fault"
	"github.com/qrsign/qrsign/relay/ledger"
	"github.com/qrsign/qrsign/relay/login"
	"github.com/qrsign/qrsign/relay/metrics"
	"github.com/qrsign/qrsign/relay/qr"
	"github.com/qrsign/qrsign/relay/service"
	"github.com/qrsign/qrsign/relay/tsa"
	"github.com/qrsign/qrsign/relay/webhook"
)

// Events streams a document's committed events (relay/events implements it).
type Events interface {
	Subscribe(docID string) (ch <-chan []byte, cancel func())
	// Watch signals (coalesced) when any of docIDs gets an event.
	Watch(docIDs []string) (changed <-chan struct{}, cancel func())
}

// Server is the HTTP API.
type Server struct {
	cfg     *config.Config
	svc     *service.Service
	logger  *slog.Logger
	echo    *echo.Echo
	qr      *qr.Cache
	metrics *metrics.Registry
	keys    *keyring
	limiter *limiter
	pdfMiB  *limiter // POST /v1/verify/pdf: MiB of files hashed, per client
	events  Events

	login      *login.Manager // sign-in with QR (login.go)
	loginLimit *limiter

	exportCap int // records one export may hold (service.MaxExportRecords; tests lower it)

	streams   streamCount // open event streams per client (streams.go)
	streamCap int         // most one client may hold open (maxStreamsPerClient; tests lower it)

	closing   chan struct{} // closed on shutdown: ends event streams
	closeOnce sync.Once
}

// Options are what New needs besides the config and service.
type Options struct {
	Logger  *slog.Logger
	Metrics *metrics.Registry
	Events  Events // may be nil: /events then serves history only
	// Enroll serves POST /v1/enroll (browser CSRs to the org's Fabric CA); nil answers ENROLL_DISABLED.
	Enroll *service.Enrollment
	// Web, when set, serves the browser pages (relay/web): /app, /app/*,
	// /verify, /s/{token} (which then replaces the built-in summary page) and /l/{token}.
	Web http.Handler
	// Webhooks, when set, mounts /v1/webhooks (relay/webhook) for API keys with documents:write.
	Webhooks *webhook.Service
	// Login, when set, is the sign-in manager; else one is made from the config (login.go).
	Login *login.Manager
	// TSA, when set, serves the org's RFC 3161 time-stamping authority at POST /v1/tsa.
	TSA http.Handler
}

// New builds the router.
func New(cfg *config.Config, svc *service.Service, opt Options) *Server {
	if opt.Logger == nil {
		opt.Logger = slog.Default()
	}
	if opt.Metrics == nil {
		opt.Metrics = metrics.New()
	}
	s := &Server{cfg: cfg, svc: svc, logger: opt.Logger, qr: qr.NewCache(cfg.QRCacheEntries), metrics: opt.Metrics,
		keys: newKeyring(cfg.APIKeys), events: opt.Events, closing: make(chan struct{}), exportCap: service.MaxExportRecords,
		streamCap: maxStreamsPerClient}
	if cfg.RateLimit.PerSecond > 0 {
		s.limiter = newLimiter(cfg.RateLimit.PerSecond, cfg.RateLimit.Burst, time.Now)
	}
	if r := cfg.RateLimit; r.VerifyPDFMiBPerMinute > 0 {
		s.pdfMiB = newLimiter(r.VerifyPDFMiBPerMinute/60, r.VerifyPDFMiBBurst, time.Now)
	}
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = s.handleError
	e.IPExtractor = ipExtractor(cfg.TrustedProxies)
	e.Use(requestIDs)
	e.Use(s.accessLog, s.recoverer) // the log sees what the recoverer made of a panic
	if len(cfg.CORSOrigins) > 0 {
		e.Use(middleware.CORSWithConfig(middleware.CORSConfig{
			AllowOrigins:  cfg.CORSOrigins,
			AllowMethods:  []string{http.MethodGet, http.MethodPost},
			AllowHeaders:  []string{"Authorization", "X-API-Key", "Content-Type", "Last-Event-ID"},
			ExposeHeaders: []string{echo.HeaderXRequestID, "Retry-After", "ETag"},
			MaxAge:        600,
		}))
	}
	e.GET("/healthz", s.healthz)
	e.GET("/readyz", s.readyz)
	e.GET("/metrics", s.metricsHandler)

	// Rate limiting is global middleware (not a group: a group's catch-all
	// would turn 405 into 404) that skips the probes.
	e.Use(s.rateLimit)
	api := e
	jsonLimit := bodyLimit(cfg.MaxJSONBytes)
	api.GET("/v1/openapi.json", s.openapi)
	if opt.Web != nil {
		web := echo.WrapHandler(opt.Web)
		get := []string{http.MethodGet, http.MethodHead}
		for _, p := range []string{"/", "/app", "/app/*", "/verify", "/s/*", "/l/*"} {
			api.Match(get, p, web)
		}
	} else {
		api.GET("/s/:token", s.sessionPage)
	}
	api.GET("/v1/sessions/:token", s.getSession)
	api.GET("/v1/sessions/:token/pdf", s.getSessionPDF)
	api.GET("/v1/sessions/:token/batch", s.getSessionBatch)
	api.GET("/v1/documents/:id/signed.pdf", s.getSignedPDF, s.readAccess)
	api.GET("/v1/documents/:id/signatures/:file", s.getSignatureP7S, s.readAccess)
	if opt.TSA != nil {
		api.POST("/v1/tsa", tsaQuery(opt.TSA), bodyLimit(tsa.MaxQuery))
	}
	api.POST("/v1/callbacks/scan", s.scan, jsonLimit)
	api.POST("/v1/documents", s.upload, bodyLimit(cfg.MaxDocumentBytes+1<<20), s.requireScope(config.ScopeWrite))
	api.GET("/v1/documents/:id", s.getDocument, s.readAccess)
	api.GET("/v1/documents/:id/content", s.getContent, s.readAccess)
	api.GET("/v1/documents/:id/qr.png", s.getQR, s.requireScope(config.ScopeRead))
	api.GET("/v1/documents/:id/provenance", s.getProvenance, s.readAccess)
	api.GET("/v1/documents/:id/evidence", s.getEvidence, s.requireScope(config.ScopeRead)) // whole blocks: never a session token
	api.GET("/v1/documents/:id/events", s.streamEvents, s.readAccess, s.streamLimit)
	api.POST("/v1/documents/:id/annotations", s.annotate, jsonLimit)
	api.GET("/v1/orgs/:mspId/trust", s.getOrgTrust)
	api.GET("/v1/verify", s.lookup, s.verifyAccess)
	api.POST("/v1/verify/pdf", s.checkPDF, bodyLimit(cfg.MaxDocumentBytes), s.verifyAccess)
	read := s.requireScope(config.ScopeRead)
	api.GET("/v1/signers/:mspId/:signerId/records", s.records(ledger.ListBySigner), s.signerRead)
	api.GET("/v1/signers/:mspId/:signerId/pending", s.records(ledger.ListPending), s.signerRead)
	s.mountLogin(e, opt, jsonLimit)
	api.GET("/v1/owners/:owner/records", s.records(ledger.ListByOwner), read)
	api.GET("/v1/tags/:tag/records", s.records(ledger.ListByTag), read)
	api.POST("/v1/batches", s.createBatch, bodyLimit(cfg.MaxBatchBytes), s.requireScope(config.ScopeWrite))
	api.GET("/v1/batches/:id", s.getBatch, read)
	api.GET("/v1/batches/:id/sheet.pdf", s.batchSheetPDF, read)
	api.GET("/v1/batches/:id/sheet.html", s.batchSheetHTML, read)
	api.GET("/v1/batches/:id/qr.png", s.batchQR, read)
	api.GET("/v1/batches/:id/events", s.streamBatch, read, s.streamLimit)
	api.POST("/v1/enroll", s.enroll(opt.Enroll), strictLimit(enrollPerSecond, enrollBurst, func() time.Time { return s.svc.Now() }), jsonLimit)
	if opt.Webhooks != nil {
		webhook.Register(e, opt.Webhooks, caller, s.requireScope(config.ScopeWrite), jsonLimit)
	}
	s.echo = e
	s.registerMetrics()
	return s
}

var timeZero time.Time

// Handler is the root handler.
func (s *Server) Handler() http.Handler { return s.echo }

// HTTPServer wraps the handler with the configured timeouts; serve it with
// Serve. Its Shutdown ends open event streams, which would otherwise hold it
// until its deadline.
func (s *Server) HTTPServer() *http.Server {
	c := s.cfg.Server
	hs := &http.Server{Addr: s.cfg.Listen, Handler: s.echo, ReadHeaderTimeout: c.ReadHeaderTimeout.D(),
		ReadTimeout: c.ReadTimeout.D(), WriteTimeout: c.WriteTimeout.D(), IdleTimeout: c.IdleTimeout.D(),
		MaxHeaderBytes: netMaxHeaderBytes}
	hs.RegisterOnShutdown(s.CloseStreams)
	edgeHooks(hs)
	return hs
}

// CloseStreams ends every open server-sent event stream.
func (s *Server) CloseStreams() { s.closeOnce.Do(func() { close(s.closing) }) }

// ipExtractor believes X-Forwarded-For only from configured proxies.
func ipExtractor(trusted []string) echo.IPExtractor {
	if len(trusted) == 0 {
		return echo.ExtractIPDirect()
	}
	opts := []echo.TrustOption{echo.TrustLoopback(false), echo.TrustLinkLocal(false), echo.TrustPrivateNet(false)}
	for _, c := range trusted {
		if _, n, err := net.ParseCIDR(c); err == nil {
			opts = append(opts, echo.TrustIPRange(n))
		}
	}
	return echo.ExtractIPFromXFFHeader(opts...)
}

func (s *Server) log(c echo.Context) *slog.Logger {
	return s.logger.With("requestId", requestID(c))
}

func requestID(c echo.Context) string {
	return c.Response().Header().Get(echo.HeaderXRequestID)
}

// requestIDs gives every request an id of the relay's own (the answer's
// X-Request-Id, the logs' requestId). A client's X-Request-Id is never
// reused as ours: any client could then tie its log lines to somebody
// else's request. A well-formed one is logged apart (clientRequestId); an
// Idempotency-Key, which derives document ids, must be well-formed too, and
// the request head within the relay's limits (edge.go).
func requestIDs(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		c.Response().Header().Set(echo.HeaderXRequestID, newRequestID())
		if err := checkHead(c.Request()); err != nil {
			return err
		}
		if k := c.Request().Header.Get("Idempotency-Key"); k != "" && !headerToken(k) {
			return fault.Newf(model.CodeInvalidField, "Idempotency-Key must be 1..%d printable ASCII characters", maxHeaderToken)
		}
		return next(c)
	}
}

// clientRequestID is the client's X-Request-Id when well-formed, else "".
func clientRequestID(c echo.Context) string {
	if v := c.Request().Header.Get(echo.HeaderXRequestID); headerToken(v) {
		return v
	}
	return ""
}

const maxHeaderToken = 128

// headerToken reports whether v is 1..maxHeaderToken printable ASCII
// characters without spaces (ids clients choose: request ids, idempotency keys).
func headerToken(v string) bool {
	if v == "" || len(v) > maxHeaderToken {
		return false
	}
	for i := 0; i < len(v); i++ {
		if v[i] <= ' ' || v[i] > '~' {
			return false
		}
	}
	return true
}

// accessLog logs every request with its id, client IP, status and duration.
// Paths holding session tokens are shortened: tokens are bearer secrets.
func (s *Server) accessLog(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		err := next(c)
		if err != nil {
			c.Error(err)
		}
		st := c.Response().Status
		route := c.Path()
		if route == "" {
			route = "unmatched"
		}
		s.metrics.HTTPRequests.WithLabelValues(route, c.Request().Method, strconv.Itoa(st)).Inc()
		lvl := slog.LevelInfo
		if route == "/healthz" || route == "/readyz" || route == "/metrics" {
			lvl = slog.LevelDebug
		}
		s.logger.Log(c.Request().Context(), lvl, "request", "requestId", requestID(c), "ip", c.RealIP(),
			"method", c.Request().Method, "path", redactPath(c.Request().URL.Path), "status", st,
			"ms", time.Since(start).Milliseconds())
		return nil
	}
}

func redactPath(p string) string {
	for _, pre := range []string{"/s/", "/v1/sessions/", "/l/", "/v1/login/"} {
		if strings.HasPrefix(p, pre) && len(p) > len(pre)+8 {
			return p[:len(pre)+8] + "…"
		}
	}
	return p
}

func (s *Server) recoverer(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) (err error) {
		defer func() {
			if r := recover(); r != nil {
				s.log(c).Error("panic", "panic", r)
				err = errPanic
			}
		}()
		return next(c)
	}
}

// tsaQuery serves the org's TSA behind the relay's own refusals: a body
// that is not a time-stamp query or over its limit is a problem like any
// other (the TSA's own text/plain answers are for a bare tsa.Authority).
func tsaQuery(h http.Handler) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != tsa.MediaQuery {
			return fault.Newf(fault.CodeMediaType, "the body must be an RFC 3161 query (Content-Type %s)", tsa.MediaQuery)
		}
		body, err := io.ReadAll(r.Body) // bodyLimit: a MaxBytesError is 413 PAYLOAD_TOO_LARGE
		if err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				return err
			}
			return fault.New(model.CodeBadRequest, "could not read the request body")
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		h.ServeHTTP(c.Response(), r)
		return nil
	}
}
