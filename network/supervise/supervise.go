// Package supervise restarts the network's crashed processes: a node whose
// pid file is there (it is wanted) but whose process is gone is started
// again from its saved command line, after an exponential back-off that a
// healthy period resets. A node an operator stopped has no pid file and is
// left alone (package proc).
package supervise

import "time"

// Policy is how long to wait before a restart.
type Policy struct {
	Base    time.Duration // before the first restart after a healthy period
	Max     time.Duration // the bound the doubling stops at
	Healthy time.Duration // running this long resets the back-off
}

// DefaultPolicy restarts after 0.5 s, 1 s, 2 s, … up to 30 s; a node up for
// a minute counts as healthy again.
var DefaultPolicy = Policy{Base: 500 * time.Millisecond, Max: 30 * time.Second, Healthy: time.Minute}

// Delay is the wait before a restart that follows failures restarts
// without a healthy period in between.
func (p Policy) Delay(failures int) time.Duration {
	d := p.Base
	for i := 0; i < failures && d < p.Max; i++ {
		d *= 2
	}
	return min(d, p.Max)
}

// Node is one supervised process (a *proc.Spec through Spec).
type Node interface {
	Name() string
	Running() bool
	Wanted() bool
	Start() error
	// ExitStatus is how the process this Node started ended, "" while it
	// runs or when it did not start it.
	ExitStatus() string
}

// NodeStatus is what `network status` shows of a node's supervision.
type NodeStatus struct {
	Restarts   int       `json:"restarts"`
	LastExit   string    `json:"lastExit,omitempty"`
	LastExitAt time.Time `json:"lastExitAt,omitzero"`
	// NextStart is when a crashed node is started again (zero: not waiting).
	NextStart time.Time `json:"nextStart,omitzero"`
	// Failures counts restarts since the node was last healthy: the back-off.
	Failures int `json:"failures"`

	startedAt time.Time // when this supervisor last started it
	started   Node      // the process it started last, which alone knows how it ended
}

// unknownExit is the last exit of a process the supervisor did not start.
const unknownExit = "unknown (not started by the supervisor)"

// Supervisor keeps a network's nodes running. Round is one look at every
// node at a given time; Run repeats it.
type Supervisor struct {
	Policy Policy
	// Nodes lists the network's nodes, read again each round (org join and
	// leave change them).
	Nodes func() ([]Node, error)
	// Lock takes the state lock without waiting (ok false: a network command
	// runs): a restart happens only while it is held.
	Lock func() (unlock func(), ok bool, err error)

	status map[string]*NodeStatus
}

// Round restarts every crashed node whose back-off has passed at now and
// reports whether any node's status changed.
func (s *Supervisor) Round(now time.Time) (changed bool, err error) {
	nodes, err := s.Nodes()
	if err != nil {
		return false, err
	}
	if s.status == nil {
		s.status = map[string]*NodeStatus{}
	}
	seen := map[string]bool{}
	for _, n := range nodes {
		seen[n.Name()] = true
		st := s.status[n.Name()]
		if st == nil {
			st = &NodeStatus{}
			s.status[n.Name()] = st
		}
		c, err := s.look(n, st, now)
		changed = changed || c
		if err != nil {
			return changed, err
		}
	}
	for name := range s.status {
		if !seen[name] {
			delete(s.status, name)
			changed = true
		}
	}
	return changed, nil
}

// look decides for one node. Running is asked before Wanted: an operator's
// stop removes the pid file before the process ends, so a node seen gone
// and still wanted has crashed.
func (s *Supervisor) look(n Node, st *NodeStatus, now time.Time) (changed bool, err error) {
	if n.Running() {
		if !st.NextStart.IsZero() { // a command started it while it waited
			st.NextStart = time.Time{}
			return true, nil
		}
		if st.Failures > 0 && !st.startedAt.IsZero() && now.Sub(st.startedAt) >= s.Policy.Healthy {
			st.Failures = 0
			return true, nil
		}
		return false, nil
	}
	if !n.Wanted() {
		if !st.NextStart.IsZero() { // stopped by an operator while waiting to restart
			st.NextStart = time.Time{}
			return true, nil
		}
		return false, nil
	}
	if st.NextStart.IsZero() { // a crash seen for the first time
		st.LastExit, st.LastExitAt = unknownExit, now
		if st.started != nil {
			st.LastExit = st.started.ExitStatus()
		}
		st.NextStart = now.Add(s.Policy.Delay(st.Failures))
		changed = true
	}
	if now.Before(st.NextStart) {
		return changed, nil
	}
	unlock, ok, err := s.Lock()
	if err != nil || !ok {
		return changed, err
	}
	defer unlock()
	if n.Running() || !n.Wanted() { // a command started or stopped it meanwhile
		st.NextStart = time.Time{}
		return true, nil
	}
	st.Failures++
	if err := n.Start(); err != nil {
		st.LastExit, st.LastExitAt = "start failed: "+err.Error(), now
		st.NextStart = now.Add(s.Policy.Delay(st.Failures))
		return true, nil
	}
	st.Restarts++
	st.started, st.startedAt, st.NextStart = n, now, time.Time{}
	return true, nil
}

// Status is a copy of every node's status, by name.
func (s *Supervisor) Status() map[string]NodeStatus {
	out := map[string]NodeStatus{}
	for name, st := range s.status {
		c := *st
		c.started = nil
		out[name] = c
	}
	return out
}
