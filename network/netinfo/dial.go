package netinfo

import (
	"crypto/x509"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/hyperledger/fabric-gateway/pkg/client"
	"github.com/hyperledger/fabric-gateway/pkg/hash"
	"github.com/hyperledger/fabric-gateway/pkg/identity"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
)

// Dial connects a Fabric Gateway client as ident to the org's peer peerIdx
// (TLS with the peer's TLS CA and host name). Close both when done: the
// gateway first, then the connection.
func (o *Org) Dial(ident Identity, peerIdx int) (*grpc.ClientConn, *client.Gateway, error) {
	if peerIdx < 0 || peerIdx >= len(o.Peers) {
		return nil, nil, fmt.Errorf("netinfo: %s has no peer %d", o.Name, peerIdx)
	}
	conn, err := o.Peers[peerIdx].GRPC()
	if err != nil {
		return nil, nil, err
	}
	id, sign, err := ident.Signer()
	if err != nil {
		conn.Close()
		return nil, nil, err
	}
	gw, err := client.Connect(id, client.WithSign(sign), client.WithHash(hash.SHA256),
		client.WithClientConnection(conn),
		client.WithEvaluateTimeout(10*time.Second), client.WithEndorseTimeout(20*time.Second),
		client.WithSubmitTimeout(10*time.Second), client.WithCommitStatusTimeout(time.Minute))
	if err != nil {
		conn.Close()
		return nil, nil, err
	}
	return conn, gw, nil
}

// GRPC opens a TLS gRPC client connection to the node.
func (n *Node) GRPC() (*grpc.ClientConn, error) {
	pem, err := os.ReadFile(n.TLSCACert)
	if err != nil {
		return nil, fmt.Errorf("netinfo: %s TLS CA: %w", n.Name, err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("netinfo: %s: no certificate in %s", n.Name, n.TLSCACert)
	}
	return grpc.NewClient(n.Address, grpc.WithTransportCredentials(credentials.NewClientTLSFromCert(pool, n.HostName)))
}

// Signer loads the identity and a signing function for fabric-gateway.
func (ident Identity) Signer() (*identity.X509Identity, identity.Sign, error) {
	certPEM, err := os.ReadFile(ident.CertFile)
	if err != nil {
		return nil, nil, fmt.Errorf("netinfo: identity cert: %w", err)
	}
	cert, err := identity.CertificateFromPEM(certPEM)
	if err != nil {
		return nil, nil, fmt.Errorf("netinfo: %s: %w", ident.CertFile, err)
	}
	id, err := identity.NewX509Identity(ident.MSPID, cert)
	if err != nil {
		return nil, nil, err
	}
	keyPEM, err := os.ReadFile(ident.KeyFile)
	if err != nil {
		return nil, nil, fmt.Errorf("netinfo: identity key: %w", err)
	}
	key, err := identity.PrivateKeyFromPEM(keyPEM)
	if err != nil {
		return nil, nil, fmt.Errorf("netinfo: %s: %w", ident.KeyFile, err)
	}
	sign, err := identity.NewPrivateKeySign(key)
	if err != nil {
		return nil, nil, err
	}
	return id, sign, nil
}

// IdentityFromMSPDir reads an MSP folder written by fabric-ca-client or
// cryptogen (signcerts/*.pem, keystore/*) as an Identity.
func IdentityFromMSPDir(mspID, dir string) (Identity, error) {
	certs, _ := filepath.Glob(filepath.Join(dir, "signcerts", "*.pem"))
	keys, _ := filepath.Glob(filepath.Join(dir, "keystore", "*"))
	if len(certs) != 1 || len(keys) != 1 {
		return Identity{}, fmt.Errorf("netinfo: %s: want one signcerts/*.pem and one keystore file, found %d and %d", dir, len(certs), len(keys))
	}
	return Identity{MSPID: mspID, CertFile: certs[0], KeyFile: keys[0], MSPDir: dir}, nil
}
