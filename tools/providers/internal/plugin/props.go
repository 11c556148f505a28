package plugin

import (
	"fmt"
	"math"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	"google.golang.org/protobuf/types/known/structpb"
)

var marshalOpts = plugin.MarshalOptions{KeepUnknowns: true, KeepSecrets: true, SkipNulls: true}

// Unmarshal decodes a gRPC struct, keeping secrets and unknowns.
func Unmarshal(label string, s *structpb.Struct) (resource.PropertyMap, error) {
	if s == nil {
		return resource.PropertyMap{}, nil
	}
	opts := marshalOpts
	opts.Label = label
	return plugin.UnmarshalProperties(s, opts)
}

// Marshal encodes a property map, keeping secrets and unknowns.
func Marshal(label string, m resource.PropertyMap) (*structpb.Struct, error) {
	opts := marshalOpts
	opts.Label = label
	return plugin.MarshalProperties(m, opts)
}

// Unwrap strips (possibly nested) secret markers from a value.
func Unwrap(v resource.PropertyValue) resource.PropertyValue {
	for v.IsSecret() {
		v = v.SecretValue().Element
	}
	return v
}

// IsSecret reports whether a value, or anything inside it, is secret.
func IsSecret(v resource.PropertyValue) bool { return v.ContainsSecrets() }

// Get returns the unwrapped value of key (a null value if it is missing).
func Get(m resource.PropertyMap, key string) resource.PropertyValue {
	v, ok := m[resource.PropertyKey(key)]
	if !ok {
		return resource.NewNullProperty()
	}
	return Unwrap(v)
}

// IsUnknown reports whether a value is (or contains) an unknown.
func IsUnknown(v resource.PropertyValue) bool { return v.ContainsUnknowns() }

// OptString reads an optional string. Missing and null give nil.
func OptString(m resource.PropertyMap, key string) (*string, error) {
	v := Get(m, key)
	switch {
	case v.IsNull():
		return nil, nil
	case v.IsString():
		s := v.StringValue()
		return &s, nil
	case v.IsComputed() || v.IsOutput():
		return nil, fmt.Errorf("%s is not known yet", key)
	default:
		return nil, fmt.Errorf("%s must be a string, not %s", key, v.TypeString())
	}
}

// OptBool reads an optional boolean.
func OptBool(m resource.PropertyMap, key string) (*bool, error) {
	v := Get(m, key)
	switch {
	case v.IsNull():
		return nil, nil
	case v.IsBool():
		b := v.BoolValue()
		return &b, nil
	case v.IsComputed() || v.IsOutput():
		return nil, fmt.Errorf("%s is not known yet", key)
	default:
		return nil, fmt.Errorf("%s must be a boolean, not %s", key, v.TypeString())
	}
}

// OptInt reads an optional whole number.
func OptInt(m resource.PropertyMap, key string) (*int, error) {
	v := Get(m, key)
	switch {
	case v.IsNull():
		return nil, nil
	case v.IsNumber():
		f := v.NumberValue()
		if f != math.Trunc(f) || math.IsInf(f, 0) || math.IsNaN(f) || math.Abs(f) > 1<<31 {
			return nil, fmt.Errorf("%s must be a whole number, not %v", key, f)
		}
		i := int(f)
		return &i, nil
	case v.IsComputed() || v.IsOutput():
		return nil, fmt.Errorf("%s is not known yet", key)
	default:
		return nil, fmt.Errorf("%s must be a number, not %s", key, v.TypeString())
	}
}

// OptObject reads an optional object (secrets stripped at the top level).
func OptObject(m resource.PropertyMap, key string) (resource.PropertyMap, error) {
	v := Get(m, key)
	switch {
	case v.IsNull():
		return nil, nil
	case v.IsObject():
		return v.ObjectValue(), nil
	case v.IsComputed() || v.IsOutput():
		return nil, fmt.Errorf("%s is not known yet", key)
	default:
		return nil, fmt.Errorf("%s must be an object, not %s", key, v.TypeString())
	}
}

// StringMap reads an optional map of strings.
func StringMap(m resource.PropertyMap, key string) (map[string]string, error) {
	obj, err := OptObject(m, key)
	if err != nil || obj == nil {
		return nil, err
	}
	out := make(map[string]string, len(obj))
	for k, v := range obj {
		v = Unwrap(v)
		switch {
		case v.IsString():
			out[string(k)] = v.StringValue()
		case v.IsNull():
		case v.IsComputed() || v.IsOutput():
			return nil, fmt.Errorf("%s.%s is not known yet", key, k)
		default:
			return nil, fmt.Errorf("%s.%s must be a string, not %s", key, k, v.TypeString())
		}
	}
	return out, nil
}
