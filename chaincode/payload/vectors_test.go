package payload_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"os"
	"reflect"
	"testing"
	"time"

	"github.com/qrsign/qrsign/chaincode/merkle"
	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/chaincode/payload"
	"github.com/qrsign/qrsign/chaincode/sigalg"
	"github.com/qrsign/qrsign/chaincode/testpki"
)

const vectorsFile = "testdata/vectors.json"

// Vectors is the layout of testdata/vectors.json, for implementers of the
// payload in other languages: inputs, exact payload bytes, and a signature by
// a published test key whose certificate is included.
type Vectors struct {
	Comment string          `json:"comment"`
	CACert  string          `json:"caCertPem"`
	Keys    map[string]VKey `json:"keys"`
	Cases   []VectorCase    `json:"vectors"`
}

// VKey is a published TEST key and its certificate (issued by CACert).
type VKey struct {
	PrivateKeyPKCS8 string `json:"privateKeyPkcs8Pem"`
	CertPEM         string `json:"certPem"`
	CertFingerprint string `json:"certFingerprint"`
}

// VectorCase is one input and its expected payload and signature.
type VectorCase struct {
	Name          string          `json:"name"`
	Key           string          `json:"key"`
	Algorithm     model.Algorithm `json:"algorithm"`
	Fields        payload.Fields  `json:"fields"`
	PayloadText   string          `json:"payloadText"`
	PayloadHex    string          `json:"payloadHex"`
	PayloadSHA256 string          `json:"payloadSha256"`
	Signature     string          `json:"signature"` // standard base64
}

func TestVectors(t *testing.T) {
	b, err := os.ReadFile(vectorsFile)
	if err != nil {
		t.Fatal(err)
	}
	var v Vectors
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	ca := mustCert(t, v.CACert)
	seen := map[model.Algorithm]bool{}
	purposes := map[payload.Purpose]bool{}
	for _, c := range v.Cases {
		t.Run(c.Name, func(t *testing.T) {
			k := v.Keys[c.Key]
			cert := mustCert(t, k.CertPEM)
			if payload.Fingerprint(cert.Raw) != k.CertFingerprint || c.Fields.SignerFingerprint != k.CertFingerprint {
				t.Fatal("fingerprint mismatch")
			}
			if err := cert.CheckSignatureFrom(ca); err != nil {
				t.Fatal(err)
			}
			got, err := payload.Build(c.Fields)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != c.PayloadText || hex.EncodeToString(got) != c.PayloadHex {
				t.Fatalf("Build = %q\nwant    %q", got, c.PayloadText)
			}
			sum := sha256.Sum256(got)
			if hex.EncodeToString(sum[:]) != c.PayloadSHA256 {
				t.Fatal("payload sha256 mismatch")
			}
			back, err := payload.Parse(got)
			if err != nil || !reflect.DeepEqual(back, c.Fields) {
				t.Fatalf("Parse = %+v, %v", back, err)
			}
			sig, err := base64.StdEncoding.Strict().DecodeString(c.Signature)
			if err != nil {
				t.Fatal(err)
			}
			if err := sigalg.Verify(c.Algorithm, cert.PublicKey, got, sig); err != nil {
				t.Fatal(err)
			}
			// The private key published is the certificate's.
			if !publicOf(t, k.PrivateKeyPKCS8).(interface{ Equal(crypto.PublicKey) bool }).Equal(cert.PublicKey) {
				t.Fatal("private key does not match the certificate")
			}
			seen[c.Algorithm], purposes[c.Fields.Purpose] = true, true
		})
	}
	if len(seen) != 3 || !purposes[payload.PurposeSign] || !purposes[payload.PurposeDecline] || !purposes[payload.PurposeAnnotate] ||
		!purposes[payload.PurposeBatchSign] || !purposes[payload.PurposeBatchDecline] {
		t.Fatalf("vectors cover algorithms %v purposes %v", seen, purposes)
	}
}

func mustCert(t *testing.T, p string) *x509.Certificate {
	t.Helper()
	b, _ := pem.Decode([]byte(p))
	if b == nil {
		t.Fatal("no PEM")
	}
	c, err := x509.ParseCertificate(b.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func publicOf(t *testing.T, p string) crypto.PublicKey {
	t.Helper()
	b, _ := pem.Decode([]byte(p))
	k, err := x509.ParsePKCS8PrivateKey(b.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return k.(crypto.Signer).Public()
}

// TestWriteVectors regenerates testdata/vectors.json. It ran once; the file
// is committed and must not change (ECDSA signatures are randomized, so a
// rerun changes them). Run with QRSIGN_WRITE_VECTORS=1 only when adding cases.
func TestWriteVectors(t *testing.T) {
	if os.Getenv("QRSIGN_WRITE_VECTORS") != "1" {
		t.Skip("set QRSIGN_WRITE_VECTORS=1 to regenerate " + vectorsFile)
	}
	d := sha256.Sum256([]byte("qrsign test vector ECDSA P-256 key"))
	ek, err := ecdsa.ParseRawPrivateKey(elliptic.P256(), d[:])
	if err != nil {
		t.Fatal(err)
	}
	seed := sha256.Sum256([]byte("qrsign test vector Ed25519 key"))
	edk := ed25519.NewKeyFromSeed(seed[:])
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	ca := testpki.NewCA("qrsign test vectors CA", start, start.AddDate(10, 0, 0))
	keys := map[string]VKey{}
	signers := map[string]crypto.Signer{"ecdsa-p256": ek, "ed25519": edk}
	for name, k := range signers {
		cert, _ := ca.Issue(testpki.Leaf{CN: "vector-signer", Key: k})
		der, err := x509.MarshalPKCS8PrivateKey(k)
		if err != nil {
			t.Fatal(err)
		}
		keys[name] = VKey{PrivateKeyPKCS8: string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})),
			CertPEM: testpki.PEM(cert), CertFingerprint: payload.Fingerprint(cert.Raw)}
	}
	docSHA := sha256.Sum256([]byte("qrsign test document\n"))
	base := payload.Fields{Channel: "qrsign", DocumentID: "contract-2026-001", DocumentSHA256: hex.EncodeToString(docSHA[:]),
		Nonce: "00112233445566778899aabbccddeeff"}
	mk := func(name, key string, alg model.Algorithm, f payload.Fields) VectorCase {
		f.SignerFingerprint = keys[key].CertFingerprint
		msg, err := payload.Build(f)
		if err != nil {
			t.Fatal(err)
		}
		sig, err := sigalg.Sign(alg, signers[key], msg)
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(msg)
		return VectorCase{Name: name, Key: key, Algorithm: alg, Fields: f, PayloadText: string(msg),
			PayloadHex: hex.EncodeToString(msg), PayloadSHA256: hex.EncodeToString(sum[:]),
			Signature: base64.StdEncoding.EncodeToString(sig)}
	}
	with := func(p payload.Purpose, mod func(*payload.Fields)) payload.Fields {
		f := base
		f.Purpose = p
		if mod != nil {
			mod(&f)
		}
		return f
	}
	v := Vectors{
		Comment: "qrsign canonical payload v1 test vectors; see chaincode/README.md. The keys are PUBLISHED TEST KEYS: never trust them. " +
			"Ed25519 signatures are deterministic (reproduce them exactly); ECDSA signatures are randomized (verify them).",
		CACert: ca.PEM(), Keys: keys,
		Cases: []VectorCase{
			mk("sign-ecdsa-der", "ecdsa-p256", model.AlgECDSAP256DER, with(payload.PurposeSign, nil)),
			mk("sign-ecdsa-raw", "ecdsa-p256", model.AlgECDSAP256Raw, with(payload.PurposeSign, nil)),
			mk("sign-ed25519", "ed25519", model.AlgEd25519, with(payload.PurposeSign, nil)),
			mk("decline-ecdsa-der-utf8-reason", "ecdsa-p256", model.AlgECDSAP256DER, with(payload.PurposeDecline, func(f *payload.Fields) {
				f.Reason = "Clause 4 is wrong.\nPlease fix — merci: 5€"
			})),
			mk("decline-ed25519-empty-reason", "ed25519", model.AlgEd25519, with(payload.PurposeDecline, nil)),
			mk("annotate-ed25519-tags-and-note", "ed25519", model.AlgEd25519, with(payload.PurposeAnnotate, func(f *payload.Fields) {
				f.Tags, f.Note = []string{"urgent", "hr"}, "Reviewed by legal ✓"
			})),
			mk("annotate-ecdsa-raw-note-only", "ecdsa-p256", model.AlgECDSAP256Raw, with(payload.PurposeAnnotate, func(f *payload.Fields) {
				f.Note = "no tags: tags=0: is still present"
			})),
		},
	}
	v.Cases = append(v.Cases, batchVectors(mk)...)
	out, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(vectorsFile, append(out, '\n'), 0o644); err != nil {
		t.Fatal(err)
	}
}

// batchVectors are the batch cases, added after the file was first written:
// batch-sign and batch-decline over three documents, the Merkle root (RFC
// 9162) of their SHA-256 hashes, size 3.
func batchVectors(mk func(name, key string, alg model.Algorithm, f payload.Fields) VectorCase) []VectorCase {
	var leaves [][32]byte
	for _, d := range []string{"batch document 1\n", "batch document 2\n", "batch document 3\n"} {
		leaves = append(leaves, sha256.Sum256([]byte(d)))
	}
	root, err := merkle.Root(leaves)
	if err != nil {
		panic(err)
	}
	f := payload.Fields{Purpose: payload.PurposeBatchSign, Channel: "qrsign", DocumentID: "batch-2026-001",
		DocumentSHA256: merkle.Hex(root), Nonce: "ffeeddccbbaa99887766554433221100", Size: len(leaves)}
	d := f
	d.Purpose, d.Nonce, d.Reason = payload.PurposeBatchDecline, "0123456789abcdef0123456789abcdef", "Salary wrong in all three — à revoir"
	return []VectorCase{
		mk("batch-sign-ed25519-3-documents", "ed25519", model.AlgEd25519, f),
		mk("batch-decline-ed25519-3-documents-utf8-reason", "ed25519", model.AlgEd25519, d),
	}
}

// TestAppendVectors adds the batch vectors the file lacks without
// regenerating the others (their keys, certificates and ECDSA signatures stay).
func TestAppendVectors(t *testing.T) {
	if os.Getenv("QRSIGN_APPEND_VECTORS") != "1" {
		t.Skip("set QRSIGN_APPEND_VECTORS=1 to append missing batch vectors to " + vectorsFile)
	}
	b, err := os.ReadFile(vectorsFile)
	if err != nil {
		t.Fatal(err)
	}
	var v Vectors
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	blk, _ := pem.Decode([]byte(v.Keys["ed25519"].PrivateKeyPKCS8))
	k, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	mk := func(name, key string, alg model.Algorithm, f payload.Fields) VectorCase {
		f.SignerFingerprint = v.Keys[key].CertFingerprint
		msg, err := payload.Build(f)
		if err != nil {
			t.Fatal(err)
		}
		sig, err := sigalg.Sign(alg, k.(crypto.Signer), msg)
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(msg)
		return VectorCase{Name: name, Key: key, Algorithm: alg, Fields: f, PayloadText: string(msg),
			PayloadHex: hex.EncodeToString(msg), PayloadSHA256: hex.EncodeToString(sum[:]),
			Signature: base64.StdEncoding.EncodeToString(sig)}
	}
	have := map[string]bool{}
	for _, c := range v.Cases {
		have[c.Name] = true
	}
	for _, c := range batchVectors(mk) {
		if !have[c.Name] {
			v.Cases = append(v.Cases, c)
		}
	}
	out, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(vectorsFile, append(out, '\n'), 0o644); err != nil {
		t.Fatal(err)
	}
}
