package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"time"
)

// SignatureHeader carries "t=<unix seconds>,v1=<hex HMAC-SHA256(secret, t + "." + body)>".
const SignatureHeader = "Qrsign-Signature"

// Other headers on every delivery.
const (
	EventHeader    = "Qrsign-Event"    // the event type
	DeliveryHeader = "Qrsign-Delivery" // the delivery id (= payload id), stable across retries
)

// Verification errors (Verify wraps nothing else).
var (
	ErrSignatureHeader   = errors.New("webhook: malformed Qrsign-Signature header")
	ErrSignatureMismatch = errors.New("webhook: signature does not match")
	ErrSignatureTooOld   = errors.New("webhook: signature timestamp outside tolerance")
)

// Sign returns the Qrsign-Signature header value for body at time t.
func Sign(secret string, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	return "t=" + ts + ",v1=" + mac(secret, ts, body)
}

func mac(secret, ts string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(ts))
	m.Write([]byte("."))
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

// Verify checks a delivery as received: header is the Qrsign-Signature value,
// body the raw request body (verify before parsing it), now the receiver's
// clock and tolerance how far the signed timestamp may be from now (5 minutes
// is a good value; it bounds replays of a captured request). Several v1=
// values are accepted (any one matching suffices). Deliveries are
// at-least-once: deduplicate on the Qrsign-Delivery header / payload id.
func Verify(secret, header string, body []byte, now time.Time, tolerance time.Duration) error {
	var ts string
	var sigs []string
	for _, part := range strings.Split(header, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return ErrSignatureHeader
		}
		switch k {
		case "t":
			ts = v
		case "v1":
			sigs = append(sigs, v)
		}
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || len(sigs) == 0 {
		return ErrSignatureHeader
	}
	want := []byte(mac(secret, ts, body))
	ok := false
	for _, s := range sigs {
		if hmac.Equal([]byte(s), want) {
			ok = true
		}
	}
	if !ok {
		return ErrSignatureMismatch
	}
	if d := now.Sub(time.Unix(sec, 0)); d > tolerance || d < -tolerance {
		return ErrSignatureTooOld
	}
	return nil
}
