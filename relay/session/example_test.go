package session_test

import (
	"fmt"
	"time"

	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/relay/session"
)

func ExampleIssuer_Issue() {
	is, _ := session.NewIssuer([]byte("0123456789abcdef0123456789abcdef"), 24*time.Hour)
	now := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	bob := model.SignerSpec{ID: "bob", MSPID: "Org1MSP", RoutingOrder: 1}
	sha := "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03"
	s, _ := is.Issue("doc-1", sha, bob, now.Add(7*24*time.Hour), now)
	again, _ := is.Issue("doc-1", sha, bob, now.Add(7*24*time.Hour), now.Add(3*time.Hour))
	fmt.Println("stable within the epoch:", s.Token == again.Token)
	fmt.Println("expires:", s.ExpiresAt.Format(time.RFC3339))
	fmt.Println("match code digits:", len(s.MatchCode))
	// Output:
	// stable within the epoch: true
	// expires: 2026-11-26T00:00:00Z
	// match code digits: 6
}
