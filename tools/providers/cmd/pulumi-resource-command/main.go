// Command pulumi-resource-command is a Pulumi resource provider plugin that
// implements command:remote:Command (wire-compatible with @pulumi/command 1.2.1).
package main

import (
	"fmt"
	"os"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"

	"local/haproxy-ha/providers/internal/command"
	"local/haproxy-ha/providers/internal/plugin"
)

func main() {
	if len(os.Args) == 2 && (os.Args[1] == "--version" || os.Args[1] == "version") {
		fmt.Println(command.Version)
		return
	}
	err := plugin.Main(command.Name, func(host *plugin.Host) (pulumirpc.ResourceProviderServer, error) {
		if host == nil {
			return command.New(nil), nil
		}
		return command.New(host), nil
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
