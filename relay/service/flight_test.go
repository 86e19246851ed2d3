package service

import (
	"errors"
	"sync"
	"testing"

	"github.com/qrsign/qrsign/relay/api"
)

func TestFlightSharesOnlySuccessAWaiterOfAFailedLeaderRunsItsOwnAttempt(t *testing.T) {
	var f flight
	started, release := make(chan struct{}), make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	var leaderErr error
	go func() {
		defer wg.Done()
		_, leaderErr, _ = f.do("n", func() (*api.CallbackResult, error) {
			close(started)
			<-release
			return nil, errors.New("garbage signature")
		})
	}()
	<-started
	done := make(chan struct{})
	var got *api.CallbackResult
	var err error
	go func() {
		defer close(done)
		got, err, _ = f.do("n", func() (*api.CallbackResult, error) { return &api.CallbackResult{TxID: "real"}, nil })
	}()
	close(release)
	wg.Wait()
	<-done
	if leaderErr == nil || err != nil || got == nil || got.TxID != "real" {
		t.Fatalf("leader %v; waiter %+v %v", leaderErr, got, err)
	}
}

func TestFlightSharesASuccess(t *testing.T) {
	var f flight
	started, release := make(chan struct{}), make(chan struct{})
	go f.do("n", func() (*api.CallbackResult, error) {
		close(started)
		<-release
		return &api.CallbackResult{TxID: "first"}, nil
	})
	<-started
	close(release)
	// Whether this call waited or came after, it must not fail.
	got, err, _ := f.do("n", func() (*api.CallbackResult, error) { return &api.CallbackResult{TxID: "second"}, nil })
	if err != nil || got == nil {
		t.Fatalf("%+v %v", got, err)
	}
}
