package cli

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"

	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/network/netinfo"
)

// registerSigner registers a signer identity (type client) with an org's
// Fabric CA and prints the one command that enrolls it: the signer's key is
// then made on the signer's side, never here.
func registerSigner(o Options, org, id string, stdout io.Writer) error {
	if !model.ValidSignerID(id) {
		return fmt.Errorf("signer id %q: use 1-64 letters, digits and @._- (starting with a letter or digit)", id)
	}
	in, err := netinfo.Load(o.State)
	if err != nil {
		return err
	}
	g, err := in.Org(org)
	if err != nil {
		return err
	}
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		return err
	}
	secret := hex.EncodeToString(b)
	if err := g.RegisterSigner(in.BinDir, id, secret); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "registered signer %s in %s (%s); the secret enrolls once\nenroll it (the key is made and kept by the signer's client):\n", id, g.MSPID, g.CA.Name)
	fmt.Fprintf(stdout, "  go run ./relay/cmd/qrsign enroll --ca %s --ca-tls %s --id %s --secret %s\n", g.CA.URL, g.CA.TLSCertFile, id, secret)
	return nil
}
