package contract

import (
	"bytes"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/hyperledger/fabric-contract-api-go/v2/contractapi"

	"github.com/qrsign/qrsign/chaincode/certchain"
	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/chaincode/payload"
)

// RegisterSignerCA makes a CA certificate a trust anchor for signers of the
// submitter's org. Only an admin of that org may call it.
func (c *Contract) RegisterSignerCA(ctx contractapi.TransactionContextInterface, request string) (string, error) {
	out, err := registerSignerCA(ctx, request)
	return out, asError(err)
}

func registerSignerCA(ctx contractapi.TransactionContextInterface, request string) (string, error) {
	t, err := begin(ctx)
	if err != nil {
		return "", err
	}
	var req model.RegisterSignerCARequest
	if err := model.Decode([]byte(request), &req); err != nil {
		return "", err
	}
	if err := t.requireAdmin(); err != nil {
		return "", err
	}
	cert, err := parseOnePEM(req.CertPEM, "CERTIFICATE", model.CodeBadCertificate)
	if err != nil {
		return "", err
	}
	ca, err := x509.ParseCertificate(cert)
	if err != nil {
		return "", model.Errorf(model.CodeBadCertificate, "certPem: %v", err)
	}
	if !ca.BasicConstraintsValid || !ca.IsCA || ca.KeyUsage&x509.KeyUsageCertSign == 0 {
		return "", model.Errorf(model.CodeBadCertificate, "certPem is not a CA certificate (needs basicConstraints CA:TRUE and keyCertSign)")
	}
	if err := certchain.CheckValidity(t.now, ca); err != nil {
		return "", err
	}
	info := model.SignerCA{Fingerprint: payload.Fingerprint(ca.Raw), Subject: ca.Subject.String(),
		CertPEM: string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ca.Raw})), NotAfter: ca.NotAfter.UTC()}
	var existing model.SignerCA
	if found, err := t.getJSON(caKey(t.msp, info.Fingerprint), &existing); err != nil {
		return "", err
	} else if found {
		return "", model.Errorf(model.CodeCAExists, "CA %s is already registered for %s", info.Fingerprint, t.msp)
	}
	return t.emitOrgEvent(model.EventSignerCARegistered, func(e *model.Event) { e.CA = &info }, caKey(t.msp, info.Fingerprint), info)
}

// PublishCRL records the latest CRL of one of the submitter's org's
// registered CAs. Only an admin of that org may call it.
func (c *Contract) PublishCRL(ctx contractapi.TransactionContextInterface, request string) (string, error) {
	out, err := publishCRL(ctx, request)
	return out, asError(err)
}

func publishCRL(ctx contractapi.TransactionContextInterface, request string) (string, error) {
	t, err := begin(ctx)
	if err != nil {
		return "", err
	}
	var req model.PublishCRLRequest
	if err := model.Decode([]byte(request), &req); err != nil {
		return "", err
	}
	if err := req.Validate(); err != nil {
		return "", err
	}
	if err := t.requireAdmin(); err != nil {
		return "", err
	}
	var caInfo model.SignerCA
	if found, err := t.getJSON(caKey(t.msp, req.CAFingerprint), &caInfo); err != nil {
		return "", err
	} else if !found {
		return "", model.Errorf(model.CodeCANotFound, "no CA %s is registered for %s", req.CAFingerprint, t.msp)
	}
	ca, err := parseCA(caInfo)
	if err != nil {
		return "", err
	}
	info, err := t.parseCRL(req, ca)
	if err != nil {
		return "", err
	}
	var cur model.CRLInfo
	found, err := t.getJSON(crlKey(t.msp, req.CAFingerprint), &cur)
	if err != nil {
		return "", err
	}
	if found {
		if err := newerCRL(&cur, &info); err != nil {
			return "", err
		}
	}
	return t.emitOrgEvent(model.EventCRLPublished, func(e *model.Event) { e.CRL = &info }, crlKey(t.msp, req.CAFingerprint), info)
}

// parseCRL accepts one PEM CRL signed by ca, dated plausibly against the
// tx time, and returns what the ledger records of it.
func (t *txn) parseCRL(req model.PublishCRLRequest, ca certchain.Anchor) (model.CRLInfo, error) {
	der, err := parseOnePEM(req.CRLPEM, "X509 CRL", model.CodeBadCRL)
	if err != nil {
		return model.CRLInfo{}, err
	}
	crl, err := certchain.ParseCRL(der, ca)
	if err != nil {
		return model.CRLInfo{}, err
	}
	if crl.ThisUpdate.After(t.now.Add(MaxCRLClockSkew)) {
		return model.CRLInfo{}, model.Errorf(model.CodeBadCRL, "CRL thisUpdate %s is more than %v after the transaction time %s",
			crl.ThisUpdate.UTC().Format(time.RFC3339), MaxCRLClockSkew, t.now.Format(time.RFC3339))
	}
	if !crl.NextUpdate.IsZero() && !crl.NextUpdate.After(crl.ThisUpdate) {
		return model.CRLInfo{}, model.Errorf(model.CodeBadCRL, "CRL nextUpdate %s is not after its thisUpdate %s",
			crl.NextUpdate.UTC().Format(time.RFC3339), crl.ThisUpdate.UTC().Format(time.RFC3339))
	}
	if crl.Number != nil && crl.Number.Sign() < 0 {
		return model.CRLInfo{}, model.Errorf(model.CodeBadCRL, "CRL number %s is negative", crl.Number)
	}
	info := model.CRLInfo{CAFingerprint: req.CAFingerprint, ThisUpdate: crl.ThisUpdate.UTC(),
		NextUpdate: crl.NextUpdate.UTC(), RevokedSerials: []string{},
		CRLPEM: string(pem.EncodeToMemory(&pem.Block{Type: "X509 CRL", Bytes: crl.Raw}))}
	if crl.Number != nil {
		info.Number = crl.Number.String()
	}
	for _, r := range crl.RevokedCertificateEntries {
		info.RevokedSerials = append(info.RevokedSerials, r.SerialNumber.Text(16))
	}
	sort.Strings(info.RevokedSerials)
	info.RevokedSerials = dedupSorted(info.RevokedSerials)
	return info, nil
}

// MaxCRLClockSkew is how far a CRL's thisUpdate may be ahead of the
// transaction time (clocks of the CA and the submitting client differ).
const MaxCRLClockSkew = 5 * time.Minute

// newerCRL enforces that CRLs only move forward: by CRL number when both carry
// one (RFC 5280), else by thisUpdate (Fabric CA's gencrl writes no number).
func newerCRL(cur, next *model.CRLInfo) error {
	if cur.Number != "" && next.Number != "" {
		if cmpDecimal(next.Number, cur.Number) <= 0 {
			return model.Errorf(model.CodeBadCRL, "CRL number %s does not increase over the published %s", next.Number, cur.Number)
		}
		return nil
	}
	if cur.Number != "" && next.Number == "" {
		return model.Errorf(model.CodeBadCRL, "CRL has no number; the published one has number %s", cur.Number)
	}
	if !next.ThisUpdate.After(cur.ThisUpdate) {
		return model.Errorf(model.CodeBadCRL, "CRL thisUpdate %s is not after the published %s",
			next.ThisUpdate.Format("2006-01-02T15:04:05Z"), cur.ThisUpdate.Format("2006-01-02T15:04:05Z"))
	}
	return nil
}

// cmpDecimal compares non-negative decimal strings without leading zeros.
func cmpDecimal(a, b string) int {
	if len(a) != len(b) {
		if len(a) < len(b) {
			return -1
		}
		return 1
	}
	return strings.Compare(a, b)
}

func dedupSorted(s []string) []string {
	out := s[:0]
	for i, v := range s {
		if i == 0 || v != s[i-1] {
			out = append(out, v)
		}
	}
	return out
}

// parseOnePEM accepts exactly one PEM block of the given type and nothing else.
func parseOnePEM(text, typ string, code model.Code) ([]byte, error) {
	b, rest := pem.Decode([]byte(text))
	if b == nil || b.Type != typ || len(b.Headers) != 0 || len(bytes.TrimSpace(rest)) != 0 ||
		!bytes.HasPrefix(bytes.TrimSpace([]byte(text)), []byte("-----BEGIN ")) {
		return nil, model.Errorf(code, "expected exactly one PEM %s block", typ)
	}
	return b.Bytes, nil
}

// orgEventCount is the next Seq of the org's event stream, from the org's
// counter key; nextOrgSeq writes it. Ledgers written before the counter
// existed have none: then the stream is counted once. Concurrent admin
// transactions of one org conflict on the counter, which is rare and
// harmless; signatures never read it.
func (t *txn) orgEventCount(msp string) (int, error) {
	b, err := t.stub.GetState(orgSeqKey(msp))
	if err != nil {
		return 0, internal("read %s: %v", orgSeqKey(msp), err)
	}
	if b != nil {
		n, err := strconv.Atoi(string(b))
		if err != nil || n < 0 {
			return 0, internal("counter %s holds %q", orgSeqKey(msp), clip(string(b)))
		}
		return n, nil
	}
	n := 0
	err = t.scan(orgEventPrefix(msp), func(string, []byte) error { n++; return nil })
	return n, err
}

func (t *txn) setOrgEventCount(msp string, n int) error {
	return t.put(orgSeqKey(msp), []byte(strconv.Itoa(n)))
}

// emitOrgEvent appends the next event of the submitter's org stream (fill
// sets its CA or CRL), writes key = value, and emits.
func (t *txn) emitOrgEvent(typ model.EventType, fill func(*model.Event), key string, value any) (string, error) {
	seq, err := t.orgEventCount(t.msp)
	if err != nil {
		return "", err
	}
	if err := t.setOrgEventCount(t.msp, seq+1); err != nil {
		return "", err
	}
	e := t.event(typ, "", seq)
	e.MSPID = t.msp
	fill(&e)
	t.events = append(t.events, e)
	if err := t.putJSON(key, value); err != nil {
		return "", err
	}
	return t.emit(nil)
}

// orgCAs loads the org's registered signer CAs in fingerprint order.
func (t *txn) orgCAs(msp string) ([]certchain.Anchor, error) {
	if cas, ok := t.cas[msp]; ok {
		return cas, nil
	}
	var out []certchain.Anchor
	err := t.scan(caPrefix(msp), func(k string, v []byte) error {
		var info model.SignerCA
		if err := json.Unmarshal(v, &info); err != nil {
			return internal("decode %s: %v", k, err)
		}
		ca, err := parseCA(info)
		if err != nil {
			return err
		}
		out = append(out, ca)
		return nil
	})
	if err == nil {
		if t.cas == nil {
			t.cas = map[string][]certchain.Anchor{}
		}
		t.cas[msp] = out
	}
	return out, err
}

// GetOrgTrust returns an org's registered signer CAs and latest CRLs.
func (c *Contract) GetOrgTrust(ctx contractapi.TransactionContextInterface, mspID string) (string, error) {
	out, err := getOrgTrust(ctx, mspID)
	return out, asError(err)
}

func getOrgTrust(ctx contractapi.TransactionContextInterface, mspID string) (string, error) {
	if !model.ValidID(mspID) {
		return "", model.Errorf(model.CodeInvalidField, "mspId %q is not a valid MSP id", clip(mspID))
	}
	t := &txn{stub: ctx.GetStub()}
	res := model.OrgTrust{MSPID: mspID, CAs: []model.SignerCA{}, CRLs: []model.CRLInfo{}}
	err := t.scan(caPrefix(mspID), func(k string, v []byte) error {
		var ca model.SignerCA
		if err := json.Unmarshal(v, &ca); err != nil {
			return internal("decode %s: %v", k, err)
		}
		res.CAs = append(res.CAs, ca)
		return nil
	})
	if err != nil {
		return "", err
	}
	err = t.scan(crlPrefix(mspID), func(k string, v []byte) error {
		var crl model.CRLInfo
		if err := json.Unmarshal(v, &crl); err != nil {
			return internal("decode %s: %v", k, err)
		}
		res.CRLs = append(res.CRLs, crl)
		return nil
	})
	if err != nil {
		return "", err
	}
	return jsonResult(res)
}
