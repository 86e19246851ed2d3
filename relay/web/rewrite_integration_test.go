//go:build integration

package web_test

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"testing"

	"github.com/qrsign/qrsign/relay/web"
)

// rewritingSite serves the pages (cfg) in front of s's relay, whose 200
// answers to paths that match pass through rewrite: a hostile or broken
// relay as a page sees it. Closed when t ends.
func rewritingSite(t *testing.T, s *site, cfg web.Config, match func(path string) bool, rewrite func([]byte) ([]byte, error)) *httptest.Server {
	proxy := httputil.NewSingleHostReverseProxy(s.relay)
	proxy.ModifyResponse = func(r *http.Response) error {
		if !match(r.Request.URL.Path) || r.StatusCode != http.StatusOK {
			return nil
		}
		b, err := io.ReadAll(r.Body)
		r.Body.Close()
		if err == nil {
			b, err = rewrite(b)
		}
		if err != nil {
			return err
		}
		r.Body = io.NopCloser(bytes.NewReader(b))
		r.Header.Del("Content-Length")
		r.ContentLength = int64(len(b))
		return nil
	}
	mux := http.NewServeMux()
	mux.Handle("/v1/", proxy)
	h := web.Handler(cfg)
	for _, r := range web.Routes {
		mux.Handle(r, h)
	}
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}
