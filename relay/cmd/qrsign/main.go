// Command qrsign is the signer client (it stands in for the phone app):
//
//	qrsign enroll  --ca URL --ca-tls FILE --id ID --secret S [--home DIR]
//	qrsign scan    <qr.png | url> [--yes] [--json]
//	qrsign decline <qr.png | url> --reason TEXT [--yes] [--json]
//	qrsign verify  <doc-id> --relay URL [--token URL] [--ca-cert MSPID=FILE]... [--channel NAME] [--json]
//	               [--trust-ledger-cas (--ca-fingerprint MSPID=SHA256 | --trust-relay URL)...]
//	qrsign annotate <doc-id> --relay URL [--tag T]... [--note TEXT] [--msp MSPID] [--token URL] [--yes] [--json]
//	qrsign batch upload DIR --relay URL [--api-key K] --signer MSPID/ID[:ORDER]... [--priority N] [--title-prefix P]
//	               (a file named "batch" is refused: the name of the metadata part)
//	qrsign whoami
//	qrsign verify-evidence BUNDLE [DOCUMENT] --ca MSPID=FILE... --orderer-ca MSPID=FILE... --endorsing-orgs N
//	qrsign evidence assemble --history FILE --block FILE... --org-history FILE... [-o OUT]
//	qrsign login <qr.png | url> [--yes] [--json] [--msp MSPID]
//
// The passphrase comes from QRSIGN_PASSPHRASE, else stdin (--passphrase-stdin,
// or whenever stdin is not a terminal: one line), else the terminal.
// Human output shows what the relay or a QR chose escaped (chaincode/text);
// --json output is the relay's answer as is. Requests follow no redirect off
// the relay's origin; a QR image is refused above 4096 px a side.
// Exit codes: 0 done, 1 error, 2 usage, 3 refused by this client (hash
// mismatch, wrong signer, not confirmed), 4 rejected by the relay or ledger,
// 5 relay unavailable after retries, 6 verification failed.
package main

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/text/unicode/norm"

	"github.com/qrsign/qrsign/chaincode/buildinfo"

	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/chaincode/text"
	"github.com/qrsign/qrsign/relay/fabricca"
	"github.com/qrsign/qrsign/relay/signer/flow"
	"github.com/qrsign/qrsign/relay/signer/keystore"
	"github.com/qrsign/qrsign/relay/signer/prompt"
	"github.com/qrsign/qrsign/relay/signer/relayapi"
	"github.com/qrsign/qrsign/relay/signer/upload"
	"github.com/qrsign/qrsign/relay/token"
	"github.com/qrsign/qrsign/relay/verify"

	"github.com/qrsign/qrsign/relay/api"
)

const (
	exitOK = iota
	exitError
	exitUsage
	exitRefused
	exitRejected
	exitUnavailable
	exitUnverified
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

func usage(w io.Writer) { fmt.Fprint(w, tr("usage")) }

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		usage(stderr)
		return exitUsage
	}
	cmd, rest := args[0], args[1:]
	if (cmd == "batch" || cmd == "evidence") && len(rest) > 0 && slices.Contains([]string{"-h", "-help", "--help"}, rest[0]) {
		usage(stdout) // these take a subcommand first; "qrsign batch upload --help" lists its flags
		return exitOK
	}
	var err error
	switch cmd {
	case "enroll":
		err = cmdEnroll(ctx, rest, stdin, stdout, stderr)
	case "scan":
		err = cmdScan(ctx, api.ActionSign, rest, stdin, stdout, stderr)
	case "decline":
		err = cmdScan(ctx, api.ActionDecline, rest, stdin, stdout, stderr)
	case "verify":
		err = cmdVerify(ctx, rest, stdout, stderr)
	case "annotate":
		err = cmdAnnotate(ctx, rest, stdin, stdout, stderr)
	case "batch":
		err = cmdBatch(ctx, rest, stdout, stderr)
	case "whoami":
		err = cmdWhoami(rest, stdout, stderr)
	case "verify-evidence":
		err = cmdVerifyEvidence(rest, stdout, stderr)
	case "evidence":
		err = cmdEvidence(rest, stdout, stderr)
	case "login":
		err = cmdLogin(ctx, rest, stdin, stdout, stderr)
	case "help", "-h", "--help":
		usage(stdout)
		return exitOK
	case "version", "-version", "--version":
		fmt.Fprint(stdout, buildinfo.Read().Format("qrsign"))
		return exitOK
	default:
		fmt.Fprint(stderr, tr("unknownCommand", cmd))
		usage(stderr)
		return exitUsage
	}
	var help helpRequest
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &help): // asked for: the flags on stdout, success
		help.fs.SetOutput(stdout)
		help.fs.Usage()
		return exitOK
	}
	fmt.Fprint(stderr, errorLine(cmd, err))
	return exitCode(err)
}

type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

var errUnverified = errors.New("verification FAILED")

func exitCode(err error) int {
	var ue usageError
	var p *api.Problem
	switch {
	case errors.As(err, &ue):
		return exitUsage
	case errors.Is(err, flow.ErrHashMismatch), errors.Is(err, flow.ErrSessionMismatch),
		errors.Is(err, flow.ErrWrongSigner), errors.Is(err, flow.ErrNotConfirmed), errors.Is(err, flow.ErrBatchMismatch):
		return exitRefused
	case errors.Is(err, errUnverified):
		return exitUnverified
	case errors.As(err, &p):
		if p.Status == 503 || p.Status == 502 || p.Status == 504 || p.Status == 429 {
			return exitUnavailable
		}
		return exitRejected
	case strings.HasPrefix(err.Error(), "relayapi: ") && strings.Contains(err.Error(), " tries: "):
		return exitUnavailable
	}
	return exitError
}

// helpRequest is -h/--help on a command: run prints fs's usage on stdout.
type helpRequest struct{ fs *flag.FlagSet }

func (helpRequest) Error() string { return "help requested" }

// parse parses flags that may come before or after positional arguments.
func parse(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		out := fs.Output()
		fs.SetOutput(io.Discard) // the flag package would print the usage on stderr even for --help
		err := fs.Parse(args)
		fs.SetOutput(out)
		if errors.Is(err, flag.ErrHelp) {
			return nil, helpRequest{fs}
		}
		if err != nil {
			fmt.Fprintln(out, err)
			fs.Usage()
			return nil, usageError{err.Error()} // a bad flag is a usage error (exit 2)
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

func newFlags(name string, stderr io.Writer) (*flag.FlagSet, *string) {
	fs := flag.NewFlagSet("qrsign "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	def := os.Getenv("QRSIGN_HOME")
	if def == "" {
		if h, err := os.UserHomeDir(); err == nil {
			def = filepath.Join(h, ".qrsign")
		}
	}
	home := fs.String("home", def, "directory holding the identity ($QRSIGN_HOME, default ~/.qrsign)")
	return fs, home
}

// prompter picks where the passphrase comes from (see the package comment).
func prompter(stdin io.Reader, fromStdin, yes bool, stderr io.Writer) prompt.Prompter {
	var confirm prompt.Prompter = prompt.Terminal{Out: stderr}
	if yes {
		confirm = prompt.Static{Yes: true}
	}
	if p := os.Getenv("QRSIGN_PASSPHRASE"); p != "" {
		return prompt.Mixed{Confirmer: confirm, Secrets: prompt.Static{Secret: []byte(p)}}
	}
	f, isFile := stdin.(*os.File)
	if fromStdin || !isFile || !prompt.IsTerminal(f) {
		return prompt.Mixed{Confirmer: confirm, Secrets: &prompt.Lines{R: stdin}}
	}
	return prompt.Mixed{Confirmer: confirm, Secrets: prompt.Terminal{Out: stderr}}
}

func cmdEnroll(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs, home := newFlags("enroll", stderr)
	caURL := fs.String("ca", "", "the org's Fabric CA URL (https://host:port)")
	caTLS := fs.String("ca-tls", "", "PEM file trusted for the CA's TLS certificate")
	caName := fs.String("caname", "", "CA name, when the server hosts several")
	id := fs.String("id", "", "enrollment id (becomes the certificate CN)")
	secret := fs.String("secret", "", "enrollment secret")
	fromStdin := fs.Bool("passphrase-stdin", false, "read the new passphrase from stdin (one line)")
	force := fs.Bool("force", false, "replace an identity already in --home")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 0 || *caURL == "" || *caTLS == "" || *id == "" || *secret == "" {
		return usageError{"enroll needs --ca, --ca-tls, --id and --secret"}
	}
	ks := keystore.New(*home)
	if ks.Exists() && !*force {
		return fmt.Errorf("%w (%s); use --force to replace it", keystore.ErrExists, *home)
	}
	hc, err := fabricca.HTTPClientTrusting(*caTLS)
	if err != nil {
		return err
	}
	p := prompter(stdin, *fromStdin, true, stderr)
	pass, err := p.Passphrase(tr("newPass"))
	if err != nil {
		return err
	}
	if _, isTerm := p.(prompt.Mixed).Secrets.(prompt.Terminal); isTerm {
		again, err := p.Passphrase(tr("repeatPass"))
		if err != nil {
			return err
		}
		if string(again) != string(pass) {
			return errors.New(tr("passDiffer"))
		}
	}
	if len(pass) < 8 {
		return errors.New(tr("passShort"))
	}
	res, err := (&fabricca.Enroller{URL: *caURL, CAName: *caName, HTTP: hc}).Enroll(ctx, *id, *secret)
	if err != nil {
		return err
	}
	ident := keystore.Identity{ID: *id, CAURL: *caURL, EnrolledAt: time.Now().UTC()}
	if err := ks.Save(ident, res.Key, res.CertPEM, res.ChainPEM, pass, *force); err != nil {
		return err
	}
	fmt.Fprint(stdout, tr("enrolled",
		*id, res.Cert.Subject.String(), res.Cert.Issuer.String(), res.Cert.SerialNumber.Text(16),
		res.Cert.NotAfter.UTC().Format(time.RFC3339), *home))
	return nil
}

func cmdScan(ctx context.Context, action string, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	name := "scan"
	if action == api.ActionDecline {
		name = "decline"
	}
	fs, home := newFlags(name, stderr)
	yes := fs.Bool("yes", false, "do not ask for confirmation")
	fromStdin := fs.Bool("passphrase-stdin", false, "read the passphrase from stdin (one line)")
	asJSON := fs.Bool("json", false, "print the outcome as JSON on stdout (details go to stderr)")
	relay := fs.String("relay", "", "the relay's URL, when the argument is a bare token")
	timeout := fs.Duration("timeout", 3*time.Minute, "give up after this long")
	var reason *string
	if action == api.ActionDecline {
		reason = fs.String("reason", "", "why you decline (bound into the signature)")
	}
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageError{name + " needs exactly one QR image, URL or token"}
	}
	qr, err := flow.ReadQR(pos[0])
	if err != nil {
		return err
	}
	s := newScanner(*home, stdin, *fromStdin, *yes, *asJSON, stdout, stderr)
	req := flow.Request{QR: qr, Relay: *relay, Action: action}
	if reason != nil {
		req.Reason = norm.NFC.String(*reason) // the ledger takes NFC only (chaincode/text)
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	out, err := s.Run(ctx, req)
	if err != nil {
		return err
	}
	if *asJSON {
		return json.NewEncoder(stdout).Encode(out.Result)
	}
	printScanResult(stdout, action, out)
	return nil
}

// printScanResult shows a scan's result; what the relay answered is escaped.
func printScanResult(stdout io.Writer, action string, out *flow.Outcome) {
	r := out.Result
	verb := tr("signed")
	if action == api.ActionDecline {
		verb = tr("declined")
	}
	replay := ""
	if r.Replayed {
		replay = tr("replayed")
	}
	if out.Session.Batch != nil {
		fmt.Fprint(stdout, tr("batchResult", verb, text.Escape(r.DocumentID), len(r.Documents),
			len(out.Session.Batch.Documents), text.Escape(r.TxID), r.BlockNumber, text.Escape(r.ValidationCode), replay))
		signed := map[string]api.BatchSigned{}
		for _, sd := range r.Signed {
			signed[sd.DocumentID] = sd
		}
		for _, d := range r.Documents {
			switch sd := signed[d]; {
			case sd.Revision != nil:
				fmt.Fprint(stdout, tr("batchRevision", text.Escape(d), sd.Revision.Revision, text.Escape(sd.Revision.URL)))
			case sd.P7S != nil:
				fmt.Fprint(stdout, tr("batchP7S", text.Escape(d), text.Escape(sd.P7S.URL)))
			default:
				fmt.Fprintf(stdout, "  %s\n", text.Escape(d))
			}
		}
		return
	}
	fmt.Fprint(stdout, tr("result",
		verb, eventName(r.EventType), text.Escape(r.TxID), r.BlockNumber, text.Escape(r.ValidationCode), text.Escape(r.DocumentID),
		text.Escape(string(r.DocumentStatus)), replay))
}

// files is a repeatable flag.
type files []string

func (f *files) String() string     { return strings.Join(*f, ",") }
func (f *files) Set(v string) error { *f = append(*f, v); return nil }

// mspFiles is a repeatable MSPID=VALUE flag.
type mspValues struct {
	name string
	kv   [][2]string
}

func (m *mspValues) String() string { return fmt.Sprint(m.kv) }
func (m *mspValues) Set(v string) error {
	msp, val, ok := strings.Cut(v, "=")
	if !ok || msp == "" || val == "" {
		return fmt.Errorf("want MSPID=%s (each signer is checked only against their own org's CAs)", m.name)
	}
	m.kv = append(m.kv, [2]string{msp, val})
	return nil
}

func cmdVerify(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("qrsign verify", flag.ContinueOnError)
	fs.SetOutput(stderr)
	relay := fs.String("relay", os.Getenv("QRSIGN_RELAY"), "the relay's URL ($QRSIGN_RELAY)")
	channel := fs.String("channel", "qrsign", "the channel the signatures are bound to")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	tokenArg := fs.String("token", "", "a session URL or token of the document (read access as its signer)")
	caCerts := &mspValues{name: "FILE"}
	fs.Var(caCerts, "ca-cert", "MSPID=FILE: a PEM CA certificate that org's signers must chain to (repeatable)")
	trustLedger := fs.Bool("trust-ledger-cas", false, "for orgs without --ca-cert, take the CAs the ledger registered (read through the relay); needs --ca-fingerprint or --trust-relay")
	pins := &mspValues{name: "SHA256"}
	fs.Var(pins, "ca-fingerprint", "MSPID=SHA256: a ledger CA accepted for that org (with --trust-ledger-cas; repeatable)")
	var witnesses files
	fs.Var(&witnesses, "trust-relay", "another org's relay that must report the same ledger CAs (with --trust-ledger-cas; repeatable)")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 || *relay == "" {
		return usageError{"verify needs one document id and --relay"}
	}
	v := &verify.Verifier{Channel: *channel, Roots: map[string][]*x509.Certificate{}, Delegated: map[string]string{}}
	for _, kv := range caCerts.kv {
		b, err := os.ReadFile(kv[1])
		if err != nil {
			return err
		}
		cs, err := keystore.ParseCerts(b)
		if err != nil {
			return fmt.Errorf("%s: %w", kv[1], err)
		}
		v.Roots[kv[0]] = append(v.Roots[kv[0]], cs...)
	}
	rc, err := relayapi.New(*relay)
	if err != nil {
		return err
	}
	rc.APIKey = os.Getenv("QRSIGN_API_KEY")
	if *tokenArg != "" {
		rc.Token = token.FromURL(*tokenArg)
	}
	if rc.APIKey == "" && rc.Token == "" {
		return usageError{"verify needs read access: $QRSIGN_API_KEY (documents:read) or --token <session URL>"}
	}
	p, err := rc.Provenance(ctx, pos[0])
	if err != nil {
		return err
	}
	var trustNotes, trustLines []string // JSON keeps the English; people read their language
	if *trustLedger {
		var ws []verify.TrustReader
		for _, w := range witnesses {
			wc, err := relayapi.New(w)
			if err != nil {
				return err
			}
			// GET /v1/orgs/{msp}/trust is public: a witness (another org's
			// relay) gets no key of ours.
			ws = append(ws, wc)
		}
		for _, msp := range verify.SignerMSPs(p) {
			if len(v.Roots[msp]) > 0 {
				continue
			}
			var mine []string
			for _, kv := range pins.kv {
				if kv[0] == msp {
					mine = append(mine, strings.ToLower(kv[1]))
				}
			}
			roots, src, err := verify.LedgerRoots(ctx, msp, rc, mine, ws)
			if err != nil {
				trustNotes = append(trustNotes, err.Error())
				trustLines = append(trustLines, err.Error()) // a verifier's diagnostic, shown as data
				continue
			}
			v.Roots[msp], v.Delegated[msp] = roots, src
			trustNotes = append(trustNotes, fmt.Sprintf("trust for %s is DELEGATED to the ledger: its CAs were read from %s", msp, src))
			trustLines = append(trustLines, tr("trustDelegated", msp, src))
		}
	} else if len(pins.kv) > 0 || len(witnesses) > 0 {
		return usageError{"--ca-fingerprint and --trust-relay only apply with --trust-ledger-cas"}
	}
	rep := v.Provenance(p)
	var delegated []string
	for msp := range v.Delegated {
		delegated = append(delegated, msp)
	}
	slices.Sort(delegated)
	if *asJSON {
		json.NewEncoder(stdout).Encode(struct {
			*verify.Report
			OK        bool
			Delegated map[string]string `json:",omitempty"`
			Trust     []string          `json:",omitempty"`
		}{rep, rep.OK(), v.Delegated, trustNotes})
	} else {
		fmt.Fprint(stdout, tr("verifySummary", text.Escape(p.DocumentID), text.Escape(string(p.Document.Status)), len(p.Events), rep.Signatures))
		for _, n := range trustLines {
			fmt.Fprint(stdout, tr("note", text.Escape(n)))
		}
		for _, c := range rep.Checks {
			mark := tr("checkOK")
			if !c.OK {
				mark = tr("checkFail")
			}
			fmt.Fprintf(stdout, "  %s %s: %s\n", mark, text.Escape(checkName(c)), text.Escape(checkDetail(c)))
		}
		switch {
		case !rep.OK():
			fmt.Fprintln(stdout, tr("unverified"))
		case len(delegated) > 0:
			fmt.Fprint(stdout, tr("verifiedDeleg", strings.Join(delegated, ", ")))
		default:
			fmt.Fprintln(stdout, tr("verified"))
		}
	}
	if !rep.OK() {
		for _, c := range rep.Checks {
			if !c.OK && strings.HasPrefix(c.Detail, "UNVERIFIED: ") {
				return fmt.Errorf("%w: %s", errUnverified, c.Detail)
			}
		}
		return errUnverified
	}
	return nil
}

func cmdAnnotate(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs, home := newFlags("annotate", stderr)
	relay := fs.String("relay", os.Getenv("QRSIGN_RELAY"), "the relay's URL ($QRSIGN_RELAY)")
	var tags files
	fs.Var(&tags, "tag", "a tag to add (repeatable)")
	note := fs.String("note", "", "a note to attach")
	msp := fs.String("msp", "", "your org, when you sign the document in two orgs")
	tokenArg := fs.String("token", "", "a session URL or token of the document (read access as its signer)")
	channel := fs.String("channel", "", "the channel, when the relay does not state it")
	yes := fs.Bool("yes", false, "do not ask for confirmation")
	fromStdin := fs.Bool("passphrase-stdin", false, "read the passphrase from stdin (one line)")
	asJSON := fs.Bool("json", false, "print the outcome as JSON on stdout (details go to stderr)")
	timeout := fs.Duration("timeout", 3*time.Minute, "give up after this long")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 || *relay == "" {
		return usageError{"annotate needs one document id and --relay"}
	}
	if len(tags) == 0 && *note == "" {
		return usageError{"annotate needs --tag or --note"}
	}
	a := flow.Annotation{Relay: *relay, DocumentID: pos[0], Tags: tags, Note: norm.NFC.String(*note), MSPID: *msp,
		APIKey: os.Getenv("QRSIGN_API_KEY"), Channel: *channel}
	if *tokenArg != "" {
		a.Token = token.FromURL(*tokenArg)
	}
	if a.APIKey == "" && a.Token == "" {
		return usageError{"annotate needs read access to the document: $QRSIGN_API_KEY (documents:read) or --token <session URL>"}
	}
	show := stdout
	if *asJSON {
		show = stderr
	}
	s := &flow.Scanner{Keystore: keystore.New(*home), Prompt: prompter(stdin, *fromStdin, *yes, stderr), Out: show, Yes: *yes,
		Lang: termLang(),
		Configure: func(c *relayapi.Client) {
			c.OnRetry = func(n int, wait time.Duration, cause error) {
				fmt.Fprint(stderr, tr("busy", cause, n+1, wait.Round(time.Millisecond)))
			}
		}}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	r, err := s.Annotate(ctx, a)
	if err != nil {
		return err
	}
	if *asJSON {
		return json.NewEncoder(stdout).Encode(r)
	}
	fmt.Fprint(stdout, tr("annotated",
		text.Escape(r.DocumentID), text.Escape(r.TxID), r.BlockNumber, text.Escape(r.ValidationCode), text.Escape(strings.Join(r.Tags, ", "))))
	return nil
}

// parseSigner reads MSPID/ID[:ORDER] (order 1 by default).
func parseSigner(v string) (model.SignerSpec, error) {
	msp, rest, ok := strings.Cut(v, "/")
	id, ord, hasOrd := strings.Cut(rest, ":")
	s := model.SignerSpec{ID: id, MSPID: msp, RoutingOrder: 1}
	if hasOrd {
		n, err := strconv.Atoi(ord)
		if err != nil || n < 1 {
			return s, usageError{fmt.Sprintf("--signer %q: the routing order must be a positive integer", v)}
		}
		s.RoutingOrder = n
	}
	if !ok || msp == "" || id == "" {
		return s, usageError{fmt.Sprintf("--signer %q: want MSPID/ID[:ORDER]", v)}
	}
	return s, nil
}

func cmdBatch(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "upload" {
		return usageError{"batch needs a subcommand: upload"}
	}
	fs := flag.NewFlagSet("qrsign batch upload", flag.ContinueOnError)
	fs.SetOutput(stderr)
	relay := fs.String("relay", os.Getenv("QRSIGN_RELAY"), "the relay's URL ($QRSIGN_RELAY)")
	apiKey := fs.String("api-key", os.Getenv("QRSIGN_API_KEY"), "an API key with documents:write ($QRSIGN_API_KEY)")
	var signerArgs files
	fs.Var(&signerArgs, "signer", "MSPID/ID[:ORDER]: a signer of every document (repeatable)")
	title := fs.String("title", "", "the batch's title (default: the directory's name)")
	prefix := fs.String("title-prefix", "", "prefix of each document's title (the file name without extension)")
	priority := fs.Int("priority", 0, "priority of the documents (higher is listed first)")
	docType := fs.String("doc-type", "document", "docType of the documents")
	id := fs.String("id", "", "the batch id (default: derived by the relay from the content)")
	asJSON := fs.Bool("json", false, "print the relay's batch answer as JSON")
	timeout := fs.Duration("timeout", 30*time.Minute, "give up after this long")
	pos, err := parse(fs, args[1:])
	if err != nil {
		return err
	}
	if len(pos) != 1 || *relay == "" || *apiKey == "" || len(signerArgs) == 0 {
		return usageError{"batch upload needs one directory, --relay, --api-key (or $QRSIGN_API_KEY) and --signer"}
	}
	var signers []model.SignerSpec
	for _, v := range signerArgs {
		s, err := parseSigner(v)
		if err != nil {
			return err
		}
		signers = append(signers, s)
	}
	docs, err := upload.FromDir(pos[0], *prefix, *docType)
	if err != nil {
		return err
	}
	if *title == "" {
		abs, _ := filepath.Abs(pos[0])
		*title = filepath.Base(abs)
	}
	rc, err := relayapi.New(*relay)
	if err != nil {
		return err
	}
	rc.APIKey = *apiKey
	rc.HTTP = &http.Client{} // no overall timeout: a big batch takes long; ctx bounds it
	rc.Retry = relayapi.Retry{Attempts: 4, Base: time.Second, Max: 10 * time.Second}
	rc.OnRetry = func(n int, wait time.Duration, cause error) {
		fmt.Fprint(stderr, tr("busyBatch", cause, n+1, wait.Round(time.Millisecond)))
	}
	var total int64
	for _, d := range docs {
		total += d.Size
	}
	f, isFile := stderr.(*os.File)
	p := &upload.Progress{W: stderr, TTY: isFile && prompt.IsTerminal(f), Total: total, Docs: len(docs)}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	b, err := upload.Upload(ctx, rc, upload.Batch{ID: *id, Title: *title, Priority: *priority, Signers: signers, Docs: docs}, p)
	var prob *api.Problem
	if errors.As(err, &prob) {
		for _, e := range prob.Errors {
			fmt.Fprintf(stderr, "  %s: %s: %s\n", text.Escape(e.File), text.Escape(string(e.Code)), text.Escape(e.Detail))
		}
	}
	if err != nil {
		return err
	}
	if *asJSON {
		return json.NewEncoder(stdout).Encode(b)
	}
	fmt.Fprint(stdout, tr("batchUploaded", text.Escape(b.ID), b.Registered, b.Total, text.Escape(b.Root)))
	for _, d := range b.Documents {
		state := tr("registered")
		if !d.Registered {
			state = tr("notRegistered")
			if d.Error != nil {
				state += ": " + text.Escape(string(d.Error.Code)) + " " + text.Escape(d.Error.Detail)
			}
		}
		fmt.Fprintf(stdout, "  %4d  %-40s  %s  (%s)\n", d.Order, text.Escape(d.ID), text.Escape(d.File), state)
	}
	fmt.Fprint(stdout, tr("sheet", text.Escape(upload.SheetURL(rc, b.ID))))
	return nil
}

func cmdWhoami(args []string, stdout, stderr io.Writer) error {
	fs, home := newFlags("whoami", stderr)
	if _, err := parse(fs, args); err != nil {
		return err
	}
	ks := keystore.New(*home)
	id, err := ks.Identity()
	if err != nil {
		return err
	}
	c, err := ks.Cert()
	if err != nil {
		return err
	}
	fmt.Fprint(stdout, tr("whoami", id.ID, c.Subject, c.Issuer,
		c.NotBefore.UTC().Format(time.RFC3339), c.NotAfter.UTC().Format(time.RFC3339), id.CAURL))
	return nil
}

// newScanner is the signer flow as the scan, decline and login commands run
// it: the details go to stderr when stdout carries JSON.
func newScanner(home string, stdin io.Reader, fromStdin, yes, asJSON bool, stdout, stderr io.Writer) *flow.Scanner {
	show := stdout
	if asJSON {
		show = stderr
	}
	return &flow.Scanner{
		Keystore: keystore.New(home),
		Prompt:   prompter(stdin, fromStdin, yes, stderr),
		Out:      show,
		Yes:      yes,
		Lang:     termLang(),
		Configure: func(c *relayapi.Client) {
			c.OnRetry = func(n int, wait time.Duration, cause error) {
				fmt.Fprint(stderr, tr("busy", cause, n+1, wait.Round(time.Millisecond)))
			}
		},
	}
}
