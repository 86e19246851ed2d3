//go:build integration

package integration

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hyperledger/fabric-gateway/pkg/client"

	"github.com/qrsign/qrsign/network/netinfo"
)

func mustInfo(t *testing.T) *netinfo.Info {
	t.Helper()
	in, err := netinfo.FromEnv()
	if err != nil {
		t.Fatal(err)
	}
	return in
}

// contract dials org's peer peerIdx as the org's client identity.
func contract(t *testing.T, in *netinfo.Info, org *netinfo.Org, peerIdx int) *client.Contract {
	t.Helper()
	conn, gw, err := org.Dial(org.Client, peerIdx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { gw.Close(); conn.Close() })
	return gw.GetNetwork(in.Channel).GetContract(in.Chaincode)
}

// ping submits a Ping and waits for it to commit valid.
func ping(c *client.Contract) error {
	_, commit, err := c.SubmitAsync("Ping")
	if err != nil {
		return err
	}
	// A transaction sent to an orderer that dies before ordering it never
	// commits: give up on it after a while instead of the gateway's minute.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	st, err := commit.StatusWithContext(ctx)
	if err != nil {
		return err
	}
	if !st.Successful {
		return fmt.Errorf("Ping %s committed with %s", st.TransactionID, st.Code)
	}
	return nil
}

// stream submits Pings back to back until ctx ends, counting commits and errors.
type stream struct {
	committed, failed atomic.Int64
	lastErr           atomic.Value
	done              chan struct{}
}

func startStream(ctx context.Context, c *client.Contract) *stream {
	s := &stream{done: make(chan struct{})}
	go func() {
		defer close(s.done)
		for ctx.Err() == nil {
			if err := ping(c); err != nil {
				s.failed.Add(1)
				s.lastErr.Store(err.Error())
				time.Sleep(100 * time.Millisecond)
				continue
			}
			s.committed.Add(1)
		}
	}()
	return s
}

// eventually polls cond until it holds; the deadline is only a failure
// bound, nothing asserts on how long it took.
func eventually(t *testing.T, what string, limit time.Duration, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(limit)
	var last string
	for time.Now().Before(deadline) {
		ok, msg := cond()
		if ok {
			return
		}
		last = msg
		time.Sleep(250 * time.Millisecond)
	}
	t.Fatalf("%s: still not true after %s (%s)", what, limit, last)
}

// metric reads one gauge from a node's operations /metrics endpoint.
func metric(opsAddr, prefix string) (float64, error) {
	resp, err := http.Get("http://" + opsAddr + "/metrics")
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		l := sc.Text()
		if strings.HasPrefix(l, prefix) {
			f := strings.Fields(l)
			return strconv.ParseFloat(f[len(f)-1], 64)
		}
	}
	return 0, fmt.Errorf("%s: no metric %s", opsAddr, prefix)
}
