package flow

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/chaincode/payload"
	"github.com/qrsign/qrsign/chaincode/sigalg"
	"github.com/qrsign/qrsign/chaincode/text"
	"github.com/qrsign/qrsign/relay/login/proof"

	"github.com/qrsign/qrsign/relay/api"
)

// ErrNotLoginQR: the QR is not a sign-in QR ("<relay>/l/<token>").
var ErrNotLoginQR = errors.New("this QR code is not a qrsign sign-in code")

// LoginRequest is one sign-in scan.
type LoginRequest struct {
	QR    string // the QR's text: "<relay>/l/<token>"
	MSPID string // the signer's org, when not the relay's
}

// LoginOutcome is a completed sign-in.
type LoginOutcome struct {
	Info   *api.LoginInfo
	Result *api.LoginApproved
}

// Login signs the desktop showing the QR in as this client's identity: it
// reads the challenge, checks that it binds the relay the QR points to,
// shows the relay, match code and expiry, confirms, unlocks the key, signs
// the login payload and posts it.
func (s *Scanner) Login(ctx context.Context, req LoginRequest) (*LoginOutcome, error) {
	if !proof.IsLoginURL(req.QR) {
		return nil, fmt.Errorf("%w (want a URL ending in /l/<token>)", ErrNotLoginQR)
	}
	u, err := url.Parse(req.QR)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("%w: %q is not an http(s) URL", ErrNotLoginQR, clipText(req.QR))
	}
	tok := proof.FromURL(req.QR)
	rc, err := s.client(u.Scheme + "://" + u.Host)
	if err != nil {
		return nil, err
	}
	info, err := rc.LoginInfo(ctx, tok)
	if err != nil {
		return nil, err
	}
	// The relay's own URL must be where the QR points, and the digest must
	// bind it: a signature is then good only for the relay shown here.
	if !strings.HasPrefix(req.QR, info.RelayURL+"/l/") {
		return nil, fmt.Errorf("%w: the relay calls itself %q, the QR points to %s", ErrSessionMismatch, clipText(info.RelayURL), u.Host)
	}
	if want := proof.Digest(info.RelayURL, info.ChallengeID); info.SHA256 != want {
		return nil, &HashMismatchError{Source: "sign-in challenge", Want: want, Got: info.SHA256}
	}
	cert, err := s.Keystore.Cert()
	if err != nil {
		return nil, err
	}
	w := s.out()
	fmt.Fprint(w, s.tr("signInTo", printable(info.RelayURL, maxShown)))
	fmt.Fprint(w, s.tr("as", cert.Subject.CommonName))
	fmt.Fprint(w, s.tr("matchCode", printable(info.MatchCode, maxShown)))
	fmt.Fprint(w, s.tr("expires", info.ExpiresAt.UTC().Format("2006-01-02 15:04:05Z")))
	// A phishing page can show a genuine QR: where it was asked for is the tell.
	if r := info.Requester; r != (api.LoginRequester{}) {
		fmt.Fprint(w, s.tr("askedFrom", printable(r.IP, 64), r.CreatedAt.UTC().Format("2006-01-02 15:04:05Z")))
		fmt.Fprint(w, s.tr("browser", printable(r.UserAgent, 160)))
		fmt.Fprint(w, s.tr("notYou"))
	}
	if err := s.confirm(s.tr("signInQ", printable(info.RelayURL, maxShown), cert.Subject.CommonName)); err != nil {
		return nil, err
	}
	key, chain, err := s.unlock(cert.Subject.CommonName)
	if err != nil {
		return nil, err
	}
	msg, err := payload.Build(proof.Fields(info.Channel, info.RelayURL, info.ChallengeID, info.Nonce, payload.Fingerprint(cert.Raw)))
	if err != nil {
		return nil, err
	}
	sig, err := sigalg.Sign(model.AlgECDSAP256DER, key, msg)
	if err != nil {
		return nil, err
	}
	res, err := rc.LoginCallback(ctx, api.LoginCallbackRequest{Token: tok, CertChainPEM: chain,
		Signature: base64.StdEncoding.EncodeToString(sig), Algorithm: model.AlgECDSAP256DER, MSPID: req.MSPID})
	if err != nil {
		return nil, err
	}
	return &LoginOutcome{Info: info, Result: res}, nil
}

func clipText(s string) string {
	if len(s) > 80 {
		return s[:80] + "…"
	}
	return s
}

// maxShown clips a relay's text shown to a person (titles, ids).
const maxShown = model.MaxTitleLen

// printable escapes a relay's text (package text: it reaches a terminal) and clips it.
func printable(s string, max int) string {
	s, cut := text.EscapeClip(s, max)
	if cut {
		s += "…"
	}
	if s == "" {
		return "(unknown)"
	}
	return s
}
