//go:build tools

// Package loadgen pins the load generator the benchmarks run (vegeta): tools.sh builds its
// command from this module, so go.sum fixes every module it is built from.
package loadgen

import _ "github.com/tsenart/vegeta/v12"
