package tsa

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"io"
	"math/big"
	"mime"
	"net/http"
	"strings"

	"github.com/qrsign/qrsign/relay/cms"
)

const (
	// MediaQuery and MediaReply are the RFC 3161 section 3.4 media types.
	MediaQuery = "application/timestamp-query"
	MediaReply = "application/timestamp-reply"
	maxRequest = MaxQuery
	// MaxQuery bounds a query: an imprint and a nonce, a few hundred bytes.
	MaxQuery = 4096
)

// ServeHTTP answers POSTed time-stamp queries (RFC 3161 3.4). A malformed
// query still gets 200 with a rejection inside, as the protocol wants;
// HTTP errors are for what is not a query at all.
func (a *Authority) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "POST a time-stamp query", http.StatusMethodNotAllowed)
		return
	}
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != MediaQuery {
		http.Error(w, "Content-Type must be "+MediaQuery, http.StatusUnsupportedMediaType)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxRequest+1))
	if err != nil {
		http.Error(w, "reading the query failed", http.StatusBadRequest)
		return
	}
	if len(body) > maxRequest {
		http.Error(w, "query larger than 4096 bytes", http.StatusRequestEntityTooLarge)
		return
	}
	resp, err := a.Respond(body)
	if err != nil {
		http.Error(w, "time-stamping is unavailable", http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("Content-Type", MediaReply)
	w.Write(resp) //nolint:errcheck // the client sees a short body
}

// Client asks a TSA for tokens.
type Client struct {
	URL  string
	HTTP *http.Client
	// Verify checks tokens; Roots should hold the TSA's root.
	Verify x509.VerifyOptions
}

// Stamp gets a verified token over the SHA-256 of data (for a signature
// time-stamp: the signature value).
func (c *Client) Stamp(ctx context.Context, data []byte) (*Token, error) {
	return c.StampDigest(ctx, sha256.Sum256(data))
}

// StampDigest gets a verified token over a SHA-256 digest computed by the
// caller (a PDF document timestamp stamps the digest over its ByteRange).
func (c *Client) StampDigest(ctx context.Context, imprint [32]byte) (*Token, error) {
	nonce, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 63))
	if err != nil {
		return nil, err
	}
	req, err := asn1.Marshal(request{
		Version:        1,
		MessageImprint: messageImprint{HashAlgorithm: pkix.AlgorithmIdentifier{Algorithm: oidSHA256}, HashedMessage: imprint[:]},
		Nonce:          nonce,
		CertReq:        true,
	})
	if err != nil {
		return nil, err
	}
	hreq, err := http.NewRequestWithContext(ctx, http.MethodPost, c.URL, bytes.NewReader(req))
	if err != nil {
		return nil, fmt.Errorf("tsa: %v", err)
	}
	hreq.Header.Set("Content-Type", MediaQuery)
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	hresp, err := hc.Do(hreq)
	if err != nil {
		return nil, fmt.Errorf("tsa: %v", err)
	}
	defer hresp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(hresp.Body, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("tsa: reading the reply: %v", err)
	}
	if mt, _, _ := mime.ParseMediaType(hresp.Header.Get("Content-Type")); hresp.StatusCode != http.StatusOK || mt != MediaReply {
		return nil, fmt.Errorf("tsa: HTTP %d %s: %s", hresp.StatusCode, mt, strings.TrimSpace(string(body[:min(len(body), 200)])))
	}
	var resp response
	if rest, err := asn1.Unmarshal(body, &resp); err != nil || len(rest) != 0 {
		return nil, errors.New("tsa: reply is not one DER TimeStampResp")
	}
	if resp.Status.Status != statusGranted && resp.Status.Status != 1 { // 1: grantedWithMods
		return nil, fmt.Errorf("tsa: rejected (status %d): %s", resp.Status.Status, resp.Status.text())
	}
	tok, err := Verify(resp.Token.FullBytes, imprint[:], c.Verify)
	if err != nil {
		return nil, err
	}
	if tok.Nonce == nil || tok.Nonce.Cmp(nonce) != 0 {
		return nil, errors.New("tsa: the token does not carry our nonce")
	}
	return tok, nil
}

// StampSignature adds to a CMS SignedData a signature time-stamp (RFC 3161
// appendix A): a token over its signature value, as an unsigned attribute.
// This is what makes a PAdES B-B signature B-T and a CAdES one CAdES-T.
func (c *Client) StampSignature(ctx context.Context, signed []byte) ([]byte, *Token, error) {
	s, err := cms.Parse(signed)
	if err != nil {
		return nil, nil, err
	}
	tok, err := c.Stamp(ctx, s.Signature)
	if err != nil {
		return nil, nil, err
	}
	out, err := cms.AddUnsigned(signed, cms.OIDSignatureTimeStamp, tok.DER)
	return out, tok, err
}
