package main

import (
	"crypto/x509"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/qrsign/qrsign/chaincode/text"
	"github.com/qrsign/qrsign/relay/evidence"
	"github.com/qrsign/qrsign/relay/signer/keystore"
	"github.com/qrsign/qrsign/relay/verify"
)

// cmdVerifyEvidence checks an evidence bundle offline:
//
//	qrsign verify-evidence BUNDLE [DOCUMENT] --ca MSPID=FILE... --orderer-ca MSPID=FILE... --endorsing-orgs N [--accept-unwitnessed] [--now RFC3339] [--json]
//
// It trusts only the roots given; exit 0 only when every check passes, 6 otherwise.
func cmdVerifyEvidence(args []string, stdout, stderr io.Writer) (err error) {
	defer func() { // a hostile bundle must end in NOT VERIFIED, never a crash
		if p := recover(); p != nil {
			err = fmt.Errorf("%w: the verifier could not process the bundle: %v", errUnverified, p)
		}
	}()
	fs := flag.NewFlagSet("qrsign verify-evidence", flag.ContinueOnError)
	fs.SetOutput(stderr)
	orgs := &mspValues{name: "FILE"}
	fs.Var(orgs, "ca", "MSPID=FILE: PEM root(s) of a member org; its signers, peers and clients must chain to them (repeatable)")
	orderers := &mspValues{name: "FILE"}
	fs.Var(orderers, "orderer-ca", "MSPID=FILE: PEM root(s) of an ordering org; block signatures must chain to them (repeatable)")
	minOrgs := fs.Int("endorsing-orgs", 0, "distinct member orgs that must endorse each transaction: the channel's endorsement policy (required)")
	unwitnessed := fs.Bool("accept-unwitnessed", false, "accept a bundle without a freshness witness (assembled from peer CLI output), taking the peer's word that its last transaction is valid")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	nowText := fs.String("now", "", "the verifier's clock (RFC 3339; default: now): a witness dated after it + 5 min is refused; set it to re-check an old bundle reproducibly")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) < 1 || len(pos) > 2 {
		return usageError{"verify-evidence needs a bundle file and optionally the document file"}
	}
	if len(orgs.kv) == 0 || len(orderers.kv) == 0 {
		return usageError{"verify-evidence needs --ca MSPID=FILE for the member orgs and --orderer-ca MSPID=FILE: it trusts nothing else"}
	}
	if *minOrgs <= 0 {
		return usageError{"verify-evidence needs --endorsing-orgs N, the number of distinct orgs the channel's endorsement policy requires (a positive number; it is not derived from the --ca roots)"}
	}
	trust := evidence.Trust{MinEndorsingOrgs: *minOrgs, AcceptUnwitnessed: *unwitnessed}
	if *nowText != "" {
		if trust.Now, err = time.Parse(time.RFC3339Nano, *nowText); err != nil {
			return usageError{fmt.Sprintf("verify-evidence --now wants an RFC 3339 time (2026-11-24T20:00:00Z), not %q", *nowText)}
		}
	}
	if trust.Orgs, err = loadRoots(orgs); err != nil {
		return err
	}
	if trust.Orderers, err = loadRoots(orderers); err != nil {
		return err
	}
	raw, err := os.ReadFile(pos[0])
	if err != nil {
		return err
	}
	b, err := evidence.Decode(raw)
	if err != nil {
		return fmt.Errorf("%w: %s: %v", errUnverified, pos[0], err)
	}
	var doc []byte
	if len(pos) == 2 {
		if doc, err = os.ReadFile(pos[1]); err != nil {
			return err
		}
	}
	rep := evidence.Verify(b, trust, doc)
	if *asJSON {
		json.NewEncoder(stdout).Encode(struct {
			*evidence.Report
			OK bool `json:"ok"`
		}{rep, rep.OK()})
	} else {
		printEvidence(stdout, rep)
	}
	if !rep.OK() {
		return fmt.Errorf("%w: %d of %d checks failed", errUnverified, len(rep.Failures()), len(rep.Checks))
	}
	return nil
}

// printEvidence writes one line per check and a verdict line in the
// terminal's language: names from the checks' codes, what passed from their
// params (relay/verify's checks as `qrsign verify` says them); a failure's
// diagnostics stay as the verifier wrote them.
func printEvidence(w io.Writer, rep *evidence.Report) {
	// The bundle's text (ids, fingerprints, a failure's diagnostics) is
	// shown escaped: it must not paint a verdict of its own on a terminal.
	fmt.Fprint(w, tr("ev.header", text.Escape(rep.DocumentID)))
	for _, c := range rep.Checks {
		mark := tr("checkOK")
		if !c.OK {
			mark = tr("checkFail")
		}
		fmt.Fprintf(w, "  %s %s: %s\n", mark, text.Escape(evidenceCheckName(c)), text.Escape(evidenceCheckDetail(c)))
	}
	if rep.OK() {
		fmt.Fprint(w, tr("ev.verified", len(rep.Checks)))
	} else {
		fmt.Fprint(w, tr("ev.notVerified", len(rep.Failures()), len(rep.Checks)))
	}
}

// evidenceCheckName says an evidence check in the terminal's language.
func evidenceCheckName(c evidence.Check) string {
	p := c.Params
	switch c.Code {
	case evidence.CheckFormat:
		return tr("ev.format")
	case evidence.CheckDocumentFile:
		return tr("ev.documentFile")
	case evidence.CheckTx:
		return tr("ev.tx", p["tx"])
	case evidence.CheckTxEnvelope:
		return tr("ev.txEnvelope", p["tx"])
	case evidence.CheckTxCreator:
		return tr("ev.txCreator", p["tx"])
	case evidence.CheckTxEndorsements:
		return tr("ev.txEndorsements", p["tx"])
	case evidence.CheckTxBlock:
		return tr("ev.txBlock", p["tx"])
	case evidence.CheckTxValidationCode:
		return tr("ev.txValidationCode", p["tx"])
	case evidence.CheckBlocks:
		return tr("ev.blocks")
	case evidence.CheckEventsProven:
		return tr("ev.eventsProven")
	case evidence.CheckBundleDocumentHash:
		return tr("ev.bundleDocumentHash")
	case evidence.CheckReadChain:
		return tr("ev.readChain")
	case evidence.CheckLastTxValidity:
		return tr("ev.lastTxValidity")
	case evidence.CheckFinalState:
		return tr("ev.finalState")
	case evidence.CheckPDFRevision:
		return tr("ev.pdfRevision", p["revision"])
	case evidence.CheckCA:
		if p["i"] == "" { // named by an event, missing from the bundle
			return tr("ev.caOf", p["msp"])
		}
		return tr("ev.ca", p["i"], p["msp"])
	case evidence.CheckCRL:
		if p["i"] == "" { // in the bundle, named by no event
			return tr("ev.crlOf", p["msp"])
		}
		return tr("ev.crl", p["i"], p["msp"])
	case evidence.CheckRevocation:
		return tr("ev.revocation", p["seq"])
	}
	return checkName(verify.Check(c))
}

// evidenceCheckDetail says what a passed evidence check found in the
// terminal's language.
func evidenceCheckDetail(c evidence.Check) string {
	p := c.Params
	if !c.OK {
		return c.Detail
	}
	switch c.Code {
	case evidence.CheckFormat:
		return p["format"]
	case evidence.CheckDocumentFile:
		if p["revision"] == "" {
			return tr("ev.documentFileOK", p["sha256"])
		}
		d := tr("ev.documentFileRevisionOK", p["sha256"], p["revision"])
		if p["latest"] == "false" {
			d += tr("ev.laterRevisions")
		}
		return d
	case evidence.CheckTxEnvelope:
		return tr("ev.txEnvelopeOK", p["channel"], p["chaincode"], p["submitted"])
	case evidence.CheckTxCreator:
		return tr("ev.txCreatorOK", p["msp"], p["cn"])
	case evidence.CheckTxEndorsements:
		return endorsementsText(p)
	case evidence.CheckTxBlock:
		return tr("ev.txBlockOK", p["entry"], p["block"], p["headerHash"], p["signers"])
	case evidence.CheckTxValidationCode:
		return tr("ev.txValidationCodeOK")
	case evidence.CheckBlocks:
		return tr("ev.blocksOK", p["n"])
	case evidence.CheckEventsProven:
		return tr("ev.eventsProvenOK", p["n"], p["prefix"])
	case evidence.CheckBundleDocumentHash:
		return tr("ev.bundleDocumentHashOK", p["sha256"])
	case evidence.CheckReadChain:
		return tr("ev.readChainOK", p["n"], p["key"])
	case evidence.CheckLastTxValidity:
		if p["unwitnessed"] == "true" {
			return tr("ev.unwitnessedOK", p["tx"])
		}
		envelope := tr("ev.envelopeUnsigned")
		if p["signed"] == "true" {
			envelope = tr("ev.envelopeSigned")
		}
		return tr("ev.witnessOK", p["witness"], p["creator"], envelope, p["date"], p["key"], p["block"], p["index"], p["tx"]) +
			endorsementsText(p)
	case evidence.CheckFinalState:
		return tr("ev.finalStateOK", p["key"], p["tx"])
	case evidence.CheckPDFRevision:
		by := tr("ev.byRegistration")
		switch p["by"] {
		case "dss":
			by = tr("ev.byDSS")
		case "signature":
			by = tr("ev.bySignature", p["signer"])
		}
		d := tr("ev.pdfRevisionOK", p["end"], p["sha256"], by, p["seq"], p["tx"])
		switch p["increment"] {
		case "dss":
			d += tr("ev.dssIncrement", p["certs"], p["crls"])
		case "signature":
			d += tr("ev.signatureIncrement")
		}
		return d
	case evidence.CheckCA:
		return tr("ev.caOK", p["cn"], p["fp"], p["root"], p["msp"])
	case evidence.CheckCRL:
		return tr("ev.crlOK", p["number"], p["thisUpdate"], p["revoked"], p["ca"])
	case evidence.CheckRevocation:
		return tr("ev.revocationOK", p["serials"], p["number"], p["thisUpdate"], p["msp"])
	}
	return checkDetail(verify.Check(c))
}

// endorsementsText says what checking a transaction's endorsements found.
func endorsementsText(p map[string]string) string {
	return tr("ev.endorsementsOK", p["n"], p["orgs"], p["orgCount"], p["need"], p["given"])
}

func loadRoots(m *mspValues) (map[string][]*x509.Certificate, error) {
	out := map[string][]*x509.Certificate{}
	for _, kv := range m.kv {
		b, err := os.ReadFile(kv[1])
		if err != nil {
			return nil, err
		}
		cs, err := keystore.ParseCerts(b)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", kv[1], err)
		}
		out[kv[0]] = append(out[kv[0]], cs...)
	}
	return out, nil
}

// cmdEvidence is `qrsign evidence assemble`: a bundle from peer CLI outputs,
// for an auditor without a relay.
//
//	qrsign evidence assemble --history FILE --block FILE... --org-history FILE... [-o OUT]
func cmdEvidence(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "assemble" {
		return usageError{"evidence needs a subcommand: assemble"}
	}
	fs := flag.NewFlagSet("qrsign evidence assemble", flag.ContinueOnError)
	fs.SetOutput(stderr)
	history := fs.String("history", "", "output of the chaincode's GetHistory for the document")
	var blocks, orgHist files
	fs.Var(&blocks, "block", "qscc GetBlockByTxID output (--hex) or a raw block file, one per transaction (repeatable)")
	fs.Var(&orgHist, "org-history", "output of the chaincode's GetOrgHistory for a signer's org (repeatable)")
	out := fs.String("o", "", "write the bundle here (default: standard output)")
	pos, err := parse(fs, args[1:])
	if err != nil {
		return err
	}
	if len(pos) != 0 || *history == "" || len(blocks) == 0 {
		return usageError{"evidence assemble needs --history and at least one --block"}
	}
	read := func(names []string) ([][]byte, error) {
		var all [][]byte
		for _, n := range names {
			b, err := os.ReadFile(n)
			if err != nil {
				return nil, err
			}
			all = append(all, b)
		}
		return all, nil
	}
	hb, err := os.ReadFile(*history)
	if err != nil {
		return err
	}
	bb, err := read(blocks)
	if err != nil {
		return err
	}
	ob, err := read(orgHist)
	if err != nil {
		return err
	}
	bundle, err := evidence.FromPeerOutputs(hb, bb, ob)
	if err != nil {
		return err
	}
	js, err := json.MarshalIndent(bundle, "", "  ")
	if err != nil {
		return err
	}
	js = append(js, '\n')
	if *out == "" {
		_, err = stdout.Write(js)
		return err
	}
	if err := os.WriteFile(*out, js, 0o644); err != nil {
		return err
	}
	fmt.Fprint(stderr, tr("wroteEvidence", *out, len(bundle.Events), len(bundle.Transactions), len(js)))
	return nil
}
