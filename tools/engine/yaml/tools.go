//go:build tools

// Package tools pins the YAML language host (pulumi-language-yaml), which runs Pulumi YAML
// programs such as examples/yaml. Like pulumi-language-nodejs it must sit next to `pulumi`.
package tools

import _ "github.com/pulumi/pulumi-yaml/cmd/pulumi-language-yaml"
