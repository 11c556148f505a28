package plugin

import (
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

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

func TestEqual(t *testing.T) {
	s := resource.NewStringProperty
	obj := func(kv ...string) resource.PropertyValue {
		m := resource.PropertyMap{}
		for i := 0; i < len(kv); i += 2 {
			m[resource.PropertyKey(kv[i])] = s(kv[i+1])
		}
		return resource.NewObjectProperty(m)
	}
	for _, tc := range []struct {
		a, b resource.PropertyValue
		want bool
	}{
		{s("x"), s("x"), true},
		{s("x"), resource.MakeSecret(s("x")), true},
		{s("x"), s("y"), false},
		{resource.MakeComputed(s("")), resource.MakeComputed(s("")), false},
		{obj("a", "1"), resource.MakeSecret(obj("a", "1")), true},
		{obj("a", "1"), obj("a", "1", "b", "2"), false},
		{resource.NewNullProperty(), resource.PropertyValue{}, true},
		{resource.NewNumberProperty(22), resource.NewNumberProperty(22), true},
	} {
		if got := Equal(tc.a, tc.b); got != tc.want {
			t.Errorf("Equal(%v, %v) = %v", tc.a, tc.b, got)
		}
	}
}
