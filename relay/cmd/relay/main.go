// Command relay is the qrsign relay: it turns QR scan callbacks into endorsed,
// committed Fabric transactions and answers provenance queries.
//
//	relay --config relay.yaml
//	relay --version
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/qrsign/qrsign/chaincode/buildinfo"
	"github.com/qrsign/qrsign/relay/blob"
	"github.com/qrsign/qrsign/relay/config"
	"github.com/qrsign/qrsign/relay/events"
	"github.com/qrsign/qrsign/relay/export"
	"github.com/qrsign/qrsign/relay/groupcommit"
	"github.com/qrsign/qrsign/relay/httpapi"
	"github.com/qrsign/qrsign/relay/ledger"
	"github.com/qrsign/qrsign/relay/metrics"
	"github.com/qrsign/qrsign/relay/oplog"
	"github.com/qrsign/qrsign/relay/service"
	"github.com/qrsign/qrsign/relay/session"
	"github.com/qrsign/qrsign/relay/tsa"
	"github.com/qrsign/qrsign/relay/web"
	"github.com/qrsign/qrsign/relay/webhook"
)

func main() {
	cfgPath := flag.String("config", "", "relay configuration file (YAML)")
	version := flag.Bool("version", false, "print the build's version, revision and Go version, then exit")
	flag.Parse()
	if *version {
		fmt.Print(buildinfo.Read().Format("relay"))
		return
	}
	if *cfgPath == "" {
		fmt.Fprintln(os.Stderr, "relay: --config FILE is required")
		os.Exit(2)
	}
	if err := run(*cfgPath); err != nil {
		fmt.Fprintln(os.Stderr, "relay:", err)
		os.Exit(1)
	}
}

// dssShutdownTimeout is how long shutdown waits for background DSS
// revisions (each retries after 2 s and 4 s) once requests have ended.
const dssShutdownTimeout = 10 * time.Second

func run(path string) error {
	cfg, err := config.Load(path, nil)
	if err != nil {
		return err
	}
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.LogLevel))
	log := slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: level})).With("org", cfg.Org)
	slog.SetDefault(log)

	if _, err := export.LoadFonts(cfg.PDFFont); err != nil { // PDFs need it: refuse to start without
		return err
	}
	wasm, err := web.LoadWasm(cfg.SignerWasm, filepath.Join(filepath.Dir(cfg.SignerWasm), config.WasmExec))
	if err != nil { // the phone page cannot judge a PDF without it: refuse to start without
		return err
	}
	if cfg.MetricsToken == "" {
		log.Warn("no metricsToken configured: GET /metrics answers 401 to everyone")
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return fmt.Errorf("dataDir: %w", err)
	}
	if err := httpapi.RemoveSpools(cfg.DataDir); err != nil {
		log.Warn("upload spool files left by an earlier run could not be removed", "err", err)
	}
	key, err := cfg.LoadTokenKey()
	if err != nil {
		return err
	}
	issuer, err := session.NewIssuer(key, cfg.SessionTTL.D())
	if err != nil {
		return err
	}
	blobs, err := blob.NewFS(filepath.Join(cfg.DataDir, "blobs"), cfg.MaxDocumentBytes)
	if err != nil {
		return err
	}
	ops, err := oplog.Open(filepath.Join(cfg.DataDir, "operations.jsonl"))
	if err != nil {
		return fmt.Errorf("operation log: %w", err)
	}
	defer ops.Close()
	g := cfg.Gateway
	reg := metrics.New()
	gw, err := ledger.Dial(ledger.Options{Endpoint: g.Endpoint, ServerName: g.ServerName, TLSCACertFile: g.TLSCACertFile,
		MSPID: g.MSPID, CertFile: g.CertFile, KeyFile: g.KeyFile, Channel: cfg.Channel, Chaincode: cfg.Chaincode,
		EvaluateTimeout: g.Timeouts.Evaluate.D(), EndorseTimeout: g.Timeouts.Endorse.D(), SubmitTimeout: g.Timeouts.Submit.D(),
		CommitStatusTimeout: g.Timeouts.CommitStatus.D(), MVCCRetries: g.MVCCRetries,
		ProbeTimeout: g.ProbeTimeout.D(), ProbeMisses: g.ProbeMisses,
		OnRetry: func(fn, txID, code string) {
			reg.Invalidated.WithLabelValues(fn, code).Inc()
			log.Info("transaction invalidated at commit", "fn", fn, "tx", txID, "code", code)
		},
		Peers: peerEndpoints(g), OnSwitch: onPeerSwitch(reg, log), OnResume: onResume(reg, log)})
	if err != nil {
		return err
	}
	defer gw.Close()
	gatewayMetrics(reg, gw)

	var l ledger.Ledger = gw
	if cfg.GroupCommit.Enabled {
		gc, err := groupcommit.New(gw, cfg.GroupCommit.Config())
		if err != nil {
			return err
		}
		gc.OnGroup = func(size int) { reg.SignatureGroup.Observe(float64(size)) }
		l = gc
	}
	svc := service.New(l, blobs, issuer, cfg.Channel, cfg.PublicURL)
	svc.Log, svc.Ops = log, ops
	svc.BatchDir, svc.BatchConcurrency = filepath.Join(cfg.DataDir, "batches"), cfg.BatchConcurrency
	svc.MaxExpiry = cfg.MaxExpiry.D()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go gw.Watch(ctx, g.ProbeEvery())

	whStore, err := webhook.OpenFileStore(filepath.Join(cfg.DataDir, "webhooks"), webhook.StoreOptions{Now: time.Now})
	if err != nil {
		return fmt.Errorf("webhooks: %w", err)
	}
	defer whStore.Close()
	wh, err := webhook.New(webhook.Config{Store: whStore, AllowedHosts: cfg.Webhooks.AllowedHosts,
		AllowLoopback: cfg.Webhooks.AllowLoopback, Document: gw.GetDocument, Log: log})
	if err != nil {
		return err
	}
	whDone := make(chan error, 1)
	go func() { whDone <- wh.Run(ctx) }()
	defer func() { stop(); <-whDone }() // in-flight deliveries end before the store closes

	opt := httpapi.Options{Logger: log, Metrics: reg, Webhooks: wh,
		Web: web.Handler(web.Config{PublicURL: cfg.PublicURL, Channel: cfg.Channel, MSPID: cfg.Gateway.MSPID, Wasm: wasm})}
	if opt.Enroll, err = enrollment(cfg, log); err != nil {
		return err
	}
	if cfg.TSA.CertFile != "" { // PDF signatures (issue 13), stamped by the org's own TSA served here
		auth, err := tsa.Load(cfg.TSA.CertFile, cfg.TSA.KeyFile, time.Now)
		if err != nil {
			return err
		}
		opt.TSA = auth
		svc.PDF = &service.PDFSigning{TSA: tsa.ClientOf(auth, cfg.PublicURL+"/v1/tsa")}
		// Deferred after gw.Close, so it runs before it (and after srv.Shutdown
		// below): background DSS revisions finish or are cancelled, never cut
		// off by the closed connection.
		defer func() {
			if !svc.PDF.Close(dssShutdownTimeout) {
				log.Warn("DSS revisions cut short at shutdown; a download of the document appends them")
			}
		}()
	}
	if cfg.Events {
		hub := events.NewHub()
		hub.Log, hub.OnCommit = log, gw.RememberBlock
		// Webhooks are fsynced in the outbox before the checkpoint moves; an
		// org's CA or CRL event drops its cached trust (scan pre-checks).
		hub.Durable = func(ctx context.Context, txID string, payload []byte) error {
			svc.TrustEvents(payload)
			return wh.HandleChaincodeEvent(ctx, txID, payload)
		}
		opt.Events = hub
		go hub.FollowSource(ctx, gw, cfg.Chaincode, filepath.Join(cfg.DataDir, "events.checkpoint"))
	}
	hapi := httpapi.New(cfg, svc, opt)
	srv := hapi.HTTPServer()
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return err
	}
	errc := make(chan error, 1)
	go func() { errc <- hapi.Serve(srv, ln) }()
	log.Info("relay listening", "listen", cfg.Listen, "publicURL", cfg.PublicURL, "gateway", gw.Peers(), "mspId", g.MSPID)
	select {
	case err := <-errc:
		if !errors.Is(err, http.ErrServerClosed) {
			return err
		}
	case <-ctx.Done():
		log.Info("shutting down")
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		srv.Shutdown(sctx)
	}
	return nil
}
