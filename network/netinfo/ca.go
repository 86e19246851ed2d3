package netinfo

import (
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
)

// RegisterUser registers a signer identity (type client) with the org's Fabric
// CA as the bootstrap registrar. attrs are "name=value" pairs. The signer then
// enrolls with id/secret (see Enroll).
func (o *Org) RegisterUser(binDir, id, secret string, attrs ...string) error {
	args := []string{"register", "--id.name", id, "--id.type", "client"}
	if len(attrs) > 0 {
		args = append(args, "--id.attrs", strings.Join(attrs, ","))
	}
	_, err := o.caClient(binDir, o.CA.RegistrarHome, secretEnv(secret), args...)
	return err
}

// RegisterSigner registers a signer whose secret enrolls exactly once: the
// one-time secret handed to a person (qrsign enroll, the phone page's
// POST /v1/enroll). A lost key means a new registration or a reenroll with
// the old certificate, never a replayed secret.
func (o *Org) RegisterSigner(binDir, id, secret string) error {
	_, err := o.caClient(binDir, o.CA.RegistrarHome, secretEnv(secret), "register", "--id.name", id,
		"--id.type", "client", "--id.maxenrollments", "1")
	return err
}

// secretEnv gives fabric-ca-client the --id.secret of a registration
// through its environment (it binds every flag to FABRIC_CA_CLIENT_<FLAG>,
// dots as underscores), not its command line, which any local user can read.
func secretEnv(secret string) []string { return []string{"FABRIC_CA_CLIENT_ID_SECRET=" + secret} }

// Enroll enrolls id/secret into home (an MSP folder at home/msp) and returns
// the identity (certificate issued by the org's CA, PKCS#8 key).
func (o *Org) Enroll(binDir, id, secret, home string) (Identity, error) {
	// The URL carries the credentials: through the environment, not argv.
	u, err := url.Parse(o.CA.URL)
	if err != nil {
		return Identity{}, fmt.Errorf("netinfo: CA URL of %s: %w", o.Name, err)
	}
	u.User = url.UserPassword(id, secret)
	if _, err := o.caClient(binDir, home, []string{"FABRIC_CA_CLIENT_URL=" + u.String()}, "enroll"); err != nil {
		return Identity{}, err
	}
	return IdentityFromMSPDir(o.MSPID, filepath.Join(home, "msp"))
}

// RevokeUser revokes every certificate of id (reason: unspecified).
func (o *Org) RevokeUser(binDir, id string) error {
	_, err := o.caClient(binDir, o.CA.RegistrarHome, nil, "revoke", "-e", id)
	return err
}

// GenCRL asks the CA for a fresh CRL (signed by the org CA) and returns its PEM.
func (o *Org) GenCRL(binDir string) ([]byte, error) {
	if _, err := o.caClient(binDir, o.CA.RegistrarHome, nil, "gencrl"); err != nil {
		return nil, err
	}
	return os.ReadFile(filepath.Join(o.CA.RegistrarHome, "msp", "crls", "crl.pem"))
}

// caClient runs fabric-ca-client args against the org's CA with env added
// (secrets go there); the CA URL is env's FABRIC_CA_CLIENT_URL if it has one.
func (o *Org) caClient(binDir, home string, env []string, args ...string) ([]byte, error) {
	if !slices.ContainsFunc(env, func(e string) bool { return strings.HasPrefix(e, "FABRIC_CA_CLIENT_URL=") }) {
		args = append(args, "-u", o.CA.URL)
	}
	args = append(args, "--tls.certfiles", o.CA.TLSCertFile, "--home", home)
	cmd := exec.Command(filepath.Join(binDir, "fabric-ca-client"), args...)
	cmd.Env = append(append(os.Environ(), "FABRIC_CA_CLIENT_HOME="+home), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return out, fmt.Errorf("fabric-ca-client %s (%s): %w: %s", args[0], o.Name, err, lastLine(out))
	}
	return out, nil
}

func lastLine(b []byte) string {
	l := strings.Split(strings.TrimSpace(string(b)), "\n")
	return l[len(l)-1]
}
