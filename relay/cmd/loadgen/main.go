// Command loadgen measures the relay against a running network, loopback only:
//
//  1. baseline: raw gateway submits of Ping (endorse, order, commit status)
//     from C concurrent workers;
//  2. relay: C concurrent signers post scan callbacks (each a real
//     ECDSA signature by a CA-enrolled key over a fresh document and nonce)
//     to an in-process relay built from this tree, with group commit as its
//     config says (--group=false turns it off);
//  3. the same RecordSignature submitted straight through the gateway;
//
// interleaved in rounds (D split among them),
//
// and prints per phase what committed per second (signatures and
// transactions: the relay groups signatures), the relay's group sizes, the
// p50/p99 latency of scan callback → committed against goals derived from
// the network's BatchTimeout, and CPU per signature (chaincode servers, and
// every process on the path). One enrolled signer signs every document (each
// document gets its own session nonce); documents are registered before the
// measurement.
//
//	go run ./relay/cmd/loadgen --state var/net/default --concurrency 50 --duration 15s
package main

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime/pprof"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/chaincode/payload"
	"github.com/qrsign/qrsign/chaincode/sigalg"
	netconfig "github.com/qrsign/qrsign/network/config"
	"github.com/qrsign/qrsign/network/netinfo"
	"github.com/qrsign/qrsign/relay/api"
	"github.com/qrsign/qrsign/relay/blob"
	"github.com/qrsign/qrsign/relay/config"
	"github.com/qrsign/qrsign/relay/groupcommit"
	"github.com/qrsign/qrsign/relay/httpapi"
	"github.com/qrsign/qrsign/relay/ledger"
	"github.com/qrsign/qrsign/relay/service"
	"github.com/qrsign/qrsign/relay/session"
	"github.com/qrsign/qrsign/relay/token"
)

func main() {
	state := flag.String("state", os.Getenv(netinfo.EnvState), "network state directory (holds network.json)")
	orgName := flag.String("org", "", "org whose relay config and CA to use (default: the first)")
	conc := flag.Int("concurrency", 50, "concurrent signers / submitters (max 200)")
	dur := flag.Duration("duration", 15*time.Second, "length of each measured phase (max 60s)")
	maxDocs := flag.Int("docs", 4000, "documents registered for the relay phase (max 10000)")
	netCfg := flag.String("network-config", "test-network.yaml", "network config, for the profile's BatchTimeout")
	flag.IntVar(&rounds, "rounds", 3, "interleaved rounds of the three phases (duration is split among them)")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of this process (loadgen + in-process relay)")
	flag.BoolVar(&group, "group", true, "group commit in the relay (its config's maxItems and window)")
	flag.Parse()
	if *state == "" {
		*state = "var/net/default"
	}
	if *conc < 1 || *conc > 200 || *dur <= 0 || *dur > time.Minute || *maxDocs < 1 || *maxDocs > 10000 {
		fmt.Fprintln(os.Stderr, "loadgen: concurrency 1..200, duration ≤ 60s, docs 1..10000")
		os.Exit(2)
	}
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err == nil {
			pprof.StartCPUProfile(f)
			defer pprof.StopCPUProfile()
		}
	}
	if err := run(*state, *orgName, *netCfg, *conc, *dur, *maxDocs); err != nil {
		fmt.Fprintln(os.Stderr, "loadgen:", err)
		pprof.StopCPUProfile()
		os.Exit(1)
	}
}

var (
	rounds = 3
	group  = true
)

func run(state, orgName, netCfg string, conc int, dur time.Duration, maxDocs int) error {
	info, err := netinfo.Load(state)
	if err != nil {
		return err
	}
	org := &info.Orgs[0]
	if orgName != "" {
		if org, err = info.Org(orgName); err != nil {
			return err
		}
	}
	if org.Relay == nil {
		return errors.New("the network has no relay config for " + org.Name)
	}
	var batchTimeout time.Duration
	if p, err := netconfig.Load(netCfg, info.Profile, 0); err == nil {
		batchTimeout = p.BlockCutting.BatchTimeout.D()
	}

	// An in-process relay built from this tree, on a loopback port, with
	// the org's gateway identity and no rate limit (all load comes from 127.0.0.1).
	cfg, err := config.Load(org.Relay.ConfigFile, []string{})
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "qrsign-loadgen-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	cfg.Listen, cfg.PublicURL, cfg.DataDir = ln.Addr().String(), "http://"+ln.Addr().String(), dir
	cfg.TokenKeyFile = filepath.Join(dir, "token.key")
	cfg.RateLimit.PerSecond = 0
	apiKey := hex.EncodeToString(randBytes(32))
	cfg.APIKeys = []config.APIKey{{Name: "loadgen", Key: apiKey, Scopes: []string{config.ScopeWrite}}}
	cfg.MetricsToken = hex.EncodeToString(randBytes(16))
	gw, err := dialGateway(cfg)
	if err != nil {
		return err
	}
	defer gw.Close()
	key, _ := cfg.LoadTokenKey()
	iss, _ := session.NewIssuer(key, cfg.SessionTTL.D())
	blobs, _ := blob.NewFS(filepath.Join(dir, "blobs"), cfg.MaxDocumentBytes)
	var l ledger.Ledger = gw
	cfg.GroupCommit.Enabled = group
	if group {
		if l, err = groupcommit.New(gw, cfg.GroupCommit.Config()); err != nil {
			return err
		}
	}
	svc := service.New(l, blobs, iss, cfg.Channel, cfg.PublicURL)
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	svc.Log = quiet
	relay := httpapi.New(cfg, svc, httpapi.Options{Logger: quiet})
	srv := relay.HTTPServer()
	go relay.Serve(srv, ln)
	defer srv.Close()
	base := cfg.PublicURL
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: conc * 2}, Timeout: 2 * time.Minute}

	// One signer from the org's Fabric CA.
	fmt.Printf("network %s (profile %s), org %s, BatchTimeout %v, concurrency %d, phase %v, group commit %v\n",
		state, info.Profile, org.MSPID, batchTimeout, conc, dur, groupDesc(cfg))
	signer, err := enroll(info, org, dir)
	if err != nil {
		return err
	}

	// Documents, registered before measuring (concurrently, through the relay).
	n := maxDocs
	t0 := time.Now()
	toks := make([]string, n)
	var next, regErrs atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < conc; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				tok, err := register(hc, base, apiKey, signer, org.MSPID)
				if err != nil {
					if regErrs.Add(1) == 1 {
						fmt.Fprintln(os.Stderr, "register:", err)
					}
					continue
				}
				toks[i] = tok
			}
		}()
	}
	wg.Wait()
	regTime := time.Since(t0)
	var ready []string
	for _, t := range toks {
		if t != "" {
			ready = append(ready, t)
		}
	}
	fmt.Printf("registered %d documents in %v (%.0f tx/s through the relay, %d errors)\n",
		len(ready), regTime.Round(time.Millisecond), float64(len(ready))/regTime.Seconds(), regErrs.Load())

	// Pre-sign every callback so the measured phase spends no client CPU on ECDSA.
	bodies := make([][]byte, len(ready))
	for i, t := range ready {
		if bodies[i], err = callback(t, signer, cfg.Channel); err != nil {
			return err
		}
	}

	// The three phases run interleaved in rounds, so a noisy neighbour on a
	// shared machine weighs on all of them alike:
	//   ping: raw gateway submits of Ping (the baseline);
	//   sign: scan callbacks through the relay;
	//   raw:  the same RecordSignature straight through the gateway (what the
	//         chaincode costs without the relay).
	half := len(bodies) / 2
	relayDocs, rawDocs := bodies[:half], bodies[half:]
	var relayNext, rawNext atomic.Int64
	ping, sign, raw := &result{}, &result{}, &result{}
	signTxs := &tally{sizes: map[string]int{}}
	pids := processes(info)
	slice := dur / time.Duration(rounds)
	pingOp := func() error {
		_, err := gw.SubmitPing(context.Background())
		return err
	}
	signOp := func() error {
		i := int(relayNext.Add(1)) - 1
		if i >= len(relayDocs) {
			return errExhausted
		}
		resp, err := hc.Post(base+"/v1/callbacks/scan", "application/json", bytes.NewReader(relayDocs[i]))
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			return fmt.Errorf("%d %s", resp.StatusCode, b)
		}
		var res api.CallbackResult
		if err := json.Unmarshal(b, &res); err != nil || res.ValidationCode != "VALID" || res.Replayed {
			return fmt.Errorf("unexpected answer %s", b)
		}
		signTxs.add(res.TxID)
		return nil
	}
	rawOp := func() error {
		i := int(rawNext.Add(1)) - 1
		if i >= len(rawDocs) {
			return errExhausted
		}
		var req api.CallbackRequest
		json.Unmarshal(rawDocs[i], &req)
		c, _ := token.Peek(req.Token)
		_, err := gw.RecordSignature(context.Background(), model.SignatureRequest{DocumentID: c.DocID, Nonce: c.Nonce,
			CertChainPEM: req.CertChainPEM, Signature: req.Signature, Algorithm: req.Algorithm})
		return err
	}
	for r := 0; r < rounds; r++ {
		// Rotate the order each round so no phase always follows another.
		phases := []struct {
			res *result
			op  func() error
		}{{ping, pingOp}, {sign, signOp}, {raw, rawOp}}
		for k := 0; k < 3; k++ {
			p := phases[(k+r)%3]
			c0 := cpuNow(pids)
			m := measure(conc, slice, p.op)
			m.cpu = cpuNow(pids).sub(c0)
			p.res.add(m)
		}
	}
	ping.print("gateway Ping submit→commit", 0)
	sign.print("relay scan callback→commit", signTxs.count())
	fmt.Printf("%-28s %s\n", "relay group sizes", signTxs.distribution())
	raw.print("gateway RecordSignature", 0)
	if sign.exhausted || raw.exhausted {
		fmt.Println("note: ran out of documents before the duration; raise --docs for full phases")
	}

	if h, l, ok := relayBreakdown(hc, base, cfg.MetricsToken); ok {
		fmt.Printf("relay inside: mean scan handling %v, of which the ledger write (endorse→commit status) %v\n", h, l)
	}

	fmt.Printf("transactions invalidated at commit (retried when read conflicts): %d\n", invalidated.Load())

	fmt.Printf("RESULT throughput relay sig/s / gateway Ping tx/s = %.1f / %.1f = %s (goal at 50 signers ≥ 2×)\n", sign.tps(), ping.tps(), ratio(sign, ping))
	fmt.Printf("RESULT throughput relay/raw RecordSignature = %.1f / %.1f sig/s = %s\n", sign.tps(), raw.tps(), ratio(sign, raw))
	fmt.Printf("RESULT CPU per signature through the relay: %v\n", sign.cpuPer())
	fmt.Printf("RESULT CPU per signature, raw RecordSignature: %v\n", raw.cpuPer())
	fmt.Printf("RESULT CPU per Ping transaction: %v\n", ping.cpuPer())
	if batchTimeout > 0 {
		p50, p99 := latencyGoals(batchTimeout, conc)
		fmt.Printf("RESULT latency relay p50 %v p99 %v at %d signers; BatchTimeout %v; goal p50 ≤ %v: %s",
			sign.pct(50), sign.pct(99), conc, batchTimeout, p50, latencyVerdict(sign, 50, p50))
		if p99 > 0 {
			fmt.Printf("; goal p99 ≤ %v: %s", p99, latencyVerdict(sign, 99, p99))
		}
		fmt.Println()
	}
	return nil
}

func dialGateway(cfg *config.Config) (*ledger.Gateway, error) {
	g := cfg.Gateway
	pref := g.Peers()[0] // the preferred peer alone: the raw rounds measure one gateway
	return ledger.Dial(ledger.Options{Endpoint: pref.Endpoint, ServerName: pref.ServerName, TLSCACertFile: g.TLSCACertFile,
		MSPID: g.MSPID, CertFile: g.CertFile, KeyFile: g.KeyFile, Channel: cfg.Channel, Chaincode: cfg.Chaincode,
		EvaluateTimeout: g.Timeouts.Evaluate.D(), EndorseTimeout: g.Timeouts.Endorse.D(), SubmitTimeout: g.Timeouts.Submit.D(),
		CommitStatusTimeout: g.Timeouts.CommitStatus.D(), MVCCRetries: g.MVCCRetries,
		OnRetry: func(string, string, string) { invalidated.Add(1) }})
}

// invalidated counts transactions invalidated at commit (then retried if read conflicts).
var invalidated atomic.Int64

type person struct {
	id      string
	certPEM string
	cert    *x509.Certificate
	key     crypto.Signer
}

func enroll(info *netinfo.Info, org *netinfo.Org, dir string) (*person, error) {
	id := "loadgen-" + hex.EncodeToString(randBytes(4))
	secret := hex.EncodeToString(randBytes(8))
	if err := org.RegisterUser(info.BinDir, id, secret); err != nil {
		return nil, err
	}
	ident, err := org.Enroll(info.BinDir, id, secret, filepath.Join(dir, "signer"))
	if err != nil {
		return nil, err
	}
	certPEM, err := os.ReadFile(ident.CertFile)
	if err != nil {
		return nil, err
	}
	keyPEM, err := os.ReadFile(ident.KeyFile)
	if err != nil {
		return nil, err
	}
	cb, _ := pem.Decode(certPEM)
	kb, _ := pem.Decode(keyPEM)
	if cb == nil || kb == nil {
		return nil, errors.New("enrolled identity is not PEM")
	}
	cert, err := x509.ParseCertificate(cb.Bytes)
	if err != nil {
		return nil, err
	}
	k, err := x509.ParsePKCS8PrivateKey(kb.Bytes)
	if err != nil {
		return nil, err
	}
	return &person{id: id, certPEM: string(certPEM), cert: cert, key: k.(crypto.Signer)}, nil
}

func register(hc *http.Client, base, apiKey string, p *person, msp string) (string, error) {
	sum := sha256.Sum256(randBytes(32))
	size := int64(1000)
	b, _ := json.Marshal(api.UploadMeta{Title: "load", DocType: "load", Owner: "loadgen", SHA256: hex.EncodeToString(sum[:]),
		Size: &size, Signers: []model.SignerSpec{{ID: p.id, MSPID: msp, RoutingOrder: 1}}})
	req, _ := http.NewRequest("POST", base+"/v1/documents", bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-API-Key", apiKey)
	resp, err := hc.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 201 {
		return "", fmt.Errorf("%d %s", resp.StatusCode, body)
	}
	var r api.Registered
	if err := json.Unmarshal(body, &r); err != nil || len(r.Signing) != 1 {
		return "", fmt.Errorf("unexpected answer %s", body)
	}
	return r.Signing[0].Token, nil
}

func callback(tok string, p *person, channel string) ([]byte, error) {
	c, err := token.Peek(tok)
	if err != nil {
		return nil, err
	}
	msg, err := payload.Build(payload.Fields{Purpose: payload.PurposeSign, Channel: channel, DocumentID: c.DocID,
		DocumentSHA256: c.SHA256, Nonce: c.Nonce, SignerFingerprint: payload.Fingerprint(p.cert.Raw)})
	if err != nil {
		return nil, err
	}
	alg, err := sigalg.AlgorithmFor(p.key.Public())
	if err != nil {
		return nil, err
	}
	sig, err := sigalg.Sign(alg, p.key, msg)
	if err != nil {
		return nil, err
	}
	return json.Marshal(api.CallbackRequest{Token: tok, Action: "sign", CertChainPEM: p.certPEM,
		Signature: base64.StdEncoding.EncodeToString(sig), Algorithm: alg})
}

type result struct {
	cpu       cpuUse
	lat       []time.Duration
	errs      int64
	firstErr  error
	elapsed   time.Duration
	exhausted bool
}

var errExhausted = errors.New("no documents left")

// measure runs op from conc closed-loop workers for dur and records each
// success's latency. Workers stop early when op reports errExhausted.
func measure(conc int, dur time.Duration, op func() error) *result {
	var (
		mu sync.Mutex
		r  = &result{}
		wg sync.WaitGroup
	)
	start := time.Now()
	deadline := start.Add(dur)
	for w := 0; w < conc; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(deadline) {
				t := time.Now()
				err := op()
				d := time.Since(t)
				mu.Lock()
				switch {
				case errors.Is(err, errExhausted):
					r.exhausted = true
					mu.Unlock()
					return
				case err != nil:
					r.errs++
					if r.firstErr == nil {
						r.firstErr = err
					}
				default:
					r.lat = append(r.lat, d)
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	r.elapsed = time.Since(start)
	return r
}

// add merges another round into r.
func (r *result) add(o *result) {
	r.lat = append(r.lat, o.lat...)
	sort.Slice(r.lat, func(i, j int) bool { return r.lat[i] < r.lat[j] })
	r.errs += o.errs
	if r.firstErr == nil {
		r.firstErr = o.firstErr
	}
	r.elapsed += o.elapsed
	r.cpu = r.cpu.add(o.cpu)
	r.exhausted = r.exhausted || o.exhausted
}

// ratio is num's throughput over den's; without a commit in den there is no ratio.
func ratio(num, den *result) string {
	if len(den.lat) == 0 {
		return "not measured (nothing committed)"
	}
	return fmt.Sprintf("%.2f×", num.tps()/den.tps())
}

// latencyVerdict says whether r's p-th percentile meets goal; a percentile
// of no commits is no measurement.
func latencyVerdict(r *result, p int, goal time.Duration) string {
	switch {
	case len(r.lat) == 0:
		return "not measured (nothing committed)"
	case r.pct(p) > goal:
		return "NOT met"
	}
	return "met"
}

// latencyGoals are issue 15's: under load p50 ≤ BatchTimeout + 100 ms and
// p99 ≤ twice that; one signer (an idle relay) p50 ≤ BatchTimeout + 60 ms,
// no p99 goal (0).
func latencyGoals(batchTimeout time.Duration, signers int) (p50, p99 time.Duration) {
	if signers == 1 {
		return batchTimeout + 60*time.Millisecond, 0
	}
	return batchTimeout + 100*time.Millisecond, 2 * (batchTimeout + 100*time.Millisecond)
}

// cpuPer is the CPU spent per commit.
func (r *result) cpuPer() string {
	if len(r.lat) == 0 {
		return "not measured (nothing committed)"
	}
	return r.cpu.per(len(r.lat)).String()
}

func (r *result) tps() float64 { return float64(len(r.lat)) / r.elapsed.Seconds() }

func (r *result) pct(p int) time.Duration {
	if len(r.lat) == 0 {
		return 0
	}
	i := (len(r.lat)*p + 99) / 100
	if i > 0 {
		i--
	}
	return r.lat[i].Round(time.Millisecond)
}

// print reports a phase; txs is how many transactions its commits took
// (0: one each).
func (r *result) print(name string, txs int) {
	if txs == 0 {
		txs = len(r.lat)
	}
	fmt.Printf("%-28s %5d committed in %v = %6.1f/s in %6.1f tx/s; p50 %v p99 %v; errors %d",
		name, len(r.lat), r.elapsed.Round(time.Millisecond), r.tps(), float64(txs)/r.elapsed.Seconds(), r.pct(50), r.pct(99), r.errs)
	if r.firstErr != nil {
		fmt.Printf(" (first: %.200s)", r.firstErr)
	}
	fmt.Println()
}

// relayBreakdown reads the relay's own histograms: mean time handling a scan
// callback and mean time of its RecordSignature ledger write.
func relayBreakdown(hc *http.Client, base, metricsToken string) (handling, write time.Duration, ok bool) {
	req, _ := http.NewRequest(http.MethodGet, base+"/metrics", nil)
	req.Header.Set("Authorization", "Bearer "+metricsToken)
	resp, err := hc.Do(req)
	if err != nil {
		return 0, 0, false
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	vals := map[string]float64{}
	for _, line := range bytes.Split(b, []byte("\n")) {
		var name string
		var v float64
		if _, err := fmt.Sscanf(string(line), "%s %g", &name, &v); err == nil {
			vals[name] = v
		}
	}
	mean := func(prefix string) time.Duration {
		n := vals[prefix+"_count"+suffix(prefix)]
		if n == 0 {
			return 0
		}
		return time.Duration(vals[prefix+"_sum"+suffix(prefix)] / n * float64(time.Second)).Round(time.Millisecond)
	}
	handling, write = mean("qrsign_relay_scan_commit_seconds"), mean("qrsign_relay_ledger_write_seconds")
	return handling, write, handling > 0
}

func suffix(metric string) string {
	if metric == "qrsign_relay_ledger_write_seconds" {
		return `{op="RecordSignature"}`
	}
	return ""
}

func randBytes(n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	return b
}
