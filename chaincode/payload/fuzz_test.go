package payload_test

import (
	"bytes"
	"encoding/json"
	"os"
	"testing"

	"github.com/qrsign/qrsign/chaincode/payload"
)

// FuzzParse: Parse never panics, and whatever it accepts is canonical:
// building the parsed fields gives back the very same bytes.
func FuzzParse(f *testing.F) {
	if b, err := os.ReadFile(vectorsFile); err == nil {
		var v Vectors
		if json.Unmarshal(b, &v) == nil {
			for _, c := range v.Cases {
				f.Add([]byte(c.PayloadText))
			}
		}
	}
	f.Add([]byte(payload.Header + "\n"))
	f.Add([]byte(payload.Header + "\npurpose=4:sign\nchannel=01:x\n"))
	f.Add([]byte("QRSIGN-PAYLOAD/2\n"))
	f.Fuzz(func(t *testing.T, in []byte) {
		fields, err := payload.Parse(in)
		if err != nil {
			return
		}
		out, err := payload.Build(fields)
		if err != nil {
			t.Fatalf("parsed fields do not build: %v", err)
		}
		if !bytes.Equal(out, in) {
			t.Fatalf("not canonical:\n in  %q\n out %q", in, out)
		}
	})
}
