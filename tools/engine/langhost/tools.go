//go:build tools

// Package tools pins the Node.js language host. Its own module is not served by the module
// proxy here; sdk/v3 v3.67.1 is the newest sdk release that still carries it as a package.
package tools

import _ "github.com/pulumi/pulumi/sdk/v3/nodejs/cmd/pulumi-language-nodejs"
