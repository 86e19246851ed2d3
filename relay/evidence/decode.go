package evidence

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
)

// Decode parses a bundle strictly: every object of the layout must have
// exactly its fields, none missing (a missing number would read as 0) and
// none unknown. Events are kept as raw JSON: Verify compares their bytes.
func Decode(raw []byte) (*Bundle, error) {
	var b Bundle
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&b); err != nil {
		return nil, fmt.Errorf("evidence bundle: %w", err)
	}
	if dec.More() {
		return nil, fmt.Errorf("evidence bundle: data after the bundle")
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(raw, &top); err != nil {
		return nil, fmt.Errorf("evidence bundle: %w", err)
	}
	if err := fields("bundle", top, "format", "documentId", "documentSha256", "channel", "chaincode", "events",
		"transactions", "blocks", "cas", "crls", "witness"); err != nil {
		return nil, err
	}
	for name, want := range map[string][]string{
		"transactions": {"txId", "blockNumber", "txIndex", "validationCode"},
		"blocks":       {"number", "previousHash", "dataHash", "headerHash", "data", "signatures"},
		"cas":          {"mspId", "fingerprint", "certPem"},
		"crls":         {"mspId", "caFingerprint", "crlPem"},
	} {
		var items []map[string]json.RawMessage
		if err := json.Unmarshal(top[name], &items); err != nil {
			return nil, fmt.Errorf("evidence bundle: %s: %w", name, err)
		}
		for i, it := range items {
			if err := fields(fmt.Sprintf("%s[%d]", name, i), it, want...); err != nil {
				return nil, err
			}
		}
	}
	return &b, nil
}

// fields requires obj to have exactly the given keys, none of them null.
func fields(where string, obj map[string]json.RawMessage, want ...string) error {
	var missing []string
	for _, k := range want {
		if v, ok := obj[k]; !ok || string(v) == "null" {
			missing = append(missing, k)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("evidence bundle: %s lacks %s", where, strings.Join(missing, ", "))
	}
	if len(obj) != len(want) {
		var extra []string
		for k := range obj {
			if !slices.Contains(want, k) {
				extra = append(extra, k)
			}
		}
		sort.Strings(extra)
		return fmt.Errorf("evidence bundle: %s has unknown fields %s", where, strings.Join(extra, ", "))
	}
	return nil
}
