package supervise

import (
	"errors"
	"testing"
	"time"
)

func TestDelayDoublesUpToTheBound(t *testing.T) {
	p := Policy{Base: time.Second, Max: 10 * time.Second}
	want := []time.Duration{1, 2, 4, 8, 10, 10, 10}
	for failures, w := range want {
		if got := p.Delay(failures); got != w*time.Second {
			t.Errorf("Delay(%d) = %s, want %s", failures, got, w*time.Second)
		}
	}
	if got := p.Delay(1000); got != 10*time.Second {
		t.Errorf("Delay(1000) = %s, want the bound", got)
	}
}

// fake is a node whose process the test crashes and an operator stops.
type fake struct {
	name             string
	running, wanted  bool
	starts           int
	startErr         error
	exit             string
	startedByCommand bool // Start is refused: a command started it meanwhile
}

func (f *fake) Name() string       { return f.name }
func (f *fake) Running() bool      { return f.running }
func (f *fake) Wanted() bool       { return f.wanted }
func (f *fake) ExitStatus() string { return f.exit }
func (f *fake) Start() error {
	if f.startErr != nil {
		return f.startErr
	}
	f.starts++
	f.running, f.wanted, f.exit = true, true, ""
	return nil
}
func (f *fake) crash() { f.running, f.exit = false, "signal: killed" }

var t0 = time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)

var policy = Policy{Base: time.Second, Max: 8 * time.Second, Healthy: time.Minute}

// sup supervises nodes with a state lock the test can hold.
func sup(nodes ...*fake) (*Supervisor, *bool) {
	locked := new(bool)
	return &Supervisor{Policy: policy,
		Nodes: func() ([]Node, error) {
			var out []Node
			for _, n := range nodes {
				out = append(out, n)
			}
			return out, nil
		},
		Lock: func() (func(), bool, error) {
			if *locked {
				return nil, false, nil
			}
			*locked = true
			return func() { *locked = false }, true, nil
		}}, locked
}

func round(t *testing.T, s *Supervisor, at time.Duration) {
	t.Helper()
	if _, err := s.Round(t0.Add(at)); err != nil {
		t.Fatal(err)
	}
}

func want(t *testing.T, s *Supervisor, name string, w NodeStatus) {
	t.Helper()
	got := s.Status()[name]
	got.started, got.startedAt = nil, time.Time{}
	if got != w {
		t.Fatalf("%s status\n got %+v\nwant %+v", name, got, w)
	}
}

// A crash is restarted after the back-off; crashes without a healthy period
// between them wait twice as long each time, up to the bound; a minute up
// resets it. The first exit of a node the supervisor did not start is
// unknown; later ones are the process's own.
func TestCrashesAreRestartedWithBackOff(t *testing.T) {
	peer := &fake{name: "peer0.org1", running: true, wanted: true}
	s, _ := sup(peer)
	round(t, s, 0)
	want(t, s, "peer0.org1", NodeStatus{})

	peer.crash()
	round(t, s, 10*time.Second)
	want(t, s, "peer0.org1", NodeStatus{LastExit: unknownExit, LastExitAt: t0.Add(10 * time.Second), NextStart: t0.Add(11 * time.Second)})
	round(t, s, 10*time.Second+999*time.Millisecond)
	if peer.starts != 0 {
		t.Fatal("restarted before the back-off passed")
	}
	round(t, s, 11*time.Second)
	want(t, s, "peer0.org1", NodeStatus{Restarts: 1, Failures: 1, LastExit: unknownExit, LastExitAt: t0.Add(10 * time.Second)})

	// Dies again at once: 2 s, then 4 s, 8 s, 8 s.
	at := 11 * time.Second
	for i, d := range []time.Duration{2, 4, 8, 8} {
		peer.crash()
		at += 100 * time.Millisecond
		round(t, s, at)
		want(t, s, "peer0.org1", NodeStatus{Restarts: 1 + i, Failures: 1 + i, LastExit: "signal: killed", LastExitAt: t0.Add(at), NextStart: t0.Add(at + d*time.Second)})
		at += d * time.Second
		round(t, s, at)
		if peer.starts != 2+i || !peer.running {
			t.Fatalf("crash %d: %d starts, running %v", i+2, peer.starts, peer.running)
		}
	}
	want(t, s, "peer0.org1", NodeStatus{Restarts: 5, Failures: 5, LastExit: "signal: killed", LastExitAt: t0.Add(at - 8*time.Second)})

	// Up for 59 s: still failing; for a minute: healthy, the next crash waits 1 s.
	round(t, s, at+59*time.Second)
	if s.Status()["peer0.org1"].Failures != 5 {
		t.Fatal("back-off reset before a healthy minute")
	}
	at += time.Minute
	round(t, s, at)
	want(t, s, "peer0.org1", NodeStatus{Restarts: 5, LastExit: "signal: killed", LastExitAt: t0.Add(at - 68*time.Second)})
	peer.crash()
	round(t, s, at)
	if got := s.Status()["peer0.org1"].NextStart; !got.Equal(t0.Add(at + time.Second)) {
		t.Fatalf("after a healthy minute the next start is at %s, want 1 s after the crash", got)
	}
}

// A node an operator stopped (no pid file) is never started, even one that
// was waiting out its back-off when the operator stopped it.
func TestOperatorStopsAreLeftAlone(t *testing.T) {
	relay := &fake{name: "relay.org1"}
	cc := &fake{name: "chaincode.org1", running: true, wanted: true}
	s, _ := sup(relay, cc)
	round(t, s, 0)
	cc.crash()
	round(t, s, time.Second)
	cc.wanted = false // network stop-node chaincode.org1
	for at := 2 * time.Second; at < time.Minute; at += time.Second {
		round(t, s, at)
	}
	if relay.starts+cc.starts != 0 {
		t.Fatalf("started %d times: relay %d, chaincode %d", relay.starts+cc.starts, relay.starts, cc.starts)
	}
	want(t, s, "relay.org1", NodeStatus{})
	want(t, s, "chaincode.org1", NodeStatus{LastExit: unknownExit, LastExitAt: t0.Add(time.Second)})
}

// While a network command holds the state lock nothing is restarted; once it
// is released, a node the command started is left alone and one still down
// is started.
func TestRestartsWaitForTheStateLock(t *testing.T) {
	a := &fake{name: "peer0.org1", running: true, wanted: true}
	b := &fake{name: "peer1.org1", running: true, wanted: true}
	s, locked := sup(a, b)
	round(t, s, 0)
	a.crash()
	b.crash()
	*locked = true // network up runs
	round(t, s, 5*time.Second)
	if a.starts+b.starts != 0 {
		t.Fatal("restarted while the state lock was held")
	}
	a.running = true // up started it
	*locked = false
	round(t, s, 6*time.Second)
	if a.starts != 0 || b.starts != 1 {
		t.Fatalf("starts: %s %d (want 0: already running), %s %d (want 1)", a.name, a.starts, b.name, b.starts)
	}
	want(t, s, "peer0.org1", NodeStatus{LastExit: unknownExit, LastExitAt: t0.Add(5 * time.Second)})
	if *locked {
		t.Fatal("the state lock was not released")
	}
}

// A start that fails counts as a failure: the back-off grows, and the
// error is the last exit until a start succeeds.
func TestFailedStartsBackOff(t *testing.T) {
	ca := &fake{name: "ca.org1", running: true, wanted: true}
	s, _ := sup(ca)
	round(t, s, 0)
	ca.crash()
	ca.startErr = errors.New("start ca.org1: no such file")
	round(t, s, 0)
	round(t, s, time.Second)
	want(t, s, "ca.org1", NodeStatus{Failures: 1, LastExit: "start failed: start ca.org1: no such file", LastExitAt: t0.Add(time.Second), NextStart: t0.Add(3 * time.Second)})
	ca.startErr = nil
	round(t, s, 3*time.Second)
	want(t, s, "ca.org1", NodeStatus{Restarts: 1, Failures: 2, LastExit: "start failed: start ca.org1: no such file", LastExitAt: t0.Add(time.Second)})
}

// A node that left the network (org leave) leaves the status too.
func TestRemovedNodesLeaveTheStatus(t *testing.T) {
	n := &fake{name: "peer0.org3", running: true, wanted: true}
	nodes := []*fake{n}
	s, _ := sup()
	s.Nodes = func() ([]Node, error) {
		var out []Node
		for _, f := range nodes {
			out = append(out, f)
		}
		return out, nil
	}
	round(t, s, 0)
	if _, ok := s.Status()["peer0.org3"]; !ok {
		t.Fatal("no status for a node")
	}
	nodes = nil
	changed, err := s.Round(t0.Add(time.Second))
	if err != nil || !changed {
		t.Fatalf("Round: changed %v, err %v", changed, err)
	}
	if len(s.Status()) != 0 {
		t.Fatalf("status %v after the node left", s.Status())
	}
}
