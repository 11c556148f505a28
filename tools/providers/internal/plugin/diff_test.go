package plugin

import (
	"fmt"
	"sort"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/protobuf/types/known/structpb"
)

func TestDiff(t *testing.T) {
	s := resource.NewStringProperty
	// "out" is computed by the resource; a change of "r" replaces it.
	outputOnly := []string{"out"}
	replaces := func(k string) bool { return k == "r" }
	base := func() resource.PropertyMap { return resource.PropertyMap{"a": s("1"), "r": s("x")} }
	const (
		update  = pulumirpc.PropertyDiff_UPDATE
		add     = pulumirpc.PropertyDiff_ADD
		del     = pulumirpc.PropertyDiff_DELETE
		updateR = pulumirpc.PropertyDiff_UPDATE_REPLACE
		addR    = pulumirpc.PropertyDiff_ADD_REPLACE
		delR    = pulumirpc.PropertyDiff_DELETE_REPLACE
	)
	for _, tc := range []struct {
		name      string
		olds      func(resource.PropertyMap)
		news      func(resource.PropertyMap)
		detailed  map[string]pulumirpc.PropertyDiff_Kind // nil: no change
		replacing []string
	}{
		{"identical", nil, nil, nil, nil},
		{"output in the old state", func(m resource.PropertyMap) { m["out"] = s("o") }, nil, nil, nil},
		{"only secretness changed", nil, func(m resource.PropertyMap) { m["a"] = resource.MakeSecret(s("1")) }, nil, nil},
		{"internal key", nil, func(m resource.PropertyMap) { m["__defaults"] = resource.NewArrayProperty(nil) }, nil, nil},
		{"changed", nil, func(m resource.PropertyMap) { m["a"] = s("2") }, map[string]pulumirpc.PropertyDiff_Kind{"a": update}, nil},
		{"unknown", nil, func(m resource.PropertyMap) { m["a"] = resource.MakeComputed(s("")) }, map[string]pulumirpc.PropertyDiff_Kind{"a": update}, nil},
		{"added", nil, func(m resource.PropertyMap) { m["b"] = s("3") }, map[string]pulumirpc.PropertyDiff_Kind{"b": add}, nil},
		{"removed", nil, func(m resource.PropertyMap) { delete(m, "a") }, map[string]pulumirpc.PropertyDiff_Kind{"a": del}, nil},
		{"replacing key changed", nil, func(m resource.PropertyMap) { m["r"] = s("y") }, map[string]pulumirpc.PropertyDiff_Kind{"r": updateR}, []string{"r"}},
		{"replacing key added", func(m resource.PropertyMap) { delete(m, "r") }, nil, map[string]pulumirpc.PropertyDiff_Kind{"r": addR}, []string{"r"}},
		{"replacing key removed", nil, func(m resource.PropertyMap) { delete(m, "r") }, map[string]pulumirpc.PropertyDiff_Kind{"r": delR}, []string{"r"}},
		{"several, in key order", nil, func(m resource.PropertyMap) { m["r"] = s("y"); m["a"] = s("2"); m["0"] = s("0") },
			map[string]pulumirpc.PropertyDiff_Kind{"0": add, "a": update, "r": updateR}, []string{"r"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			olds, news := base(), base()
			if tc.olds != nil {
				tc.olds(olds)
			}
			if tc.news != nil {
				tc.news(news)
			}
			resp, err := Diff(&pulumirpc.DiffRequest{Olds: marshal(t, olds), News: marshal(t, news)}, outputOnly, replaces)
			if err != nil {
				t.Fatal(err)
			}
			if !resp.GetHasDetailedDiff() {
				t.Error("no detailed diff")
			}
			var diffs []string
			for k := range tc.detailed {
				diffs = append(diffs, k)
			}
			sort.Strings(diffs)
			changes := pulumirpc.DiffResponse_DIFF_NONE
			if len(diffs) > 0 {
				changes = pulumirpc.DiffResponse_DIFF_SOME
			}
			if resp.GetChanges() != changes || fmt.Sprint(resp.GetDiffs()) != fmt.Sprint(diffs) || fmt.Sprint(resp.GetReplaces()) != fmt.Sprint(tc.replacing) {
				t.Errorf("changes %v diffs %v replaces %v, want %v %v %v", resp.GetChanges(), resp.GetDiffs(), resp.GetReplaces(), changes, diffs, tc.replacing)
			}
			if len(resp.GetDetailedDiff()) != len(tc.detailed) {
				t.Errorf("detailed diff %v, want %v", resp.GetDetailedDiff(), tc.detailed)
			}
			for k, kind := range tc.detailed {
				if d := resp.GetDetailedDiff()[k]; d.GetKind() != kind || !d.GetInputDiff() {
					t.Errorf("%s: %v, want %v of an input", k, d, kind)
				}
			}
		})
	}
}

func TestDiffPrefersOldInputs(t *testing.T) {
	s := resource.NewStringProperty
	state := resource.PropertyMap{"a": s("1"), "out": s("o")}
	news := resource.PropertyMap{"a": s("1")}
	req := &pulumirpc.DiffRequest{Olds: marshal(t, state), News: marshal(t, news)}
	never := func(string) bool { return false }
	if resp, err := Diff(req, []string{"out"}, never); err != nil || resp.GetChanges() != pulumirpc.DiffResponse_DIFF_NONE {
		t.Errorf("against the old state: %v, %v", resp, err)
	}
	// The engine's old inputs, when it sends them, are what the new inputs are compared with.
	req.OldInputs = marshal(t, resource.PropertyMap{"a": s("0")})
	resp, err := Diff(req, []string{"out"}, never)
	if err != nil || resp.GetChanges() != pulumirpc.DiffResponse_DIFF_SOME || fmt.Sprint(resp.GetDiffs()) != "[a]" {
		t.Errorf("against the old inputs: %v, %v", resp, err)
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

func marshal(t *testing.T, m resource.PropertyMap) *structpb.Struct {
	t.Helper()
	s, err := Marshal("test", m)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
