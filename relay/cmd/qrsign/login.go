package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/qrsign/qrsign/chaincode/text"
	"github.com/qrsign/qrsign/relay/signer/flow"
)

// cmdLogin signs the desktop showing a sign-in QR in as this identity:
//
//	qrsign login <qr.png | url> [--yes] [--json] [--msp MSPID] [--home DIR]
func cmdLogin(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs, home := newFlags("login", stderr)
	yes := fs.Bool("yes", false, "do not ask for confirmation")
	fromStdin := fs.Bool("passphrase-stdin", false, "read the passphrase from stdin (one line)")
	asJSON := fs.Bool("json", false, "print the outcome as JSON on stdout (details go to stderr)")
	msp := fs.String("msp", "", "your org's MSP id, when it is not the relay's org")
	timeout := fs.Duration("timeout", time.Minute, "give up after this long")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageError{"login needs exactly one QR image or URL"}
	}
	qr, err := flow.ReadQR(pos[0])
	if err != nil {
		return err
	}
	s := newScanner(*home, stdin, *fromStdin, *yes, *asJSON, stdout, stderr)
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	out, err := s.Login(ctx, flow.LoginRequest{QR: qr, MSPID: *msp})
	if err != nil {
		return err
	}
	if *asJSON {
		return json.NewEncoder(stdout).Encode(out.Result)
	}
	fmt.Fprint(stdout, tr("signedIn",
		text.Escape(out.Result.Signer.MSPID), text.Escape(out.Result.Signer.ID), text.Escape(out.Info.RelayURL), text.Escape(out.Result.ChallengeID)))
	return nil
}
