package evidence

import "testing"

// FuzzVerify: whatever the bytes, Decode and Verify answer without
// panicking. Seeds are the golden bundles (run by every `go test`);
// `go test -fuzz FuzzVerify ./relay/evidence` explores from them.
func FuzzVerify(f *testing.F) {
	for _, name := range []string{"two-signers.json", "declined.json", "batch.json"} {
		f.Add(readFile(f, name))
	}
	trust := goldenTrust(f)
	f.Fuzz(func(t *testing.T, raw []byte) {
		if b, err := Decode(raw); err == nil {
			Verify(b, trust, nil)
		}
	})
}
