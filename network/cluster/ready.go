package cluster

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/hyperledger/fabric-gateway/pkg/client"
	"github.com/hyperledger/fabric-protos-go-apiv2/gateway"
	"google.golang.org/grpc/status"

	"encoding/pem"

	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/chaincode/payload"
	"github.com/qrsign/qrsign/network/netinfo"
)

// Ready submits a Ping through each org's gateway (as the relay's client
// identity) until one commits: the network is ready when a real transaction
// is ordered and committed, not when ports are open. Right after the channel
// is up the gateway may not yet know the other orgs (gossip), hence retries.
func Ready(in *netinfo.Info, timeout time.Duration) error {
	for i := range in.Orgs {
		if err := ReadyOrg(in, &in.Orgs[i], timeout); err != nil {
			return err
		}
	}
	return nil
}

// ReadyOrg is Ready through one org's gateway.
func ReadyOrg(in *netinfo.Info, o *netinfo.Org, timeout time.Duration) error {
	err := retry(timeout, func() error {
		conn, gw, err := o.Dial(o.Client, 0)
		if err != nil {
			return err
		}
		defer conn.Close()
		defer gw.Close()
		_, err = gw.GetNetwork(in.Channel).GetContract(in.Chaincode).Submit("Ping")
		return err
	})
	if err != nil {
		return fmt.Errorf("readiness: Ping through %s's gateway: %w", o.Name, flat(err))
	}
	return nil
}

// RegisterSignerCAs registers each org's Fabric CA certificate as a signer CA
// (as the org admin) unless GetOrgTrust already lists its fingerprint.
func RegisterSignerCAs(in *netinfo.Info) error {
	for i := range in.Orgs {
		if err := RegisterSignerCA(in, &in.Orgs[i]); err != nil {
			return err
		}
	}
	return nil
}

// RegisterSignerCA is one org's step of RegisterSignerCAs.
func RegisterSignerCA(in *netinfo.Info, o *netinfo.Org) error {
	certPEM, err := os.ReadFile(o.CA.CACertFile)
	if err != nil {
		return err
	}
	blk, _ := pem.Decode(certPEM)
	if blk == nil {
		return fmt.Errorf("%s: no PEM certificate", o.CA.CACertFile)
	}
	fp := payload.Fingerprint(blk.Bytes)
	conn, gw, err := o.Dial(o.Admin, 0)
	if err != nil {
		return err
	}
	defer conn.Close()
	defer gw.Close()
	c := gw.GetNetwork(in.Channel).GetContract(in.Chaincode)
	res, err := c.Evaluate("GetOrgTrust", client.WithArguments(o.MSPID))
	if err != nil {
		return fmt.Errorf("GetOrgTrust(%s): %w", o.MSPID, flat(err))
	}
	var trust model.OrgTrust
	if err := json.Unmarshal(res, &trust); err != nil {
		return fmt.Errorf("GetOrgTrust(%s): %w", o.MSPID, err)
	}
	for _, ca := range trust.CAs {
		if ca.Fingerprint == fp {
			return nil
		}
	}
	// The file may list retired CAs after the current one (RotateCA): register the first.
	arg, _ := json.Marshal(model.RegisterSignerCARequest{CertPEM: string(pem.EncodeToMemory(blk))})
	if _, err := c.Submit("RegisterSignerCA", client.WithArguments(string(arg))); err != nil {
		return fmt.Errorf("RegisterSignerCA(%s): %w", o.MSPID, flat(err))
	}
	return nil
}

// flat puts a gateway error on one line with the per-peer details the
// gateway attaches (which peer failed to endorse, and why).
func flat(err error) error {
	msg := strings.ReplaceAll(err.Error(), "\n", " ")
	if st, ok := status.FromError(err); ok {
		for _, d := range st.Details() {
			if ed, ok := d.(*gateway.ErrorDetail); ok {
				msg += fmt.Sprintf("; %s (%s): %s", ed.GetAddress(), ed.GetMspId(), ed.GetMessage())
			}
		}
	}
	return fmt.Errorf("%s", msg)
}
