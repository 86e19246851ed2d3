package contract

import (
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/qrsign/qrsign/chaincode/internal/fakestub"
	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/chaincode/payload"
	"github.com/qrsign/qrsign/chaincode/sigalg"
)

// BenchmarkRecordSignature is one RecordSignature transaction through the
// contractapi router on the in-memory stub: creator identity, decode, every
// check, the signature and chain verification, the writes and the result.
// Requests are signed and documents registered before the timer starts. One
// signer signs every document, so after the first transaction its chain is
// remembered (chaincache.go) — the common case of a signer's certificate
// used for many documents.
func BenchmarkRecordSignature(b *testing.B) { benchRecord(b, false, 0) }

// BenchmarkRecordSignatureNewCert signs every document with a different
// certificate: every chain is verified from scratch.
func BenchmarkRecordSignatureNewCert(b *testing.B) { benchRecord(b, true, 0) }

// BenchmarkRecordSignatures is RecordSignatures with groups of 16 (the
// relay's group commit under load); an op is one signature, so its ratio is
// the grouped CPU per signature over the bare verification.
func BenchmarkRecordSignatures(b *testing.B) { benchRecord(b, false, 16) }

// benchRecord records b.N signatures: one RecordSignature each (group 0) or
// RecordSignatures of group items each.
func benchRecord(b *testing.B, newCerts bool, group int) {
	w := newWorld(b)
	alice := w.signer("Org1MSP", "alice", 1)
	creator := w.orgs["Org1MSP"].client
	var stubs []*fakestub.Stub
	var items []model.SignatureRequest
	for i := range b.N {
		s := alice
		if newCerts {
			s = w.signer("Org1MSP", "alice", 1)
		}
		id := fmt.Sprintf("bench-%d", i)
		w.register(id, s)
		req := w.sigRequest(s, id, payload.PurposeSign, "", nil, "")
		if group == 0 {
			stubs = append(stubs, w.L.NewTx(w.tick(), creator, "RecordSignature", js(req)))
			continue
		}
		if items = append(items, req); len(items) == group || i == b.N-1 {
			stubs = append(stubs, w.L.NewTx(w.tick(), creator, "RecordSignatures", js(model.SignatureGroupRequest{Items: items})))
			items = nil
		}
	}
	bare := bareVerifier(b, w, alice)
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuTime()
	// Each transaction signs its own document, so none depends on another's
	// writes: the loop measures the chaincode alone, without committing.
	for _, st := range stubs {
		if resp := w.cc.Invoke(st); resp.Status != 200 || strings.Contains(string(resp.Payload), `"code":`) {
			b.Fatal(resp.Message, string(resp.Payload))
		}
	}
	b.StopTimer()
	// The same number of bare verifications, measured in the same run
	// (nested testing.Benchmark would deadlock on the benchmark lock). The
	// ratio uses process CPU time, not wall time: on a shared, loaded machine
	// wall time mostly measures the neighbours.
	cpu1 := cpuTime()
	for range b.N {
		bare()
	}
	cpu2 := cpuTime()
	ratio := float64(cpu1-cpu0) / float64(cpu2-cpu1)
	b.ReportMetric(ratio, "ratio")
	b.ReportMetric(float64(cpu1-cpu0)/float64(b.N), "record-cpu-ns/op")
	b.ReportMetric(float64(cpu2-cpu1)/float64(b.N), "bare-cpu-ns/op")
	if b.N > 1 {
		b.Logf("N=%d group=%d record %v CPU/signature, bare verify %v CPU/op, ratio=%.2f", b.N, group,
			(cpu1-cpu0)/time.Duration(b.N), (cpu2-cpu1)/time.Duration(b.N), ratio)
	}
}

// cpuTime is the CPU time (user + system) the process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		panic(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// bareVerifier returns the floor RecordSignature is compared with: the x509
// chain verification and the ECDSA signature verification alone, on already
// parsed inputs.
func bareVerifier(b *testing.B, w *world, s *signer) func() {
	id := "bare-" + s.spec.ID
	w.register(id, s)
	req := w.sigRequest(s, id, payload.PurposeSign, "", nil, "")
	msg, _ := payload.Build(payload.Fields{Purpose: payload.PurposeSign, Channel: testChannel, DocumentID: id,
		DocumentSHA256: fmt.Sprintf("%064x", len(id)), Nonce: req.Nonce, SignerFingerprint: payload.Fingerprint(s.cert.Raw)})
	sig, _ := base64.StdEncoding.DecodeString(req.Signature)
	roots := x509.NewCertPool()
	roots.AddCert(w.orgs[s.spec.MSPID].ca.Cert)
	opts := x509.VerifyOptions{Roots: roots, CurrentTime: t0, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}
	return func() {
		if _, err := s.cert.Verify(opts); err != nil {
			b.Fatal(err)
		}
		if err := sigalg.Verify(model.AlgECDSAP256DER, s.cert.PublicKey, msg, sig); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBareVerify is the floor alone: x509 chain verification plus the
// ECDSA signature verification.
func BenchmarkBareVerify(b *testing.B) {
	w := newWorld(b)
	bare := bareVerifier(b, w, w.signer("Org1MSP", "alice", 1))
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		bare()
	}
}
