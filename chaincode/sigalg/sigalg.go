// Package sigalg signs and verifies canonical payloads with the algorithms the
// ledger accepts. Verification is strict: ECDSA signatures must be low-S (as
// Fabric enforces for its own signatures), so each signature has one encoding.
package sigalg

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"

	"github.com/qrsign/qrsign/chaincode/model"
)

var (
	p256N     = elliptic.P256().Params().N
	p256HalfN = new(big.Int).Rsh(p256N, 1)
)

type ecdsaSig struct{ R, S *big.Int }

// Verify checks sig over payload with pub under alg. Errors are *model.Error
// with CodeBadSignature, CodeUnknownAlgorithm or CodeBadCertificate (key of the wrong type).
func Verify(alg model.Algorithm, pub crypto.PublicKey, payload, sig []byte) error {
	switch alg {
	case model.AlgECDSAP256DER, model.AlgECDSAP256Raw:
		k, ok := pub.(*ecdsa.PublicKey)
		if !ok || k.Curve != elliptic.P256() {
			return model.Errorf(model.CodeBadCertificate, "algorithm %s needs an ECDSA P-256 key", alg)
		}
		r, s, err := decodeECDSA(alg, sig)
		if err != nil {
			return err
		}
		if s.Cmp(p256HalfN) > 0 {
			return model.Errorf(model.CodeBadSignature, "ECDSA signature is not low-S")
		}
		h := sha256.Sum256(payload)
		if !ecdsa.Verify(k, h[:], r, s) {
			return model.Errorf(model.CodeBadSignature, "signature does not verify")
		}
		return nil
	case model.AlgEd25519:
		k, ok := pub.(ed25519.PublicKey)
		if !ok {
			return model.Errorf(model.CodeBadCertificate, "algorithm %s needs an Ed25519 key", alg)
		}
		if len(sig) != ed25519.SignatureSize {
			return model.Errorf(model.CodeBadSignature, "Ed25519 signature must be %d bytes, got %d", ed25519.SignatureSize, len(sig))
		}
		if !ed25519.Verify(k, payload, sig) {
			return model.Errorf(model.CodeBadSignature, "signature does not verify")
		}
		return nil
	}
	return model.Errorf(model.CodeUnknownAlgorithm, "algorithm %q is not supported", alg)
}

func decodeECDSA(alg model.Algorithm, sig []byte) (r, s *big.Int, err error) {
	if alg == model.AlgECDSAP256Raw {
		if len(sig) != 64 {
			return nil, nil, model.Errorf(model.CodeBadSignature, "raw ECDSA P-256 signature must be 64 bytes, got %d", len(sig))
		}
		r, s = new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])
	} else {
		var v ecdsaSig
		rest, err := asn1.Unmarshal(sig, &v)
		if err != nil || len(rest) != 0 || v.R == nil || v.S == nil {
			return nil, nil, model.Errorf(model.CodeBadSignature, "ECDSA signature is not one DER SEQUENCE of two INTEGERs")
		}
		// Re-encode to refuse BER variants: one signature, one encoding.
		if again, _ := asn1.Marshal(v); string(again) != string(sig) {
			return nil, nil, model.Errorf(model.CodeBadSignature, "ECDSA signature is not in canonical DER")
		}
		r, s = v.R, v.S
	}
	if r.Sign() <= 0 || s.Sign() <= 0 || r.Cmp(p256N) >= 0 || s.Cmp(p256N) >= 0 {
		return nil, nil, model.Errorf(model.CodeBadSignature, "ECDSA signature values out of range")
	}
	return r, s, nil
}

// Sign signs payload with key under alg, producing low-S ECDSA signatures.
// key is an *ecdsa.PrivateKey (P-256) or an ed25519.PrivateKey.
func Sign(alg model.Algorithm, key crypto.Signer, payload []byte) ([]byte, error) {
	switch alg {
	case model.AlgECDSAP256DER, model.AlgECDSAP256Raw:
		k, ok := key.(*ecdsa.PrivateKey)
		if !ok || k.Curve != elliptic.P256() {
			return nil, errors.New("sigalg: ECDSA algorithms need a P-256 key")
		}
		h := sha256.Sum256(payload)
		r, s, err := ecdsa.Sign(rand.Reader, k, h[:])
		if err != nil {
			return nil, err
		}
		if s.Cmp(p256HalfN) > 0 {
			s.Sub(p256N, s)
		}
		if alg == model.AlgECDSAP256Raw {
			out := make([]byte, 64)
			r.FillBytes(out[:32])
			s.FillBytes(out[32:])
			return out, nil
		}
		return asn1.Marshal(ecdsaSig{r, s})
	case model.AlgEd25519:
		k, ok := key.(ed25519.PrivateKey)
		if !ok {
			return nil, errors.New("sigalg: ED25519 needs an Ed25519 key")
		}
		return ed25519.Sign(k, payload), nil
	}
	return nil, fmt.Errorf("sigalg: unknown algorithm %q", alg)
}

// AlgorithmFor is the default algorithm for a key: DER ECDSA for P-256, Ed25519 for Ed25519.
func AlgorithmFor(pub crypto.PublicKey) (model.Algorithm, error) {
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		if k.Curve == elliptic.P256() {
			return model.AlgECDSAP256DER, nil
		}
	case ed25519.PublicKey:
		return model.AlgEd25519, nil
	}
	return "", errors.New("sigalg: only ECDSA P-256 and Ed25519 keys are supported")
}
