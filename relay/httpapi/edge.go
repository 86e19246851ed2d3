package httpapi

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/relay/api"
	"github.com/qrsign/qrsign/relay/fault"
	"github.com/qrsign/qrsign/relay/problem"
)

// Limits of the request head. The relay refuses what passes its own limits
// in the first middleware (a problem like any other); net/http's
// MaxHeaderBytes (larger) stops the rest before routing, and edgeConn turns
// that answer into a problem too.
const (
	maxURIBytes       = 8 << 10
	maxHeadBytes      = 32 << 10 // request line and headers, as the client sent them (near enough)
	netMaxHeaderBytes = 64 << 10
)

// checkHead refuses a request head over the relay's own limits.
func checkHead(r *http.Request) error {
	if n := len(r.RequestURI); n > maxURIBytes {
		return fault.Newf(fault.CodeURITooLong, "the request target is %d bytes; the relay accepts at most %d", n, maxURIBytes)
	}
	n := len(r.Method) + len(r.RequestURI) + len(r.Proto) + 4 + len("Host: \r\n") + len(r.Host)
	for k, vs := range r.Header {
		for _, v := range vs {
			n += len(k) + len(v) + 4
		}
	}
	if n > maxHeadBytes {
		return fault.Newf(fault.CodeHeadersTooLarge, "the request line and headers are %d bytes; the relay accepts at most %d", n, maxHeadBytes)
	}
	return nil
}

// edgeRefusals are the answers net/http writes itself, before any handler,
// by status: each is sent as a problem with this code and detail instead.
var edgeRefusals = map[int]*fault.Error{
	http.StatusBadRequest: fault.New(model.CodeBadRequest,
		"the request is not well-formed HTTP/1.1 (request line, Host or another header)"),
	http.StatusRequestHeaderFieldsTooLarge: fault.Newf(fault.CodeHeadersTooLarge,
		"the request line and headers are larger than %d bytes", maxHeadBytes),
	http.StatusNotImplemented: fault.New(fault.CodeTransferEncoding,
		"unsupported Transfer-Encoding: the relay accepts only chunked"),
	http.StatusHTTPVersionNotSupported: fault.New(fault.CodeHTTPVersion,
		"the relay speaks HTTP/1.0 and HTTP/1.1 only"),
	http.StatusExpectationFailed: fault.New(fault.CodeExpectationRefused,
		"the relay supports no Expect other than 100-continue"),
}

// Serve serves hs (from HTTPServer) on ln, whose connections are wrapped so
// that net/http's own error answers go out as problems.
func (s *Server) Serve(hs *http.Server, ln net.Listener) error {
	return hs.Serve(edgeListener{Listener: ln, s: s})
}

type edgeListener struct {
	net.Listener
	s *Server
}

func (l edgeListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &edgeConn{Conn: c, s: l.s}, nil
}

// edgeConn tells the answers of handlers from those net/http writes itself
// when it cannot read a request: a handler marks its conn as serving (so
// whatever a response holds, even bytes that look like an error answer,
// passes untouched) until net/http returns the conn to idle. A write while
// not serving is net/http's own, and is rewritten.
type edgeConn struct {
	net.Conn
	s       *Server
	serving atomic.Bool
}

func (c *edgeConn) Write(p []byte) (int, error) {
	if c.serving.Load() {
		return c.Conn.Write(p)
	}
	if out := c.s.edgeProblem(p, c.RemoteAddr()); out != nil {
		if _, err := c.Conn.Write(out); err != nil {
			return 0, err
		}
		return len(p), nil
	}
	return c.Conn.Write(p)
}

// ReadFrom keeps sendfile for response bodies (only responses use it).
func (c *edgeConn) ReadFrom(r io.Reader) (int64, error) { return io.Copy(c.Conn, r) }

// CloseWrite lets net/http half-close after a 431 as it would without us.
func (c *edgeConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}

type edgeConnKey struct{}

// edgeHooks install what edgeConn needs on hs: the conn in each request's
// context, marked serving while a handler runs, and unmarked when idle.
func edgeHooks(hs *http.Server) {
	next := hs.Handler
	hs.ConnContext = func(ctx context.Context, c net.Conn) context.Context {
		return context.WithValue(ctx, edgeConnKey{}, c)
	}
	hs.ConnState = func(c net.Conn, st http.ConnState) {
		if ec, ok := c.(*edgeConn); ok && st == http.StateIdle {
			ec.serving.Store(false)
		}
	}
	hs.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if ec, ok := r.Context().Value(edgeConnKey{}).(*edgeConn); ok {
			ec.serving.Store(true)
		}
		next.ServeHTTP(w, r)
	})
}

// edgeProblem is the problem answer replacing net/http's own answer p, or
// nil to let p through (a status the relay has no code for).
func (s *Server) edgeProblem(p []byte, remote net.Addr) []byte {
	line, _, ok := bytes.Cut(p, []byte("\r\n"))
	if !ok || !bytes.HasPrefix(line, []byte("HTTP/1.")) || len(line) < len("HTTP/1.1 400") {
		return nil
	}
	status, err := strconv.Atoi(string(line[len("HTTP/1.1 ") : len("HTTP/1.1 ")+3]))
	if err != nil {
		return nil
	}
	f, ok := edgeRefusals[status]
	if !ok {
		return nil
	}
	id := newRequestID()
	pr := problem.Of(f, id)
	s.metrics.HTTPRequests.WithLabelValues("unparsed", "unknown", strconv.Itoa(pr.Status)).Inc()
	s.logger.Info("request refused before routing", "requestId", id, "remote", remote.String(), "status", pr.Status,
		"code", pr.Code)
	var body bytes.Buffer
	_ = jsonEncode(&body, pr)
	var out bytes.Buffer
	fmt.Fprintf(&out, "HTTP/1.1 %d %s\r\n", pr.Status, http.StatusText(pr.Status))
	fmt.Fprintf(&out, "%s: %s\r\n", echo.HeaderContentType, api.ProblemContentType)
	fmt.Fprintf(&out, "Content-Length: %d\r\n", body.Len())
	fmt.Fprintf(&out, "Date: %s\r\n", time.Now().UTC().Format(http.TimeFormat))
	fmt.Fprintf(&out, "%s: %s\r\nConnection: close\r\n\r\n", echo.HeaderXRequestID, id)
	out.Write(body.Bytes())
	return out.Bytes()
}
