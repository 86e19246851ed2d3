package tsa

import (
	"crypto"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"math/big"
	"testing"
	"time"

	"github.com/qrsign/qrsign/relay/cms/cmstest"
)

var (
	policy = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 99999, 1}
	clock  = time.Date(2031, 2, 3, 4, 5, 6, 0, time.UTC)
)

func authority(t *testing.T, now time.Time) (*Authority, *cmstest.CA) {
	t.Helper()
	ca := cmstest.NewCA(t, "Org1 CA", now)
	id := ca.TSA(t, "Org1 TSA")
	a, err := New([]*x509.Certificate{id.Cert, ca.Cert}, id.Key, policy, func() time.Time { return now })
	if err != nil {
		t.Fatal(err)
	}
	return a, ca
}

func query(t *testing.T, alg asn1.ObjectIdentifier, imprint []byte, pol asn1.ObjectIdentifier) []byte {
	t.Helper()
	der, err := asn1.Marshal(request{Version: 1, MessageImprint: messageImprint{pkix.AlgorithmIdentifier{Algorithm: alg}, imprint}, ReqPolicy: pol, Nonce: big.NewInt(7), CertReq: true})
	if err != nil {
		t.Fatal(err)
	}
	return der
}

func TestRespondRejects(t *testing.T) {
	a, _ := authority(t, clock)
	h := sha256.Sum256([]byte("x"))
	s1 := sha1.Sum([]byte("x"))
	v2, _ := asn1.Marshal(request{Version: 2, MessageImprint: messageImprint{pkix.AlgorithmIdentifier{Algorithm: oidSHA256}, h[:]}})
	for _, tc := range []struct {
		name string
		req  []byte
		bit  int
		text string
	}{
		{"not DER", []byte("hello"), FailBadDataFormat, "not one DER TimeStampReq version 1"},
		{"version 2", v2, FailBadDataFormat, "not one DER TimeStampReq version 1"},
		{"SHA-1", query(t, asn1.ObjectIdentifier{1, 3, 14, 3, 2, 26}, s1[:], nil), FailBadAlg, "imprint hash must be SHA-256, SHA-384 or SHA-512"},
		{"short imprint", query(t, oidSHA256, h[:20], nil), FailBadDataFormat, "imprint length does not match its hash algorithm"},
		{"other policy", query(t, oidSHA256, h[:], asn1.ObjectIdentifier{1, 2, 3}), FailUnacceptedPolicy, "policy not offered by this TSA"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			der, err := a.Respond(tc.req)
			if err != nil {
				t.Fatal(err)
			}
			var resp response
			if _, err := asn1.Unmarshal(der, &resp); err != nil {
				t.Fatal(err)
			}
			st := resp.Status
			if st.Status != statusRejection || st.FailInfo.At(tc.bit) != 1 || st.FailInfo.BitLength != tc.bit+1 ||
				st.text() != tc.text || len(resp.Token.FullBytes) != 0 {
				t.Fatalf("status %+v, want rejection bit %d %q", st, tc.bit, tc.text)
			}
		})
	}
}

func TestNewRefuses(t *testing.T) {
	ca := cmstest.NewCA(t, "Org1 CA", clock)
	tsaID, signer := ca.TSA(t, "Org1 TSA"), ca.Signer(t, "alice")
	nonCritical := *tsaID.Cert
	nonCritical.Extensions = nil
	for _, e := range tsaID.Cert.Extensions {
		e.Critical = false
		nonCritical.Extensions = append(nonCritical.Extensions, e)
	}
	for _, tc := range []struct {
		name string
		cert *x509.Certificate
		key  crypto.Signer
		msg  string
	}{
		{"no timeStamping", signer.Cert, signer.Key, "tsa: the certificate has no extended key usage timeStamping"},
		{"not critical", &nonCritical, tsaID.Key, "tsa: the certificate's extended key usage must be timeStamping only, critical"},
		{"another key", tsaID.Cert, signer.Key, "tsa: the key does not match the certificate"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := New([]*x509.Certificate{tc.cert}, tc.key, policy, time.Now)
			if err == nil || err.Error() != tc.msg {
				t.Fatalf("error %v, want %q", err, tc.msg)
			}
		})
	}
}

func asmResponse(token []byte) ([]byte, error) {
	return asn1.Marshal(response{Status: statusInfo{Status: statusGranted}, Token: asn1.RawValue{FullBytes: token}})
}
