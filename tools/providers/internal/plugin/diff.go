package plugin

import (
	"sort"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// Diff answers the engine's Diff call for both plugins. It compares the old inputs (the old
// state where the engine sends none) with the new ones, every key but outputOnly (what the
// resource computes into its state): no change is no change; a changed key for which replaces
// is true replaces the resource; any other changed key is an update.
func Diff(req *pulumirpc.DiffRequest, outputOnly []string, replaces func(key string) bool) (*pulumirpc.DiffResponse, error) {
	olds, err := Unmarshal("olds", req.GetOlds())
	if err != nil {
		return nil, err
	}
	if req.GetOldInputs() != nil {
		if olds, err = Unmarshal("oldInputs", req.GetOldInputs()); err != nil {
			return nil, err
		}
	}
	news, err := Unmarshal("news", req.GetNews())
	if err != nil {
		return nil, err
	}
	changed := changedKeys(olds, news, inputKeys(outputOnly, olds, news))
	return diffResponse(olds, news, changed, replaces), nil
}

// Equal compares two values ignoring secretness (a value that only became
// secret, or stopped being secret, is not a change). Unknown values are never
// equal to anything.
func Equal(a, b resource.PropertyValue) bool {
	a, b = Unwrap(a), Unwrap(b)
	if a.IsComputed() || b.IsComputed() || a.IsOutput() || b.IsOutput() {
		return false
	}
	switch {
	case a.IsNull() || b.IsNull():
		return a.IsNull() && b.IsNull()
	case a.IsArray() && b.IsArray():
		x, y := a.ArrayValue(), b.ArrayValue()
		if len(x) != len(y) {
			return false
		}
		for i := range x {
			if !Equal(x[i], y[i]) {
				return false
			}
		}
		return true
	case a.IsObject() && b.IsObject():
		x, y := a.ObjectValue(), b.ObjectValue()
		for k, v := range x {
			if !Equal(v, y[k]) {
				return false
			}
		}
		for k, v := range y {
			if _, ok := x[k]; !ok && !Unwrap(v).IsNull() {
				return false
			}
		}
		return true
	default:
		return a.DeepEquals(b)
	}
}

// changedKeys lists the keys among keys whose values differ between olds and news.
func changedKeys(olds, news resource.PropertyMap, keys []string) []string {
	var changed []string
	for _, k := range keys {
		if !Equal(olds[resource.PropertyKey(k)], news[resource.PropertyKey(k)]) {
			changed = append(changed, k)
		}
	}
	sort.Strings(changed)
	return changed
}

// diffResponse builds the answer for the changed keys; those for which replace is true force replacement.
func diffResponse(olds, news resource.PropertyMap, changed []string, replace func(string) bool) *pulumirpc.DiffResponse {
	if len(changed) == 0 {
		return &pulumirpc.DiffResponse{Changes: pulumirpc.DiffResponse_DIFF_NONE, HasDetailedDiff: true,
			DetailedDiff: map[string]*pulumirpc.PropertyDiff{}}
	}
	resp := &pulumirpc.DiffResponse{
		Changes:         pulumirpc.DiffResponse_DIFF_SOME,
		Diffs:           changed,
		HasDetailedDiff: true,
		DetailedDiff:    map[string]*pulumirpc.PropertyDiff{},
	}
	for _, k := range changed {
		_, hadOld := olds[resource.PropertyKey(k)]
		_, hasNew := news[resource.PropertyKey(k)]
		rep := replace(k)
		kind := pulumirpc.PropertyDiff_UPDATE
		switch {
		case !hadOld && !rep:
			kind = pulumirpc.PropertyDiff_ADD
		case !hadOld && rep:
			kind = pulumirpc.PropertyDiff_ADD_REPLACE
		case !hasNew && !rep:
			kind = pulumirpc.PropertyDiff_DELETE
		case !hasNew && rep:
			kind = pulumirpc.PropertyDiff_DELETE_REPLACE
		case rep:
			kind = pulumirpc.PropertyDiff_UPDATE_REPLACE
		}
		if rep {
			resp.Replaces = append(resp.Replaces, k)
		}
		resp.DetailedDiff[k] = &pulumirpc.PropertyDiff{Kind: kind, InputDiff: true}
	}
	return resp
}

// inputKeys returns the union of the keys of the maps, minus the given output-only keys.
func inputKeys(outputOnly []string, maps ...resource.PropertyMap) []string {
	skip := map[string]bool{}
	for _, k := range outputOnly {
		skip[k] = true
	}
	seen := map[string]bool{}
	var keys []string
	for _, m := range maps {
		for k := range m {
			s := string(k)
			if skip[s] || seen[s] || resource.IsInternalPropertyKey(k) {
				continue
			}
			seen[s] = true
			keys = append(keys, s)
		}
	}
	sort.Strings(keys)
	return keys
}
