//go:build integration

package e2e

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/chaincode/payload"
	"github.com/qrsign/qrsign/chaincode/sigalg"
	"github.com/qrsign/qrsign/chaincode/testpki"
	"github.com/qrsign/qrsign/relay/signer/keystore"
	"github.com/qrsign/qrsign/relay/signer/relayapi"
	"github.com/qrsign/qrsign/relay/token"

	"github.com/qrsign/qrsign/relay/api"
)

// forge re-signs a session URL's claims with a key the relay does not hold.
func forge(url string) string {
	c, err := token.Peek(token.FromURL(url))
	if err != nil {
		return "not-a-token"
	}
	key := make([]byte, 32)
	rand.Read(key)
	tok, _ := token.Sign(key, c)
	return tok
}

// callback posts a hand-made scan callback for the session in url, signed by
// s's real key unless variant says otherwise ("wrong-payload": over another
// document hash; "self-signed": a fresh key with a self-made certificate).
// It returns the HTTP status and the problem code.
func callback(t *testing.T, e *env, s *signer, url, action, variant string) (int, string) {
	t.Helper()
	tok := token.FromURL(url)
	rc, err := relayapi.New(e.org.Relay.URL)
	if err != nil {
		t.Fatal(err)
	}
	sess, err := rc.Session(context.Background(), tok)
	if err != nil {
		t.Fatalf("session: %v", err)
	}
	ks := keystore.New(s.home)
	key, err := ks.Unlock([]byte(s.pass))
	if err != nil {
		t.Fatal(err)
	}
	chain, err := ks.SubmitChainPEM()
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := ks.Cert()
	docSHA := sess.SHA256
	switch variant {
	case "wrong-payload":
		docSHA = strings.Repeat("0", 64)
	case "self-signed":
		// Valid at the wall clock: the real chaincode judges it at the transaction's time.
		var k crypto.Signer
		cert, k = testpki.SelfSigned(testpki.Leaf{CN: s.id, Serial: 7, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)})
		key, chain = k.(*ecdsa.PrivateKey), testpki.PEM(cert)
	}
	purpose := payload.PurposeSign
	if action == "decline" {
		purpose = payload.PurposeDecline
	}
	msg, err := payload.Build(payload.Fields{Purpose: purpose, Channel: sess.Channel, DocumentID: sess.DocumentID,
		DocumentSHA256: docSHA, Nonce: sess.Nonce, SignerFingerprint: payload.Fingerprint(cert.Raw)})
	if err != nil {
		t.Fatal(err)
	}
	sig, err := sigalg.Sign(model.AlgECDSAP256DER, key, msg)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := json.Marshal(api.CallbackRequest{Token: tok, Action: action, CertChainPEM: chain,
		Signature: base64.StdEncoding.EncodeToString(sig), Algorithm: model.AlgECDSAP256DER})
	resp, err := e.http.Post(e.org.Relay.URL+"/v1/callbacks/scan", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatalf("callback: %v", err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode == http.StatusOK {
		t.Logf("callback accepted: %s", b)
	}
	return resp.StatusCode, problemCode(b)
}
