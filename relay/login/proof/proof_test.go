package proof

import "testing"

// The digest is pinned: the mobile page (JavaScript) and other scanners
// compute it independently.
func TestDigestIsPinned(t *testing.T) {
	got := Digest("http://127.0.0.1:7080", "0123456789abcdef0123456789abcdef")
	const want = "878c4dac227cc327ebf3725dcac586dcf4e6b821472dfeab6c4a4150b54c55e5"
	if got != want {
		t.Fatalf("Digest = %s, want %s", got, want)
	}
}

func TestFromURL(t *testing.T) {
	for in, want := range map[string]string{
		"http://r.test/l/abc.def":       "abc.def",
		"http://r.test/l/abc.def?x=1#f": "abc.def",
		"abc.def":                       "abc.def",
		"https://r.test/prefix/l/t.u":   "t.u",
	} {
		if got := FromURL(in); got != want {
			t.Errorf("FromURL(%q) = %q, want %q", in, got, want)
		}
	}
	if IsLoginURL("http://r.test/s/abc") || !IsLoginURL("http://r.test/l/abc") || IsLoginURL("http://r.test/l/") {
		t.Error("IsLoginURL")
	}
}
