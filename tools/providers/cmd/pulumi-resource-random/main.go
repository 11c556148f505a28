// Command pulumi-resource-random is a Pulumi resource provider plugin that
// implements RandomPassword and RandomString (wire-compatible with @pulumi/random 4.21.2).
package main

import (
	"fmt"
	"os"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"

	"local/haproxy-ha/providers/internal/plugin"
	"local/haproxy-ha/providers/internal/random"
)

func main() {
	if len(os.Args) == 2 && (os.Args[1] == "--version" || os.Args[1] == "version") {
		fmt.Println(random.Version)
		return
	}
	err := plugin.Main(random.Name, func(*plugin.Host) (pulumirpc.ResourceProviderServer, error) {
		return random.New(), nil
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
