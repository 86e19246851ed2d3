// Package api holds the relay HTTP API's wire types: the bodies the relay's
// handlers decode and render and the signer client sends and reads, so the
// two sides cannot drift. It is a protocol package: no I/O, no HTTP stack
// (relay/internal/layers enforces it). The routes and the JSON each one
// answers are in relay/httpapi/openapi.json.
package api
