package ledger

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hyperledger/fabric-gateway/pkg/client"
	"github.com/hyperledger/fabric-gateway/pkg/identity"
	"github.com/hyperledger/fabric-protos-go-apiv2/common"
	"github.com/hyperledger/fabric-protos-go-apiv2/gateway"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/qrsign/qrsign/chaincode/model"
)

// Options configure a Gateway.
type Options struct {
	Endpoint   string // host:port of the org's peer gateway (when Peers is empty)
	ServerName string // TLS server name
	// Peers are the org's peer gateways in order of preference; the gateway
	// fails over along them (failover.go). Empty: Endpoint alone.
	Peers         []PeerEndpoint
	TLSCACertFile string
	MSPID         string
	CertFile      string
	KeyFile       string // PKCS#8 or SEC1 PEM
	Channel       string
	Chaincode     string

	EvaluateTimeout     time.Duration
	EndorseTimeout      time.Duration
	SubmitTimeout       time.Duration
	CommitStatusTimeout time.Duration
	MVCCRetries         int // re-endorse and resubmit after MVCC_READ_CONFLICT
	// ProbeTimeout bounds each health probe of Gateway.Watch (default 3s);
	// ProbeMisses is how many probes in a row a peer may leave unanswered
	// before the pool leaves it (default 3; a peer refusing connections is
	// left at once).
	ProbeTimeout time.Duration
	ProbeMisses  int
	// OnRetry, when set, is told of each transaction invalidated at commit
	// (those invalidated by a read conflict are then retried).
	OnRetry func(fn, txID, validationCode string)
	// OnSwitch, when set, is told each time the peer in use changes (reason
	// nil: back to a more preferred peer that answers again).
	OnSwitch func(from, to string, reason error)
	// OnResume, when set, is told of each transaction carried over to another
	// peer after it may have been ordered: how is "resubmitted" (the same
	// envelope again) or "status" (only its commit status read there).
	OnResume func(fn, txID, how string)
}

// Gateway is a Ledger over gRPC connections to the org's peer gateways (one
// per peer, the first healthy one in use), acting as the org's relay identity.
type Gateway struct {
	opt  Options
	eps  []*endpoint
	pool *pool

	// refused: the channel last refused the org as not a member (membership).
	refused atomic.Bool

	mu     sync.Mutex
	blocks map[string]uint64 // tx id → block, learned from commit statuses and events
	// misses probes of peer missPeer went unanswered in a row (checkPeers).
	missPeer, misses int
}

// maxRecvBytes bounds one gateway answer (Fabric peers send up to 100 MiB).
const maxRecvBytes = 100 << 20

// Dial connects to the org's peer gateways. gRPC connects lazily: Dial
// succeeds without a peer; Ping tells whether one answers.
func Dial(opt Options) (*Gateway, error) {
	pem, err := os.ReadFile(opt.TLSCACertFile)
	if err != nil {
		return nil, fmt.Errorf("ledger: TLS CA: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("ledger: TLS CA %s holds no PEM certificate", opt.TLSCACertFile)
	}
	peers := opt.Peers
	if len(peers) == 0 {
		peers = []PeerEndpoint{{Address: opt.Endpoint, ServerName: opt.ServerName}}
	}
	var conns []PeerConn
	closeAll := func() {
		for _, c := range conns {
			c.Conn.Close()
		}
	}
	for _, p := range peers {
		creds := credentials.NewTLS(&tls.Config{RootCAs: pool, ServerName: p.ServerName, MinVersion: tls.VersionTLS12})
		// A batch signature's answer (500 documents and their events, echoed by
		// the gateway) passes gRPC's 4 MiB default; allow what the peer may send.
		conn, err := grpc.NewClient("dns:///"+p.Address, grpc.WithTransportCredentials(creds),
			grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(maxRecvBytes)))
		if err != nil {
			closeAll()
			return nil, fmt.Errorf("ledger: dial %s: %w", p.Address, err)
		}
		conns = append(conns, PeerConn{Address: p.Address, Conn: conn})
	}
	g, err := NewPeers(conns, opt)
	if err != nil {
		closeAll()
		return nil, err
	}
	return g, nil
}

// NewPeers uses existing connections to the org's peers, in order of
// preference (owned by the Gateway afterwards).
func NewPeers(conns []PeerConn, opt Options) (*Gateway, error) {
	if len(conns) == 0 {
		return nil, errors.New("ledger: no peer gateway")
	}
	certPEM, err := os.ReadFile(opt.CertFile)
	if err != nil {
		return nil, fmt.Errorf("ledger: certificate: %w", err)
	}
	cert, err := identity.CertificateFromPEM(certPEM)
	if err != nil {
		return nil, fmt.Errorf("ledger: certificate %s: %w", opt.CertFile, err)
	}
	id, err := identity.NewX509Identity(opt.MSPID, cert)
	if err != nil {
		return nil, fmt.Errorf("ledger: identity: %w", err)
	}
	keyPEM, err := os.ReadFile(opt.KeyFile)
	if err != nil {
		return nil, fmt.Errorf("ledger: key: %w", err)
	}
	key, err := identity.PrivateKeyFromPEM(keyPEM)
	if err != nil {
		return nil, fmt.Errorf("ledger: key %s: %w", opt.KeyFile, err)
	}
	sign, err := identity.NewPrivateKeySign(key)
	if err != nil {
		return nil, fmt.Errorf("ledger: key %s: %w", opt.KeyFile, err)
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&opt.EvaluateTimeout, 5*time.Second)
	def(&opt.EndorseTimeout, 15*time.Second)
	def(&opt.SubmitTimeout, 5*time.Second)
	def(&opt.CommitStatusTimeout, time.Minute)
	def(&opt.ProbeTimeout, 3*time.Second)
	if opt.ProbeMisses <= 0 {
		opt.ProbeMisses = 3
	}
	g := &Gateway{opt: opt, blocks: map[string]uint64{}}
	for _, c := range conns {
		gw, err := client.Connect(id, client.WithSign(sign), client.WithHash(hashSHA256), client.WithClientConnection(c.Conn),
			client.WithEvaluateTimeout(opt.EvaluateTimeout), client.WithEndorseTimeout(opt.EndorseTimeout),
			client.WithSubmitTimeout(opt.SubmitTimeout), client.WithCommitStatusTimeout(opt.CommitStatusTimeout))
		if err != nil {
			return nil, fmt.Errorf("ledger: gateway %s: %w", c.Address, err)
		}
		nw := gw.GetNetwork(opt.Channel)
		g.eps = append(g.eps, &endpoint{addr: c.Address, conn: c.Conn, gw: gw, network: nw,
			contract: nw.GetContract(opt.Chaincode), qscc: nw.GetContract("qscc")})
	}
	g.pool = &pool{n: len(g.eps)}
	if opt.OnSwitch != nil {
		g.pool.onSwitch = func(from, to int, reason error) { opt.OnSwitch(g.eps[from].addr, g.eps[to].addr, reason) }
	}
	return g, nil
}

// Close closes the gateway and its connections.
func (g *Gateway) Close() error {
	var errs []error
	for _, ep := range g.eps {
		errs = append(errs, ep.gw.Close(), ep.conn.Close())
	}
	return errors.Join(errs...)
}

// Network is the channel through the peer in use, for event listeners
// (which tell StreamFailed when their stream ends).
func (g *Gateway) Network() *client.Network { return g.eps[g.pool.current()].network }

// Evaluate runs a query and returns its raw result. A query has no effect,
// so a peer that cannot be reached is simply replaced by the next.
func (g *Gateway) Evaluate(ctx context.Context, fn string, args ...string) ([]byte, error) {
	return g.evaluate(ctx, chaincodeOf, fn, fn, args...)
}

// Submit endorses, submits and waits for the commit status of fn. A
// transaction invalidated by an MVCC read conflict is retried with a fresh
// transaction id after a short backoff; other invalidations are errors.
func (g *Gateway) Submit(ctx context.Context, fn string, args ...string) (Tx, []byte, error) {
	return retryConflicts(ctx, fn, g.opt.MVCCRetries, 50*time.Millisecond, func() (Tx, []byte, error) {
		tx, out, err := g.submitOnce(ctx, fn, args)
		var le *Error
		if g.opt.OnRetry != nil && errors.As(err, &le) && le.ValidationCode != "" {
			g.opt.OnRetry(fn, le.TxID, le.ValidationCode)
		}
		return tx, out, err
	})
}

// retryConflicts runs once, and again up to retries times (doubling backoff)
// while the transaction is invalidated by a read conflict, or its endorsements
// diverged: either means another transaction changed what this one read (on
// every peer, or so far only on some), so a fresh endorsement reads the new
// state (and may then be rejected by the chaincode instead).
func retryConflicts(ctx context.Context, fn string, retries int, backoff time.Duration, once func() (Tx, []byte, error)) (Tx, []byte, error) {
	for attempt := 0; ; attempt++ {
		tx, out, err := once()
		if err == nil || !(readConflict(err) || policyChanged(err) || endorsementsDiverged(err)) || attempt >= retries {
			return tx, out, err
		}
		// Jitter spreads competing retries over different blocks.
		wait := backoff
		if backoff > 0 {
			wait += time.Duration(mrand.Int64N(int64(backoff)))
		}
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			return tx, nil, Unavailable(fn, tx.TxID, ctx.Err())
		}
		backoff *= 2
	}
}

// readConflict: invalidated at commit because what it read had changed.
func readConflict(err error) bool {
	var le *Error
	return errors.As(err, &le) && errors.Is(err, ErrInvalidated) &&
		(le.ValidationCode == "MVCC_READ_CONFLICT" || le.ValidationCode == "PHANTOM_READ_CONFLICT")
}

// policyChanged: invalidated at commit because its endorsements no longer
// satisfied the policy, as when an org joined or left the channel (the
// majority changed) between endorsement and validation. A fresh endorsement
// gathers what the new policy needs; a policy that is never met still fails
// after the retries.
func policyChanged(err error) bool {
	var le *Error
	return errors.As(err, &le) && errors.Is(err, ErrInvalidated) && le.ValidationCode == "ENDORSEMENT_POLICY_FAILURE"
}

// endorsementsDiverged: the peers of different orgs simulated different
// states (one had committed a block the other had not yet), so the gateway
// could not assemble the transaction. Nothing was submitted.
func endorsementsDiverged(err error) bool {
	var le *Error
	if !errors.As(err, &le) || le.Submitted || !errors.Is(err, ErrUnavailable) {
		return false
	}
	st, ok := status.FromError(err)
	return ok && st.Code() == codes.Aborted && strings.Contains(st.Message(), "ProposalResponsePayloads do not match")
}

func (g *Gateway) submitOnce(ctx context.Context, fn string, args []string) (Tx, []byte, error) {
	// Endorsement writes nothing: a peer that cannot be reached is replaced
	// by the next one, with a fresh proposal.
	txn, txID, at, err := g.endorse(ctx, fn, fn, args...)
	if err = g.membership(fn, txID, err); err != nil {
		return Tx{TxID: txID}, nil, err
	}
	st, err := g.order(ctx, fn, txn, at)
	if err != nil {
		return Tx{TxID: txID}, nil, err
	}
	tx := Tx{TxID: txID, BlockNumber: st.BlockNumber, ValidationCode: st.Code.String()}
	if !st.Successful {
		return tx, nil, Invalidated(fn, txID, st.Code.String())
	}
	g.RememberBlock(txID, st.BlockNumber)
	return tx, txn.Result(), nil
}

// submitted marks an unavailability after submission: outcome unknown.
func submitted(err error) error {
	var le *Error
	if errors.As(err, &le) && errors.Is(err, ErrUnavailable) {
		le.Submitted = true
	}
	return err
}

// classify turns a gateway error into an *Error of the right kind.
func classify(op, txID string, err error) error {
	if code, msg, ok := chaincodeMessage(err); ok {
		return Rejected(op, txID, code, msg)
	}
	if peerSays(err, unknownOrg) {
		return NotMember(op, txID, err)
	}
	var ce *client.CommitError
	if errors.As(err, &ce) {
		return Invalidated(op, ce.TransactionID, ce.Code.String())
	}
	if txID == "" {
		var te *client.TransactionError
		if errors.As(err, &te) {
			txID = te.TransactionID
		}
	}
	// Endorse, submit and commit-status failures without a chaincode
	// answer, timeouts, cancellations: the network did not take the transaction
	// (or we cannot tell); the nonce makes a retry safe.
	return Unavailable(op, txID, err)
}

// What a peer answers when a proposal's creator is of an org the channel
// does not have, and what the gateway answers when it knows no peers that
// would endorse for it (also while the network starts).
const (
	unknownOrg  = "creator org unknown"
	noEndorsers = "no combination of peers can be derived"
)

// peerSays reports whether the gateway's error or a peer's answer attached
// to it contains text.
func peerSays(err error, text string) bool {
	st, ok := status.FromError(err)
	if !ok {
		return false
	}
	for _, d := range st.Details() {
		if ed, ok := d.(*gateway.ErrorDetail); ok && strings.Contains(ed.GetMessage(), text) {
			return true
		}
	}
	return strings.Contains(st.Message(), text)
}

// membership remembers whether the channel refused the org (ErrNotMember)
// until a transaction goes through again; meanwhile a gateway that finds no
// endorsers (the other orgs' peers have stopped talking to ours) is the same
// refusal, not an outage.
func (g *Gateway) membership(fn, txID string, err error) error {
	switch {
	case err == nil:
		g.refused.Store(false)
	case errors.Is(err, ErrNotMember):
		g.refused.Store(true)
	case g.refused.Load() && errors.Is(err, ErrUnavailable) && peerSays(err, noEndorsers):
		return NotMember(fn, txID, err)
	}
	return err
}

// chaincodeMessage finds a chaincode "CODE: message" in the error or its
// gRPC status details (the gateway puts peer answers in ErrorDetail).
func chaincodeMessage(err error) (model.Code, string, bool) {
	st, ok := status.FromError(err)
	if ok {
		for _, d := range st.Details() {
			if ed, ok := d.(*gateway.ErrorDetail); ok {
				if c, ok := model.ParseMessage(ed.GetMessage()); ok {
					return c, trimToCode(ed.GetMessage(), c), true
				}
			}
		}
		if st.Code() == codes.Unavailable || st.Code() == codes.DeadlineExceeded || st.Code() == codes.Canceled {
			return "", "", false
		}
		if c, ok := model.ParseMessage(st.Message()); ok {
			return c, trimToCode(st.Message(), c), true
		}
	}
	return "", "", false
}

// trimToCode keeps the chaincode's message after "CODE: ".
func trimToCode(msg string, c model.Code) string {
	if i := strings.Index(msg, string(c)+": "); i >= 0 {
		return msg[i+len(c)+2:]
	}
	return msg
}

// RememberBlock records where a transaction committed (from a commit status or an event).
func (g *Gateway) RememberBlock(txID string, block uint64) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if len(g.blocks) > 100_000 { // bounded: forget everything rather than grow forever
		g.blocks = map[string]uint64{}
	}
	g.blocks[txID] = block
}

// BlockOfTx answers from what this relay saw commit, else asks qscc.
func (g *Gateway) BlockOfTx(ctx context.Context, txID string) (uint64, error) {
	g.mu.Lock()
	b, ok := g.blocks[txID]
	g.mu.Unlock()
	if ok {
		return b, nil
	}
	raw, err := g.BlockByTxID(ctx, txID)
	if err != nil {
		return 0, err
	}
	var blk common.Block
	if err := proto.Unmarshal(raw, &blk); err != nil || blk.GetHeader() == nil {
		return 0, fmt.Errorf("ledger: qscc block for %s: unparsable", txID)
	}
	g.RememberBlock(txID, blk.GetHeader().GetNumber())
	return blk.GetHeader().GetNumber(), nil
}

// Ping evaluates the chaincode's Ping.
func (g *Gateway) Ping(ctx context.Context) error {
	_, err := g.Evaluate(ctx, "Ping")
	return err
}

// SubmitPing submits Ping and waits for its commit (benchmark baseline).
func (g *Gateway) SubmitPing(ctx context.Context) (Tx, error) {
	tx, _, err := g.Submit(ctx, "Ping")
	return tx, err
}

func (g *Gateway) write(ctx context.Context, fn string, req any) (*Written, error) {
	arg, err := json.Marshal(req)
	if err != nil {
		return nil, err
	}
	tx, out, err := g.Submit(ctx, fn, string(arg))
	if err != nil {
		return nil, err
	}
	w := &Written{Tx: tx}
	if err := json.Unmarshal(out, &w.Result); err != nil {
		return nil, fmt.Errorf("ledger: %s (tx %s): result: %w", fn, tx.TxID, err)
	}
	return w, nil
}

func (g *Gateway) query(ctx context.Context, fn, arg string, v any) error {
	out, err := g.Evaluate(ctx, fn, arg)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(out, v); err != nil {
		return fmt.Errorf("ledger: %s: result: %w", fn, err)
	}
	return nil
}

// RegisterDocument submits RegisterDocument.
func (g *Gateway) RegisterDocument(ctx context.Context, req model.RegisterDocumentRequest) (*Written, error) {
	return g.write(ctx, "RegisterDocument", req)
}

// RecordSignature submits RecordSignature.
func (g *Gateway) RecordSignature(ctx context.Context, req model.SignatureRequest) (*Written, error) {
	return g.write(ctx, "RecordSignature", req)
}

// DeclineSignature submits DeclineSignature.
func (g *Gateway) DeclineSignature(ctx context.Context, req model.SignatureRequest) (*Written, error) {
	return g.write(ctx, "DeclineSignature", req)
}

// RecordRevision submits RecordRevision.
func (g *Gateway) RecordRevision(ctx context.Context, req model.RevisionRequest) (*Written, error) {
	return g.write(ctx, "RecordRevision", req)
}

// GetDocument evaluates GetDocument.
func (g *Gateway) GetDocument(ctx context.Context, id string) (*model.DocumentView, error) {
	var v model.DocumentView
	return &v, g.query(ctx, "GetDocument", id, &v)
}

// GetHistory evaluates GetHistory.
func (g *Gateway) GetHistory(ctx context.Context, id string) (*model.History, error) {
	var h model.History
	return &h, g.query(ctx, "GetHistory", id, &h)
}

// GetNonce evaluates GetNonce.
func (g *Gateway) GetNonce(ctx context.Context, nonce string) (*model.NonceRecord, error) {
	var r model.NonceRecord
	return &r, g.query(ctx, "GetNonce", nonce, &r)
}

// GetOrgTrust evaluates GetOrgTrust.
func (g *Gateway) GetOrgTrust(ctx context.Context, mspID string) (*model.OrgTrust, error) {
	var t model.OrgTrust
	return &t, g.query(ctx, "GetOrgTrust", mspID, &t)
}

// Annotate submits Annotate.
func (g *Gateway) Annotate(ctx context.Context, req model.AnnotateRequest) (*Written, error) {
	return g.write(ctx, "Annotate", req)
}

// RecordBatchSignature submits RecordBatchSignature.
func (g *Gateway) RecordBatchSignature(ctx context.Context, req model.BatchSignatureRequest) (*Written, error) {
	return g.write(ctx, "RecordBatchSignature", req)
}

// RecordBatchDecline submits RecordBatchDecline.
func (g *Gateway) RecordBatchDecline(ctx context.Context, req model.BatchSignatureRequest) (*Written, error) {
	return g.write(ctx, "RecordBatchDecline", req)
}

// List evaluates one of the list queries.
func (g *Gateway) List(ctx context.Context, fn ListFunc, q model.ListQuery) (*model.Page, error) {
	arg, err := json.Marshal(q)
	if err != nil {
		return nil, err
	}
	var p model.Page
	return &p, g.query(ctx, string(fn), string(arg), &p)
}

var _ Ledger = (*Gateway)(nil)
