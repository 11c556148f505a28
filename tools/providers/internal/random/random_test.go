package random

import (
	"context"
	"strings"
	"testing"
	"unicode"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"golang.org/x/crypto/bcrypt"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/structpb"

	"local/haproxy-ha/providers/internal/plugin"
)

const (
	pwURN  = "urn:pulumi:dev::proj::random:index/randomPassword:RandomPassword::pw"
	strURN = "urn:pulumi:dev::proj::random:index/randomString:RandomString::s"
)

func count(s string, set string) int {
	n := 0
	for _, r := range s {
		if strings.ContainsRune(set, r) {
			n++
		}
	}
	return n
}

func TestGenerateLengthAndCharsets(t *testing.T) {
	for i := 0; i < 200; i++ {
		s, err := generate(params{length: 32, upper: true, lower: true, numeric: true, special: true,
			minUpper: 3, minLower: 4, minNumeric: 5, minSpecial: 6})
		if err != nil {
			t.Fatal(err)
		}
		if len([]rune(s)) != 32 {
			t.Fatalf("length %d: %q", len(s), s)
		}
		if count(s, upperChars) < 3 || count(s, lowerChars) < 4 || count(s, numericChars) < 5 || count(s, specialChars) < 6 {
			t.Fatalf("minimums not met: %q", s)
		}
		if count(s, upperChars+lowerChars+numericChars+specialChars) != 32 {
			t.Fatalf("unexpected characters: %q", s)
		}
	}
	// Disabled classes do not appear.
	for i := 0; i < 100; i++ {
		s, err := generate(params{length: 40, lower: true})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range s {
			if !unicode.IsLower(r) {
				t.Fatalf("non-lower character in %q", s)
			}
		}
	}
	// overrideSpecial replaces the special set.
	o := "_~"
	for i := 0; i < 100; i++ {
		s, err := generate(params{length: 20, special: true, overrideSpecial: &o, minSpecial: 20})
		if err != nil {
			t.Fatal(err)
		}
		if count(s, o) != 20 {
			t.Fatalf("override ignored: %q", s)
		}
	}
	// Results differ (crypto/rand, not a fixed seed).
	a, _ := generate(params{length: 24, upper: true, lower: true, numeric: true})
	b, _ := generate(params{length: 24, upper: true, lower: true, numeric: true})
	if a == b {
		t.Errorf("two results are equal: %q", a)
	}
}

func TestValidation(t *testing.T) {
	cases := []struct {
		p    params
		want string
	}{
		{params{length: 0, lower: true}, "length must be at least 1"},
		{params{length: 4, lower: true, minUpper: 2, minNumeric: 3}, "sum of minUpper"},
		{params{length: 4, lower: true, minLower: -1}, "minLower must be 0 or more"},
		{params{length: 4}, "no characters to choose from"},
	}
	for _, tc := range cases {
		if _, err := generate(tc.p); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: err = %v, want %q", tc.p, err, tc.want)
		}
	}
	if _, err := generate(params{length: 4, minUpper: 2, minNumeric: 2}); err != nil {
		t.Errorf("minimums filling the length with all classes off: %v", err)
	}
}

func marshal(t *testing.T, m resource.PropertyMap) *structpb.Struct {
	t.Helper()
	s, err := plugin.Marshal("test", m)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func unmarshal(t *testing.T, s *structpb.Struct) resource.PropertyMap {
	t.Helper()
	m, err := plugin.Unmarshal("test", s)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func check(t *testing.T, urn string, m resource.PropertyMap) (resource.PropertyMap, []*pulumirpc.CheckFailure) {
	t.Helper()
	resp, err := New().Check(context.Background(), &pulumirpc.CheckRequest{Urn: urn, News: marshal(t, m)})
	if err != nil {
		t.Fatal(err)
	}
	return unmarshal(t, resp.GetInputs()), resp.GetFailures()
}

func num(n float64) resource.PropertyValue { return resource.NewNumberProperty(n) }

func TestCheckDefaultsAndFailures(t *testing.T) {
	in, f := check(t, pwURN, resource.PropertyMap{"length": num(16)})
	if len(f) != 0 {
		t.Fatalf("failures: %v", f)
	}
	for _, k := range boolKeys {
		if v := in[resource.PropertyKey(k)]; !v.IsBool() || !v.BoolValue() {
			t.Errorf("%s default = %v", k, v)
		}
	}
	for _, k := range minKeys {
		if v := in[resource.PropertyKey(k)]; !v.IsNumber() || v.NumberValue() != 0 {
			t.Errorf("%s default = %v", k, v)
		}
	}
	in, _ = check(t, pwURN, resource.PropertyMap{"length": num(16), "number": resource.NewBoolProperty(false)})
	if in["numeric"].BoolValue() {
		t.Errorf("number=false not carried to numeric")
	}
	for _, tc := range []struct {
		m    resource.PropertyMap
		want string
	}{
		{resource.PropertyMap{}, "length is required"},
		{resource.PropertyMap{"length": num(0)}, "length must be at least 1"},
		{resource.PropertyMap{"length": num(3), "minUpper": num(2), "minSpecial": num(2)}, "sum of minUpper"},
		{resource.PropertyMap{"length": num(2.5)}, "whole number"},
		{resource.PropertyMap{"length": num(8), "upper": resource.NewBoolProperty(false),
			"lower": resource.NewBoolProperty(false), "numeric": resource.NewBoolProperty(false),
			"special": resource.NewBoolProperty(false)}, "no characters"},
		{resource.PropertyMap{"length": num(8), "numeric": resource.NewBoolProperty(true),
			"number": resource.NewBoolProperty(false)}, "same value"},
	} {
		_, f := check(t, strURN, tc.m)
		if len(f) == 0 || !strings.Contains(f[0].GetReason(), tc.want) {
			t.Errorf("%v: failures %v, want %q", tc.m, f, tc.want)
		}
	}
	// Unknown length: no failure during preview.
	if _, f := check(t, pwURN, resource.PropertyMap{"length": resource.MakeComputed(num(0))}); len(f) != 0 {
		t.Errorf("unknown length: %v", f)
	}
}

func TestCreatePasswordAndString(t *testing.T) {
	p := New()
	in, _ := check(t, pwURN, resource.PropertyMap{"length": num(20), "minSpecial": num(2),
		"keepers": resource.NewObjectProperty(resource.PropertyMap{"k": resource.NewStringProperty("v")})})
	resp, err := p.Create(context.Background(), &pulumirpc.CreateRequest{Urn: pwURN, Properties: marshal(t, in)})
	if err != nil {
		t.Fatal(err)
	}
	out := unmarshal(t, resp.GetProperties())
	if resp.GetId() != "none" {
		t.Errorf("password id = %q", resp.GetId())
	}
	if !out["result"].IsSecret() || !out["bcryptHash"].IsSecret() {
		t.Fatalf("password outputs not secret: %v", out)
	}
	pw := plugin.Get(out, "result").StringValue()
	if len(pw) != 20 || count(pw, specialChars) < 2 {
		t.Errorf("password %q", pw)
	}
	hash := plugin.Get(out, "bcryptHash").StringValue()
	if bcrypt.CompareHashAndPassword([]byte(hash), []byte(pw)) != nil {
		t.Errorf("bcryptHash does not match")
	}
	if plugin.Get(out, "length").NumberValue() != 20 || plugin.Get(plugin.Get(out, "keepers").ObjectValue(), "k").StringValue() != "v" {
		t.Errorf("inputs not echoed: %v", out)
	}

	in, _ = check(t, strURN, resource.PropertyMap{"length": num(12), "special": resource.NewBoolProperty(false)})
	resp, err = p.Create(context.Background(), &pulumirpc.CreateRequest{Urn: strURN, Properties: marshal(t, in)})
	if err != nil {
		t.Fatal(err)
	}
	out = unmarshal(t, resp.GetProperties())
	s := plugin.Get(out, "result").StringValue()
	if out["result"].IsSecret() || resp.GetId() != s || len(s) != 12 || count(s, specialChars) != 0 {
		t.Errorf("string: id %q result %v", resp.GetId(), out["result"])
	}
	if _, ok := out["bcryptHash"]; ok {
		t.Errorf("RandomString has a bcryptHash")
	}

	// Preview: result unknown.
	resp, err = p.Create(context.Background(), &pulumirpc.CreateRequest{Urn: pwURN, Properties: marshal(t, in), Preview: true})
	if err != nil {
		t.Fatal(err)
	}
	if out := unmarshal(t, resp.GetProperties()); !out["result"].IsComputed() {
		t.Errorf("preview result = %v", out["result"])
	}
}

func TestDiffReplacesOnAnyChange(t *testing.T) {
	p := New()
	in, _ := check(t, pwURN, resource.PropertyMap{"length": num(16)})
	resp, _ := p.Create(context.Background(), &pulumirpc.CreateRequest{Urn: pwURN, Properties: marshal(t, in)})
	state := resp.GetProperties()

	diff := func(news resource.PropertyMap) *pulumirpc.DiffResponse {
		checked, _ := check(t, pwURN, news)
		d, err := p.Diff(context.Background(), &pulumirpc.DiffRequest{Urn: pwURN, Olds: state, News: marshal(t, checked)})
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	if d := diff(resource.PropertyMap{"length": num(16)}); d.GetChanges() != pulumirpc.DiffResponse_DIFF_NONE {
		t.Errorf("no change: %v", d)
	}
	if d := diff(resource.PropertyMap{"length": num(16), "special": resource.NewBoolProperty(true)}); d.GetChanges() != pulumirpc.DiffResponse_DIFF_NONE {
		t.Errorf("explicit default: %v", d)
	}
	for name, news := range map[string]resource.PropertyMap{
		"length":  {"length": num(17)},
		"special": {"length": num(16), "special": resource.NewBoolProperty(false)},
		"keepers": {"length": num(16), "keepers": resource.NewObjectProperty(resource.PropertyMap{"a": resource.NewStringProperty("1")})},
	} {
		d := diff(news)
		if d.GetChanges() != pulumirpc.DiffResponse_DIFF_SOME || len(d.GetReplaces()) == 0 || d.GetReplaces()[0] != name {
			t.Errorf("%s: %v", name, d)
		}
	}
}

func TestUnknownTypeAndInfo(t *testing.T) {
	p := New()
	_, err := p.Create(context.Background(), &pulumirpc.CreateRequest{
		Urn: "urn:pulumi:dev::proj::random:index/randomUuid:RandomUuid::u"})
	if err == nil || !strings.Contains(err.Error(), "randomUuid") {
		t.Errorf("unknown type: %v", err)
	}
	info, _ := p.GetPluginInfo(context.Background(), &emptypb.Empty{})
	if info.GetVersion() != "4.21.2" {
		t.Errorf("version %q", info.GetVersion())
	}
	cfg, _ := p.Configure(context.Background(), &pulumirpc.ConfigureRequest{})
	if !cfg.GetAcceptSecrets() || !cfg.GetSupportsPreview() {
		t.Errorf("configure %v", cfg)
	}
}
