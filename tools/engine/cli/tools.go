//go:build tools

// Package tools pins the Pulumi CLI: pkg/v3 replaces sdk/v3 with a relative path in its own
// go.mod, so `go install` refuses it; this wrapper module requires both at one version.
package tools

import _ "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"
