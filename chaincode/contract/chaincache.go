package contract

import (
	"crypto/sha256"
	"crypto/x509"
	"encoding/binary"
	"sync"
	"sync/atomic"
	"time"

	"github.com/qrsign/qrsign/chaincode/certchain"
)

// A signer's certificate is used for many documents, and the CA's signature
// on it never changes. verifiedChains remembers what a chain verified to,
// keyed by the chain's DER bytes and the fingerprints of the CAs valid at the
// transaction time (the anchors x509.Verify was given): a pure function of
// its key, like Fabric's own MSP identity-validation cache, so every peer
// endorses identically whatever its cache holds. Validity is still checked
// on every call (certchain.CheckValidity of every certificate; the CA set in the key
// is the set valid at the tx time), and revocation is read from the ledger
// every time. Only successes are remembered; the map is dropped when it
// grows past maxVerifiedChains.
var (
	verifiedChains    sync.Map // [32]byte → certchain.Verdict
	verifiedCount     atomic.Int64
	maxVerifiedChains = int64(4096)
)

func chainKey(chain []*x509.Certificate, cas []certchain.Anchor) [32]byte {
	h := sha256.New()
	var n [8]byte
	for _, c := range chain {
		binary.BigEndian.PutUint64(n[:], uint64(len(c.Raw)))
		h.Write(n[:])
		h.Write(c.Raw)
	}
	h.Write([]byte{0})
	for _, ca := range cas {
		h.Write([]byte(ca.Fingerprint))
	}
	var k [32]byte
	h.Sum(k[:0])
	return k
}

// verifyChainCached is certchain.Verify over the CAs valid at now, with the memo above.
func verifyChainCached(now time.Time, chain []*x509.Certificate, cas []certchain.Anchor) (certchain.Verdict, error) {
	valid, err := certchain.ValidAnchors(now, cas)
	if err != nil {
		return certchain.Verdict{}, err
	}
	k := chainKey(chain, valid)
	if v, ok := verifiedChains.Load(k); ok {
		return v.(certchain.Verdict), nil
	}
	v, err := certchain.Verify(now, chain, valid)
	if err != nil {
		return certchain.Verdict{}, err
	}
	if verifiedCount.Add(1) > maxVerifiedChains {
		verifiedChains.Clear()
		verifiedCount.Store(1)
	}
	verifiedChains.Store(k, v)
	return v, nil
}
