package sigalg_test

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"testing"

	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/chaincode/sigalg"
)

// FuzzVerify feeds arbitrary signature encodings to every algorithm: Verify
// must answer with a coded error and never panic.
func FuzzVerify(f *testing.F) {
	ek, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	_, edk, _ := ed25519.GenerateKey(rand.Reader)
	msg := []byte("QRSIGN-PAYLOAD/1\n")
	der, _ := sigalg.Sign(model.AlgECDSAP256DER, ek, msg)
	raw, _ := sigalg.Sign(model.AlgECDSAP256Raw, ek, msg)
	ed, _ := sigalg.Sign(model.AlgEd25519, edk, msg)
	f.Add(uint8(0), der, msg)
	f.Add(uint8(1), raw, msg)
	f.Add(uint8(2), ed, msg)
	f.Add(uint8(0), []byte{0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01}, msg)
	f.Add(uint8(1), make([]byte, 64), []byte{})
	f.Add(uint8(3), []byte("x"), msg)
	f.Fuzz(func(t *testing.T, which uint8, sig, m []byte) {
		algs := []model.Algorithm{model.AlgECDSAP256DER, model.AlgECDSAP256Raw, model.AlgEd25519, "BOGUS"}
		alg := algs[int(which)%len(algs)]
		var pub any = &ek.PublicKey
		if alg == model.AlgEd25519 {
			pub = edk.Public()
		}
		err := sigalg.Verify(alg, pub, m, sig)
		if err != nil {
			if _, ok := model.CodeOf(err); !ok {
				t.Fatalf("error without a code: %v", err)
			}
			return
		}
		if alg == "BOGUS" {
			t.Fatal("unknown algorithm accepted")
		}
	})
}
