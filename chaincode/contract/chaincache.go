package contract

import (
	"crypto/sha256"
	"crypto/x509"
	"encoding/binary"
	"sync"
	"sync/atomic"
	"time"
)

// A signer's certificate is used for many documents, and the CA's signature
// on it never changes. verifiedChains remembers which registered CA a chain
// verified to, keyed by the chain's DER bytes and the candidate CAs'
// fingerprints: a pure function of its key, like Fabric's own MSP
// identity-validation cache, so it cannot make endorsements differ. Time is
// not part of it: callers check every certificate's validity at the
// transaction time on every call (CheckValidity), the anchor's included, and
// revocation is checked against the ledger every time. Only successes are
// remembered; the map is dropped when it grows past maxVerifiedChains.
var (
	verifiedChains    sync.Map // [32]byte → chainResult
	verifiedCount     atomic.Int64
	maxVerifiedChains = int64(4096)
)

type chainResult struct {
	anchorFP string
	issued   []byte // DER of the certificate the anchor issued (leaf or top intermediate)
}

func chainKey(chain []*x509.Certificate, cas []trustedCA) [32]byte {
	h := sha256.New()
	var n [8]byte
	for _, c := range chain {
		binary.BigEndian.PutUint64(n[:], uint64(len(c.Raw)))
		h.Write(n[:])
		h.Write(c.Raw)
	}
	h.Write([]byte{0})
	for _, ca := range cas {
		h.Write([]byte(ca.info.Fingerprint))
	}
	var k [32]byte
	h.Sum(k[:0])
	return k
}

// verifyChainCached is verifyChain with the memo above. It returns the anchor
// and the certificate the anchor issued (whose serial its CRL lists).
func verifyChainCached(now time.Time, chain []*x509.Certificate, cas []trustedCA) (trustedCA, *x509.Certificate, error) {
	k := chainKey(chain, cas)
	if v, ok := verifiedChains.Load(k); ok {
		r := v.(chainResult)
		for _, ca := range cas {
			if ca.info.Fingerprint != r.anchorFP || CheckValidity(now, ca.cert) != nil {
				continue // an expired anchor: let verifyChain judge, with its errors
			}
			for _, c := range chain {
				if string(c.Raw) == string(r.issued) {
					return ca, c, nil
				}
			}
		}
	}
	ca, path, err := verifyChain(now, chain, cas)
	if err != nil {
		return trustedCA{}, nil, err
	}
	issued := path[len(path)-2]
	if verifiedCount.Add(1) > maxVerifiedChains {
		verifiedChains.Clear()
		verifiedCount.Store(1)
	}
	verifiedChains.Store(k, chainResult{anchorFP: ca.info.Fingerprint, issued: issued.Raw})
	return ca, issued, nil
}
