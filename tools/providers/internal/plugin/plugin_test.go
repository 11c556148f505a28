package plugin

import "testing"

func TestEngineAddress(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
		err  bool
	}{
		{[]string{"127.0.0.1:1234"}, "127.0.0.1:1234", false},
		{[]string{"--logtostderr", "-v=9", "127.0.0.1:1"}, "127.0.0.1:1", false},
		{[]string{"--tracing", "http://x", "127.0.0.1:2"}, "127.0.0.1:2", false},
		{[]string{"--tracing=http://x", "127.0.0.1:3"}, "127.0.0.1:3", false},
		{nil, "", false},
		{[]string{"a", "b"}, "", true},
	} {
		got, err := engineAddress(tc.args)
		if got != tc.want || (err != nil) != tc.err {
			t.Errorf("%q: got %q, %v", tc.args, got, err)
		}
	}
}
