// Package random implements RandomPassword and RandomString of the Pulumi
// "random" provider (wire-compatible with @pulumi/random 4.21.2).
package random

import (
	"context"
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"golang.org/x/crypto/bcrypt"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/emptypb"

	"local/haproxy-ha/providers/internal/plugin"
)

const (
	// Name is the provider's package name.
	Name = "random"
	// Version is the version reported to the engine (that of @pulumi/random).
	Version = "4.21.2"
	// RandomPassword is the resource type of random.RandomPassword.
	RandomPassword = "random:index/randomPassword:RandomPassword"
	// RandomString is the resource type of random.RandomString.
	RandomString = "random:index/randomString:RandomString"
)

var (
	boolKeys = []string{"special", "upper", "lower", "numeric", "number"}
	minKeys  = []string{"minUpper", "minLower", "minNumeric", "minSpecial"}
)

// Provider serves RandomPassword and RandomString.
type Provider struct {
	plugin.Base
}

// New returns the provider.
func New() *Provider {
	return &Provider{Base: plugin.Base{Name: Name, Version: Version, Description: "Random values (RandomPassword and RandomString only)."}}
}

func resourceType(urn string) (string, error) {
	t := string(resource.URN(urn).Type())
	switch t {
	case RandomPassword, RandomString:
		return t, nil
	}
	return "", status.Errorf(codes.InvalidArgument,
		"unknown resource type %q: this random provider (a local reimplementation, version %s) only implements %s and %s",
		t, Version, RandomPassword, RandomString)
}

func outputKeys(t string) []string {
	if t == RandomPassword {
		return []string{"result", "bcryptHash"}
	}
	return []string{"result"}
}

// applyDefaults fills in upstream's defaults and validates the inputs. Unknown
// values are left alone and not validated.
func applyDefaults(m resource.PropertyMap) (resource.PropertyMap, []*pulumirpc.CheckFailure) {
	out := m.Copy()
	var failures []*pulumirpc.CheckFailure
	fail := func(prop, format string, args ...any) {
		failures = append(failures, &pulumirpc.CheckFailure{Property: prop, Reason: fmt.Sprintf(format, args...)})
	}
	isSet := func(k string) bool {
		v, ok := out[resource.PropertyKey(k)]
		return ok && !v.IsNull()
	}

	// number is the deprecated alias of numeric: keep the two in step.
	switch {
	case isSet("numeric") && !isSet("number"):
		out["number"] = out["numeric"]
	case isSet("number") && !isSet("numeric"):
		out["numeric"] = out["number"]
	case isSet("number") && isSet("numeric"):
		a, b := plugin.Get(out, "numeric"), plugin.Get(out, "number")
		if a.IsBool() && b.IsBool() && a.BoolValue() != b.BoolValue() {
			fail("number", "number (deprecated) and numeric must have the same value; set only numeric")
		}
	}
	for _, k := range boolKeys {
		if !isSet(k) {
			out[resource.PropertyKey(k)] = resource.NewBoolProperty(true)
		}
	}
	for _, k := range minKeys {
		if !isSet(k) {
			out[resource.PropertyKey(k)] = resource.NewNumberProperty(0)
		}
	}

	if !isSet("length") {
		fail("length", "length is required")
		return out, failures
	}
	if out.ContainsUnknowns() {
		return out, failures
	}
	if _, err := parseParams(out); err != nil {
		fail("", "%v", err)
	}
	return out, failures
}

func parseParams(m resource.PropertyMap) (params, error) {
	var p params
	length, err := plugin.OptInt(m, "length")
	if err != nil {
		return p, err
	}
	if length == nil {
		return p, fmt.Errorf("length is required")
	}
	p.length = *length
	bools := map[string]*bool{"special": &p.special, "upper": &p.upper, "lower": &p.lower, "numeric": &p.numeric}
	for k, dst := range bools {
		b, err := plugin.OptBool(m, k)
		if err != nil {
			return p, err
		}
		*dst = b == nil || *b
	}
	if n, err := plugin.OptBool(m, "number"); err != nil {
		return p, err
	} else if n != nil && !*n {
		p.numeric = false
	}
	mins := map[string]*int{"minUpper": &p.minUpper, "minLower": &p.minLower,
		"minNumeric": &p.minNumeric, "minSpecial": &p.minSpecial}
	for k, dst := range mins {
		v, err := plugin.OptInt(m, k)
		if err != nil {
			return p, err
		}
		if v != nil {
			*dst = *v
		}
	}
	if p.overrideSpecial, err = plugin.OptString(m, "overrideSpecial"); err != nil {
		return p, err
	}
	return p, p.validate()
}

// Check applies defaults and validates.
func (p *Provider) Check(_ context.Context, req *pulumirpc.CheckRequest) (*pulumirpc.CheckResponse, error) {
	if _, err := resourceType(req.GetUrn()); err != nil {
		return nil, err
	}
	news, err := plugin.Unmarshal("news", req.GetNews())
	if err != nil {
		return nil, err
	}
	checked, failures := applyDefaults(news)
	inputs, err := plugin.Marshal("inputs", checked)
	if err != nil {
		return nil, err
	}
	return &pulumirpc.CheckResponse{Inputs: inputs, Failures: failures}, nil
}

// Diff: every input forces replacement.
func (p *Provider) Diff(_ context.Context, req *pulumirpc.DiffRequest) (*pulumirpc.DiffResponse, error) {
	t, err := resourceType(req.GetUrn())
	if err != nil {
		return nil, err
	}
	return plugin.Diff(req, outputKeys(t), func(string) bool { return true })
}

// state builds the outputs from the inputs and a result.
func state(t string, inputs resource.PropertyMap, result string, preview bool) (resource.PropertyMap, error) {
	out := resource.PropertyMap{}
	for k, v := range inputs {
		out[k] = v
	}
	for _, k := range outputKeys(t) {
		delete(out, resource.PropertyKey(k))
	}
	if preview {
		for _, k := range outputKeys(t) {
			out[resource.PropertyKey(k)] = resource.MakeComputed(resource.NewStringProperty(""))
		}
		return out, nil
	}
	res := resource.NewStringProperty(result)
	if t == RandomPassword {
		hash, err := bcryptHash(result)
		if err != nil {
			return nil, err
		}
		out["result"] = resource.MakeSecret(res)
		out["bcryptHash"] = resource.MakeSecret(resource.NewStringProperty(hash))
		return out, nil
	}
	if inputs.ContainsSecrets() {
		res = resource.MakeSecret(res)
	}
	out["result"] = res
	return out, nil
}

// bcryptHash hashes the password with the default cost. bcrypt only uses the
// first 72 bytes of its input; x/crypto refuses longer inputs, so they are cut
// there (the hash is the same as that of the full password under classic bcrypt).
func bcryptHash(s string) (string, error) {
	b := []byte(s)
	if len(b) > 72 {
		b = b[:72]
	}
	h, err := bcrypt.GenerateFromPassword(b, bcrypt.DefaultCost)
	if err != nil {
		return "", err
	}
	return string(h), nil
}

// Create generates the value.
func (p *Provider) Create(_ context.Context, req *pulumirpc.CreateRequest) (*pulumirpc.CreateResponse, error) {
	t, err := resourceType(req.GetUrn())
	if err != nil {
		return nil, err
	}
	inputs, err := plugin.Unmarshal("properties", req.GetProperties())
	if err != nil {
		return nil, err
	}
	if req.GetPreview() {
		out, err := state(t, inputs, "", true)
		if err != nil {
			return nil, err
		}
		props, err := plugin.Marshal("preview", out)
		if err != nil {
			return nil, err
		}
		return &pulumirpc.CreateResponse{Properties: props}, nil
	}
	params, err := parseParams(inputs)
	if err != nil {
		return nil, status.Errorf(codes.InvalidArgument, "%s: %v", req.GetUrn(), err)
	}
	result, err := generate(params)
	if err != nil {
		return nil, err
	}
	out, err := state(t, inputs, result, false)
	if err != nil {
		return nil, err
	}
	props, err := plugin.Marshal("outputs", out)
	if err != nil {
		return nil, err
	}
	id := "none"
	if t == RandomString {
		id = result
	}
	return &pulumirpc.CreateResponse{Id: id, Properties: props}, nil
}

// Update is never needed: every change replaces the resource.
func (p *Provider) Update(_ context.Context, req *pulumirpc.UpdateRequest) (*pulumirpc.UpdateResponse, error) {
	if _, err := resourceType(req.GetUrn()); err != nil {
		return nil, err
	}
	return nil, status.Errorf(codes.FailedPrecondition,
		"%s: random resources cannot be updated in place; every input change replaces them", req.GetUrn())
}

// Delete has nothing to do.
func (p *Provider) Delete(_ context.Context, req *pulumirpc.DeleteRequest) (*emptypb.Empty, error) {
	if _, err := resourceType(req.GetUrn()); err != nil {
		return nil, err
	}
	return &emptypb.Empty{}, nil
}

// Read returns the state as it is. With no state (an import), the ID is taken
// as the value, as upstream does.
func (p *Provider) Read(_ context.Context, req *pulumirpc.ReadRequest) (*pulumirpc.ReadResponse, error) {
	t, err := resourceType(req.GetUrn())
	if err != nil {
		return nil, err
	}
	props, err := plugin.Unmarshal("properties", req.GetProperties())
	if err != nil {
		return nil, err
	}
	if len(props) > 0 || req.GetId() == "" {
		return &pulumirpc.ReadResponse{Id: req.GetId(), Properties: req.GetProperties(), Inputs: req.GetInputs()}, nil
	}
	value := req.GetId()
	inputs, _ := applyDefaults(resource.PropertyMap{"length": resource.NewNumberProperty(float64(len([]rune(value))))})
	out, err := state(t, inputs, value, false)
	if err != nil {
		return nil, err
	}
	mOut, err := plugin.Marshal("outputs", out)
	if err != nil {
		return nil, err
	}
	mIn, err := plugin.Marshal("inputs", inputs)
	if err != nil {
		return nil, err
	}
	id := "none"
	if t == RandomString {
		id = value
	}
	return &pulumirpc.ReadResponse{Id: id, Properties: mOut, Inputs: mIn}, nil
}
