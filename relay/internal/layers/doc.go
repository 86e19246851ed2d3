// Package layers holds the test that keeps qrsign's layers apart, read from
// `go list -deps`:
//
//   - protocol packages (the chaincode's model, payload, sigalg, certchain,
//     merkle; relay/api, relay/login/proof, relay/token) do no I/O: only the
//     standard library and each other, none of its network, file or process
//     packages;
//   - the domain (relay/service, relay/login) returns relay/fault errors and
//     imports no HTTP package: relay/problem maps codes to statuses;
//   - the relay server (relay/cmd/relay and all it links) never links the
//     signer client library (relay/signer/...);
//   - the signer client (relay/cmd/qrsign, relay/signer/...) and the offline
//     verifiers (relay/evidence, relay/verify) link neither fabric-gateway,
//     gRPC nor Echo, nor the relay's server packages;
//   - the phone page's signer module (relay/cmd/signer-wasm, GOOS=js
//     GOARCH=wasm) links relay/signer/clearsign and protocol packages only.
package layers
