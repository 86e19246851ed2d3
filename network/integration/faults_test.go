//go:build integration && faults

package integration

import (
	"context"
	"fmt"
	"syscall"
	"testing"
	"time"

	"github.com/qrsign/qrsign/network/netinfo"
)

// With three Raft orderers, SIGKILLing the leader under a stream of
// transactions does not stop ordering: commits keep rising. Restarted, the
// orderer catches up to the others' height.
func TestFaultOrdererCrashOrderingContinues(t *testing.T) {
	in := mustInfo(t)
	if len(in.Orderers) < 3 {
		t.Fatalf("needs the redundant profile (3 orderers), have %d", len(in.Orderers))
	}
	leader := raftLeader(t, in)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s := startStream(ctx, contract(t, in, &in.Orgs[0], 0))
	eventually(t, "stream commits before the crash", time.Minute, func() (bool, string) {
		return s.committed.Load() >= 10, fmt.Sprint(s.committed.Load(), " committed, last error ", s.lastErr.Load())
	})

	if err := in.Kill(leader.Name, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { in.StartNode(leader.Name) })
	atKill, killedAt := s.committed.Load(), time.Now()
	t.Logf("killed Raft leader %s after %d commits", leader.Name, atKill)
	eventually(t, "commits rise after the leader crash", 2*time.Minute, func() (bool, string) {
		n := s.committed.Load()
		return n >= atKill+50, fmt.Sprintf("%d committed since the crash, last error %v", n-atKill, s.lastErr.Load())
	})
	if p, _ := in.Process(leader.Name); p.PID() != 0 {
		t.Fatalf("%s is running again: the commits were not made without it", leader.Name)
	}
	cancel()
	<-s.done
	t.Logf("50 commits %s after the crash; %d commits in total, %d failed submissions (during the election)",
		time.Since(killedAt).Round(time.Millisecond), s.committed.Load(), s.failed.Load())
	restartedAt := time.Now()

	if err := in.StartNode(leader.Name); err != nil {
		t.Fatal(err)
	}
	eventually(t, leader.Name+" catches up", 2*time.Minute, func() (bool, string) {
		h := map[string]uint64{}
		for _, o := range in.Orderers {
			h[o.Name] = ordererHeight(t, in, o)
		}
		for _, o := range in.Orderers {
			if h[o.Name] != h[leader.Name] || h[o.Name] == 0 {
				return false, fmt.Sprint(h)
			}
		}
		return true, ""
	})
	t.Logf("%s caught up %s after its restart", leader.Name, time.Since(restartedAt).Round(time.Millisecond))
}

// With two peers per org, SIGKILLing one leaves the org endorsing through the
// other (a gateway on the surviving peer); restarted, the killed peer catches
// up to the same block height.
func TestFaultPeerCrashOtherPeerEndorses(t *testing.T) {
	in := mustInfo(t)
	org := &in.Orgs[0]
	if len(org.Peers) < 2 {
		t.Fatalf("needs the redundant profile (2 peers per org), %s has %d", org.Name, len(org.Peers))
	}
	victim, survivor := org.Peers[0], org.Peers[1]
	c := contract(t, in, org, 1)
	if err := ping(c); err != nil {
		t.Fatalf("before the crash: %v", err)
	}
	if err := in.Kill(victim.Name, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { in.StartNode(victim.Name) })
	before := height(t, in, survivor.Name)
	const n = 20
	for i := 0; i < n; i++ {
		if err := ping(c); err != nil {
			t.Fatalf("Ping %d through %s with %s down: %v", i, survivor.Name, victim.Name, err)
		}
	}
	after := height(t, in, survivor.Name)
	if after <= before {
		t.Fatalf("%s height %d -> %d: nothing committed while %s was down", survivor.Name, before, after, victim.Name)
	}
	if p, _ := in.Process(victim.Name); p.PID() != 0 {
		t.Fatalf("%s is running: the test did not run with it down", victim.Name)
	}

	if err := in.StartNode(victim.Name); err != nil {
		t.Fatal(err)
	}
	eventually(t, victim.Name+" catches up to "+survivor.Name, 2*time.Minute, func() (bool, string) {
		hv, err := in.BlockHeight(victim.Name)
		if err != nil {
			return false, err.Error()
		}
		hs := height(t, in, survivor.Name)
		return hv == hs && hv >= after, fmt.Sprintf("%s %d, %s %d", victim.Name, hv, survivor.Name, hs)
	})
	// And it endorses again: a gateway on the restarted peer commits.
	eventually(t, victim.Name+" endorses again", time.Minute, func() (bool, string) {
		err := ping(contract(t, in, org, 0))
		return err == nil, fmt.Sprint(err)
	})
}

func height(t *testing.T, in *netinfo.Info, peer string) uint64 {
	t.Helper()
	h, err := in.BlockHeight(peer)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// raftLeader finds the orderer that leads the channel's Raft cluster.
func raftLeader(t *testing.T, in *netinfo.Info) netinfo.Node {
	t.Helper()
	var leader *netinfo.Node
	eventually(t, "a Raft leader", time.Minute, func() (bool, string) {
		for i, o := range in.Orderers {
			v, err := metric(o.OpsAddr, `consensus_etcdraft_is_leader{channel="`+in.Channel+`"}`)
			if err == nil && v == 1 {
				leader = &in.Orderers[i]
				return true, ""
			}
		}
		return false, "no orderer reports consensus_etcdraft_is_leader 1"
	})
	return *leader
}

func ordererHeight(t *testing.T, in *netinfo.Info, o netinfo.Node) uint64 {
	h, err := in.OrdererHeight(o.Name)
	if err != nil {
		return 0 // not up yet
	}
	return h
}
