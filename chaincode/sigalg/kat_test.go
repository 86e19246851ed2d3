package sigalg_test

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"encoding/asn1"
	"encoding/hex"
	"math/big"
	"testing"

	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/chaincode/sigalg"
)

func unhex(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}

func bigHex(s string) *big.Int {
	n, ok := new(big.Int).SetString(s, 16)
	if !ok {
		panic(s)
	}
	return n
}

// RFC 8032 section 7.1, TEST 1-3: public key, message, signature.
func TestEd25519RFC8032(t *testing.T) {
	for _, v := range []struct{ name, secret, public, msg, sig string }{
		{"TEST 1", "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
			"d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
			"e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"},
		{"TEST 2", "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
			"3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
			"92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"},
		{"TEST 3", "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
			"fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025", "af82",
			"6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a"},
	} {
		t.Run(v.name, func(t *testing.T) {
			pub := ed25519.PublicKey(unhex(v.public))
			msg, sig := unhex(v.msg), unhex(v.sig)
			if err := sigalg.Verify(model.AlgEd25519, pub, msg, sig); err != nil {
				t.Fatal(err)
			}
			// Ed25519 is deterministic: Sign reproduces the published signature.
			got, err := sigalg.Sign(model.AlgEd25519, ed25519.NewKeyFromSeed(unhex(v.secret)), msg)
			if err != nil || hex.EncodeToString(got) != v.sig {
				t.Fatalf("Sign = %x, %v", got, err)
			}
			sig[0] ^= 1
			if err := sigalg.Verify(model.AlgEd25519, pub, msg, sig); err == nil || err.Error() != "BAD_SIGNATURE: signature does not verify" {
				t.Fatalf("tampered signature: %v", err)
			}
		})
	}
}

// RFC 6979 appendix A.2.5: ECDSA P-256 with SHA-256. The "sample" signature
// has a high s, which sigalg refuses (one signature, one encoding) and
// accepts as n-s; the "test" signature is low-S as published.
func TestECDSAP256RFC6979(t *testing.T) {
	pub := &ecdsa.PublicKey{Curve: elliptic.P256(),
		X: bigHex("60FED4BA255A9D31C961EB74C6356D68C049B8923B61FA6CE669622E60F29FB6"),
		Y: bigHex("7903FE1008B8BC99A41AE9E95628BC64F2F1B20C2D7E9F5177A3C294D4462299")}
	n := elliptic.P256().Params().N
	halfN := new(big.Int).Rsh(n, 1)
	raw := func(r, s *big.Int) []byte {
		out := make([]byte, 64)
		r.FillBytes(out[:32])
		s.FillBytes(out[32:])
		return out
	}
	der := func(r, s *big.Int) []byte {
		b, err := asn1.Marshal(struct{ R, S *big.Int }{r, s})
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	for _, v := range []struct{ msg, r, s string }{
		{"sample", "EFD48B2AACB6A8FD1140DD9CD45E81D69D2C877B56AAF991C34D0EA84EAF3716", "F7CB1C942D657C41D436C7A1B6E29F65F3E900DBB9AFF4064DC4AB2F843ACDA8"},
		{"test", "F1ABB023518351CD71D881567B1EA663ED3EFCF6C5132B354F28D3B0B7D38367", "019F4113742A2B14BD25926B49C649155F267E60D3814B4C0CC84250E46F0083"},
	} {
		t.Run(v.msg, func(t *testing.T) {
			r, s := bigHex(v.r), bigHex(v.s)
			msg := []byte(v.msg)
			if s.Cmp(halfN) > 0 {
				for _, alg := range []model.Algorithm{model.AlgECDSAP256DER, model.AlgECDSAP256Raw} {
					sig := der(r, s)
					if alg == model.AlgECDSAP256Raw {
						sig = raw(r, s)
					}
					if err := sigalg.Verify(alg, pub, msg, sig); err == nil || err.Error() != "BAD_SIGNATURE: ECDSA signature is not low-S" {
						t.Fatalf("%s high-S: %v", alg, err)
					}
				}
				s = new(big.Int).Sub(n, s)
			}
			if err := sigalg.Verify(model.AlgECDSAP256DER, pub, msg, der(r, s)); err != nil {
				t.Fatalf("DER: %v", err)
			}
			if err := sigalg.Verify(model.AlgECDSAP256Raw, pub, msg, raw(r, s)); err != nil {
				t.Fatalf("raw: %v", err)
			}
			if err := sigalg.Verify(model.AlgECDSAP256DER, pub, []byte(v.msg+"."), der(r, s)); err == nil {
				t.Fatal("verified over another message")
			}
		})
	}
}

func TestVerifyRejectsEncodings(t *testing.T) {
	pub := &ecdsa.PublicKey{Curve: elliptic.P256(),
		X: bigHex("60FED4BA255A9D31C961EB74C6356D68C049B8923B61FA6CE669622E60F29FB6"),
		Y: bigHex("7903FE1008B8BC99A41AE9E95628BC64F2F1B20C2D7E9F5177A3C294D4462299")}
	r := bigHex("F1ABB023518351CD71D881567B1EA663ED3EFCF6C5132B354F28D3B0B7D38367")
	s := bigHex("019F4113742A2B14BD25926B49C649155F267E60D3814B4C0CC84250E46F0083")
	good, _ := asn1.Marshal(struct{ R, S *big.Int }{r, s})
	// BER long-form length: same values, non-canonical encoding.
	ber := append([]byte{0x30, 0x81, byte(len(good) - 2)}, good[2:]...)
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), nil)
	for _, c := range []struct {
		name string
		alg  model.Algorithm
		pub  any
		sig  []byte
		want string
	}{
		{"trailing byte", model.AlgECDSAP256DER, pub, append(append([]byte{}, good...), 0), "BAD_SIGNATURE: ECDSA signature is not one DER SEQUENCE of two INTEGERs"},
		{"BER length (encoding/asn1 is DER-strict)", model.AlgECDSAP256DER, pub, ber, "BAD_SIGNATURE: ECDSA signature is not one DER SEQUENCE of two INTEGERs"},
		{"raw too short", model.AlgECDSAP256Raw, pub, make([]byte, 63), "BAD_SIGNATURE: raw ECDSA P-256 signature must be 64 bytes, got 63"},
		{"raw zero", model.AlgECDSAP256Raw, pub, make([]byte, 64), "BAD_SIGNATURE: ECDSA signature values out of range"},
		{"ed25519 length", model.AlgEd25519, ed25519.PublicKey(make([]byte, 32)), make([]byte, 63), "BAD_SIGNATURE: Ed25519 signature must be 64 bytes, got 63"},
		{"P-384 key", model.AlgECDSAP256DER, &p384.PublicKey, good, "BAD_CERTIFICATE: algorithm ECDSA_P256_SHA256_DER needs an ECDSA P-256 key"},
		{"unknown", "HMAC", pub, good, `UNKNOWN_ALGORITHM: algorithm "HMAC" is not supported`},
	} {
		t.Run(c.name, func(t *testing.T) {
			if err := sigalg.Verify(c.alg, c.pub, []byte("test"), c.sig); err == nil || err.Error() != c.want {
				t.Fatalf("got %v want %s", err, c.want)
			}
		})
	}
}
